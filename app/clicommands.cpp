#include "clicommands.h"

#include "agentcommand.h"

#include "connectionresolver.h"
#include "errors.h"
#include "importcountcommand.h"
#include "inventory/auditlog.h"
#include "inventory/demoseeder.h"
#include "inventory/inventoryservice.h"
#include "inventory/quantity.h"
#include "sandboxcommand.h"
#include "simulatecommand.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace {
QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// Text from the database, with its control characters made visible before it reaches a terminal.
std::string shown(const std::string &s)
{
    return inv::Quantity::printable(s);
}

void printJson(const QJsonObject &object)
{
    std::cout << inv::Quantity::printableJson(
        QJsonDocument(object).toJson(QJsonDocument::Indented).toStdString());
}

void printJson(const QJsonArray &array)
{
    std::cout << inv::Quantity::printableJson(
        QJsonDocument(array).toJson(QJsonDocument::Indented).toStdString());
}

std::string formatMs(double ms)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f ms", ms);
    return buffer;
}

} // namespace

CliCommands::CliCommands(const CommandLine &args) : m_args(args) {}

CliCommands::~CliCommands() = default;

int CliCommands::run()
{
    try {
        return dispatch();
    } catch (const inv::InsufficientStock &e) {
        std::cerr << "refused: " << e.what() << "\n";
        return 1;
    } catch (const inv::VersionConflict &e) {
        std::cerr << "refused: " << e.what() << "\n";
        return 1;
    } catch (const inv::InvalidInput &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    } catch (const inv::DbError &e) {
        std::cerr << "error: PostgreSQL failed"
                  << (e.sqlstate().empty() ? std::string() : " (SQLSTATE " + e.sqlstate() + ")") << ": "
                  << e.what() << "\n";
        return 3;
    } catch (const inv::SandboxError &e) {
        std::cerr << "error: the local sandbox failed: " << e.what() << "\n";
        return 3;
    } catch (const inv::Error &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 3;
    } catch (const std::exception &e) {
        std::cerr << "error: unexpected failure: " << e.what() << "\n";
        return 3;
    }
}

int CliCommands::dispatch()
{
    const std::string &command = m_args.command();
    if (command == "sandbox")
        return SandboxCommand(m_args).run();
    if (command == "init")
        return init();
    if (command == "add")
        return add();
    if (command == "stock")
        return stock();
    if (command == "purchase" || command == "restock" || command == "adjust")
        return write();
    if (command == "audit")
        return audit();
    if (command == "reverse")
        return reverse();
    if (command == "import-count") {
        m_args.expectPositionals(1, "import-count FILE [--dry-run] [--json]");
        return ImportCountCommand(m_args, service()).run();
    }
    if (command == "simulate") {
        m_args.expectPositionals(0, "simulate --scenario NAME [options]");
        return SimulateCommand(m_args,
                               ConnectionResolver::resolve(
                                   m_args, [](const std::string &line) { std::cerr << line << "\n"; }))
            .run();
    }
    if (command == "agent") {
        m_args.expectPositionals(0, "agent [--name NAME] [--list]");
        return AgentCommand(m_args, ConnectionResolver::resolve(
                                        m_args, [](const std::string &line) { std::cerr << line << "\n"; }))
            .run();
    }
    throw inv::InvalidInput("no command given\n" + CommandLine::usage());
}

std::optional<std::string> CliCommands::cacheTrouble()
{
    // One command per process: any cache failure since the service started is this command's.
    return m_service ? m_service->cacheRepairs().failureSince(0) : std::nullopt;
}

inv::InventoryService &CliCommands::service()
{
    if (m_service)
        return *m_service;
    auto connections =
        ConnectionResolver::resolve(m_args, [](const std::string &line) { std::cerr << line << "\n"; });
    inv::ServiceConfig config;
    config.pgConninfo = connections.pg;
    config.redisUrl = connections.redis;
    config.strategy = inv::Strategy::parseKind(m_args.option("strategy").value_or("versioned"));
    config.serverId = m_args.option("server-id").value_or("");
    inv::Quantity::checkText(config.serverId, "--server-id");
    config.pgConnections = 2;
    config.redisConnections = 2;
    config.cacheTtl = std::chrono::milliseconds(m_args.integer("ttl-ms", 30000, 1, 86'400'000));
    m_service = std::make_unique<inv::InventoryService>(config);
    return *m_service;
}

int CliCommands::init()
{
    m_args.expectPositionals(0, "init [--products N] [--stock S] [--reset]");
    const int products = static_cast<int>(m_args.integer("products", 100, 0, 10'000'000));
    const int stockLevel = static_cast<int>(m_args.integer("stock", 100, 0, inv::Quantity::kMax));
    auto &svc = service();
    const int migrations = svc.migrate();
    std::cerr << "seeding " << products << " demo products...\n";
    auto result = inv::DemoSeeder(svc).seed(products, stockLevel, m_args.flag("reset"));
    if (m_args.flag("json")) {
        printJson(QJsonObject{{u"migrations_applied"_s, migrations},
                              {u"products_created"_s, static_cast<qint64>(result.created)},
                              {u"products_reset"_s, static_cast<qint64>(result.reset)}});
        return 0;
    }
    std::cout << "schema: "
              << (migrations ? std::to_string(migrations) + " migration(s) applied" : "up to date")
              << "\nproducts: " << result.created << " created, " << products - result.created
              << " already present";
    if (m_args.flag("reset"))
        std::cout << ", " << result.reset << " reset to stock " << stockLevel;
    std::cout << "\n";
    return 0;
}

int CliCommands::add()
{
    m_args.expectPositionals(1, "add SKU --name NAME [--stock S]");
    const std::string &sku = m_args.positionals()[0];
    auto name = m_args.option("name");
    if (!name)
        throw inv::InvalidInput("a product needs a name: add --name NAME");
    inv::Quantity::checkSku(sku);
    inv::Quantity::checkName(*name);
    const std::string stockText = m_args.option("stock").value_or("0");
    const int initial = inv::Quantity::parse(stockText, true);
    auto record = service().addProduct(sku, *name, initial);
    if (m_args.flag("json")) {
        printJson(QJsonObject{{u"sku"_s, q(record.sku)},
                              {u"name"_s, q(record.name)},
                              {u"stock"_s, record.stock},
                              {u"version"_s, static_cast<qint64>(record.version)}});
        return 0;
    }
    std::cout << "added " << shown(record.sku) << " \"" << shown(record.name) << "\" with stock "
              << record.stock << "\n";
    return 0;
}

int CliCommands::stock()
{
    m_args.expectPositionals(1, "stock SKU [--json]");
    const std::string &sku = m_args.positionals()[0];
    inv::Quantity::checkSku(sku);
    auto &svc = service();
    auto db = svc.databaseStock(sku);
    if (!db)
        throw inv::UnknownSku(sku);
    // A plain value rather than an optional filled inside try: g++ 12 misreads the latter.
    inv::CachedStock entry;
    bool present = false;
    // Why the cache could not be read: Redis unreachable, or refusing (NOAUTH, NOPERM…).
    std::string cacheError;
    try {
        if (auto peeked = svc.cachedStock(sku)) {
            entry = *peeked;
            present = true;
        }
    } catch (const inv::CacheUnavailable &e) {
        // The breaker is open: the failure that opened it says why.
        cacheError = cacheTrouble().value_or(e.what());
    } catch (const inv::CacheError &e) {
        cacheError = e.what();
    }
    if (cacheError.empty())
        cacheError = cacheTrouble().value_or("");
    // Refused: a command's error reply, or a server the handshake declined (a Cluster node).
    const bool refused = cacheError.find(" refused the command: ") != std::string::npos ||
                         cacheError.find(" is not used: ") != std::string::npos;
    const inv::CachedStock *cached = present ? &entry : nullptr;
    const std::string cacheState = refused                          ? "refused"
                                   : !cacheError.empty() && !cached ? "unreachable"
                                   : !cached                        ? "missing"
                                   : cached->version < db->version  ? "stale"
                                                                    : "fresh";
    if (m_args.flag("json")) {
        QJsonObject out{{u"sku"_s, q(db->sku)},
                        {u"name"_s, q(db->name)},
                        {u"database"_s, QJsonObject{{u"stock"_s, db->stock},
                                                    {u"version"_s, static_cast<qint64>(db->version)},
                                                    {u"updated_at"_s, q(db->updatedAt)}}},
                        {u"cache_state"_s, q(cacheState)},
                        {u"cache_error"_s, cacheError.empty() ? QJsonValue() : QJsonValue(q(cacheError))}};
        out.insert(u"cache"_s,
                   cached ? QJsonValue(QJsonObject{{u"stock"_s, cached->stock},
                                                   {u"version"_s, static_cast<qint64>(cached->version)},
                                                   {u"ttl_ms"_s, static_cast<qint64>(cached->ttlMs)}})
                          : QJsonValue(QJsonValue::Null));
        printJson(out);
        return 0;
    }
    std::cout << shown(db->sku) << "  " << shown(db->name) << "\n"
              << "  database: stock " << db->stock << ", version " << db->version << ", updated "
              << shown(db->updatedAt) << "\n  cache:    ";
    if (cached)
        std::cout << "stock " << cached->stock << ", version " << cached->version << ", ttl "
                  << formatMs(static_cast<double>(cached->ttlMs)) << " (" << cacheState << ")\n";
    else
        std::cout << cacheState << "\n";
    if (!cacheError.empty())
        std::cerr << "the cache could not be read: " << cacheError << "\n";
    return 0;
}

int CliCommands::write()
{
    const std::string &command = m_args.command();
    const bool adjust = command == "adjust";
    m_args.expectPositionals(2, command + (adjust ? " SKU STOCK [--expect-version V]" : " SKU QTY") +
                                    " [--reason TEXT] [--request-id ID] [--json]");
    if (!adjust && m_args.option("expect-version"))
        throw inv::InvalidInput("--expect-version applies to adjust only: purchase and restock are relative");
    std::optional<std::int64_t> expectVersion;
    if (m_args.option("expect-version"))
        expectVersion = m_args.integer("expect-version", 0, 1, std::numeric_limits<std::int64_t>::max());
    const std::string &sku = m_args.positionals()[0];
    inv::Quantity::checkSku(sku);
    const int quantity = inv::Quantity::parse(m_args.positionals()[1], adjust);
    const std::string reason = m_args.option("reason").value_or("");
    inv::Quantity::checkReason(reason);
    auto &svc = service();
    const auto start = std::chrono::steady_clock::now();
    inv::WriteRequest request{sku,
                              command == "purchase"  ? inv::Action::Purchase
                              : command == "restock" ? inv::Action::Restock
                                                     : inv::Action::Adjust,
                              quantity,
                              reason,
                              expectVersion,
                              m_args.option("request-id").value_or(""),
                              std::nullopt};
    if (m_args.option("request-id"))
        inv::Quantity::checkRequestId(request.requestId);
    const inv::WriteResult result = svc.write(request);
    return printWrite(command, sku, quantity, result, start);
}

int CliCommands::reverse()
{
    m_args.expectPositionals(1, "reverse AUDIT_ID [--reason TEXT] [--json]");
    const std::string &text = m_args.positionals()[0];
    const auto digits = text.rfind('#', 0) == 0 ? text.substr(1) : text;
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
        throw inv::InvalidInput("invalid audit id '" + inv::Quantity::printable(text) +
                                "': give the number in the first column of 'audit'");
    const std::string note = m_args.option("reason").value_or("");
    inv::Quantity::checkReason(note);
    auto &svc = service();
    const auto start = std::chrono::steady_clock::now();
    const auto result = svc.reverse(std::stoll(digits), note);
    const auto entry = inv::AuditLog(svc.pgPool()).entry(result.auditId);
    return printWrite("reverse", entry ? entry->sku : std::string(), result.stock - result.stockBefore,
                      result, start);
}

int CliCommands::printWrite(const std::string &command, const std::string &sku, int quantity,
                            const inv::WriteResult &result, std::chrono::steady_clock::time_point start)
{
    auto &svc = service();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const auto trouble = cacheTrouble();
    if (m_args.flag("json")) {
        printJson(QJsonObject{{u"sku"_s, q(sku)},
                              {u"action"_s, q(command)},
                              {u"quantity"_s, quantity},
                              {u"stock_before"_s, result.stockBefore},
                              {u"stock"_s, result.stock},
                              {u"version"_s, static_cast<qint64>(result.version)},
                              {u"audit_id"_s, static_cast<qint64>(result.auditId)},
                              {u"strategy"_s, QLatin1StringView(inv::Strategy::kindName(svc.strategy()))},
                              {u"server_id"_s, q(svc.serverId())},
                              {u"replayed"_s, result.replayed},
                              {u"latency_ms"_s, ms},
                              {u"cache_error"_s, trouble ? QJsonValue(q(*trouble)) : QJsonValue()}});
        return 0;
    }
    if (result.replayed) {
        std::cout << "already done: request " << m_args.option("request-id").value_or("")
                  << " was applied as audit #" << result.auditId << " (" << shown(sku) << ": stock "
                  << result.stockBefore << " -> " << result.stock << ", version " << result.version
                  << "); nothing was written again\n";
        return 0;
    }
    const char *verb = command == "purchase"  ? "purchased"
                       : command == "restock" ? "restocked"
                       : command == "reverse" ? "reversed"
                                              : "adjusted";
    std::cout << verb << " " << shown(sku) << ": stock " << result.stockBefore << " -> " << result.stock
              << " (version " << result.version << ", audit #" << result.auditId << ", " << formatMs(ms)
              << ", " << inv::Strategy::kindName(svc.strategy()) << ")" << std::endl;
    // Fail-open: the write committed, so the command succeeds, and says what the cache did not get.
    if (trouble)
        std::cerr << "the cache was not updated: " << *trouble << "\n";
    return 0;
}

int CliCommands::audit()
{
    m_args.expectPositionals(0, "audit [--sku SKU] [--limit N] [--json]");
    const std::string sku = m_args.option("sku").value_or("");
    if (m_args.option("sku"))
        inv::Quantity::checkSku(sku);
    const int limit = static_cast<int>(m_args.integer("limit", 20, 1, 1'000'000));
    auto rows = inv::AuditLog(service().pgPool()).recent(sku, limit);
    if (m_args.flag("json")) {
        QJsonArray out;
        for (const auto &r : rows)
            out.append(QJsonObject{
                {u"id"_s, static_cast<qint64>(r.id)},
                {u"sku"_s, q(r.sku)},
                {u"action"_s, q(r.action)},
                {u"quantity"_s, r.quantity},
                {u"stock_before"_s, r.stockBefore},
                {u"stock_after"_s, r.stockAfter},
                {u"version"_s, static_cast<qint64>(r.version)},
                {u"actor"_s, q(r.actor)},
                {u"server_id"_s, r.serverId ? QJsonValue(q(*r.serverId)) : QJsonValue()},
                {u"reason"_s, r.reason ? QJsonValue(q(*r.reason)) : QJsonValue()},
                {u"at"_s, q(r.at)},
                {u"reverses"_s, r.reverses ? QJsonValue(static_cast<qint64>(*r.reverses)) : QJsonValue()},
                {u"reversed_by"_s,
                 r.reversedBy ? QJsonValue(static_cast<qint64>(*r.reversedBy)) : QJsonValue()}});
        printJson(out);
        return 0;
    }
    if (rows.empty()) {
        std::cout << "no audit rows" << (sku.empty() ? std::string() : " for " + shown(sku)) << "\n";
        return 0;
    }
    std::printf("%-8s %-27s %-14s %-9s %6s %17s %8s  %-12s %-18s %s\n", "ID", "AT (UTC)", "SKU", "ACTION",
                "QTY", "STOCK", "VERSION", "ACTOR", "SERVER", "REASON");
    for (const auto &r : rows) {
        const std::string change = std::to_string(r.stockBefore) + " -> " + std::to_string(r.stockAfter);
        std::printf("%-8lld %-27s %-14s %-9s %6d %17s %8lld  %-12s %-18s %s\n", static_cast<long long>(r.id),
                    shown(r.at).c_str(), shown(r.sku).c_str(), shown(r.action).c_str(), r.quantity,
                    change.c_str(), static_cast<long long>(r.version), shown(r.actor).c_str(),
                    shown(r.serverId.value_or("-")).c_str(), shown(r.reason.value_or("")).c_str());
    }
    std::fflush(stdout);
    return 0;
}
