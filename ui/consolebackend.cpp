#include "consolebackend.h"

#include "cache/redisconnection.h"
#include "db/pgconnection.h"
#include "errors.h"
#include "inventory/auditlog.h"
#include "inventory/inventoryservice.h"
#include "inventory/quantity.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <chrono>
#include <exception>

namespace {
QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// Engine errors become the outcome the panel shows; nothing is thrown across the event loop.
void describeFailure(ActionOutcome &outcome, std::exception_ptr error)
{
    try {
        std::rethrow_exception(error);
    } catch (const inv::InsufficientStock &e) {
        outcome.kind = ActionOutcome::Kind::Refused;
        outcome.message = q(e.what());
    } catch (const inv::InvalidInput &e) {
        outcome.kind = ActionOutcome::Kind::Invalid;
        outcome.message = q(e.what());
    } catch (const std::exception &e) {
        outcome.kind = ActionOutcome::Kind::ServiceDown;
        outcome.message = q(e.what());
    }
}

double elapsedMs(const QElapsedTimer &timer)
{
    return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}
} // namespace

ConsoleBackend::ConsoleBackend(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<InventorySnapshot>();
    qRegisterMetaType<ActionOutcome>();
    qRegisterMetaType<HealthState>();
}

ConsoleBackend::~ConsoleBackend() = default;

void ConsoleBackend::connectTo(const QString &pgConninfo, const QString &redisUrl, const QString &strategy)
{
    Q_ASSERT(QThread::currentThread() == thread());
    try {
        inv::ServiceConfig config;
        config.pgConninfo = pgConninfo.toStdString();
        config.redisUrl = redisUrl.toStdString();
        config.strategy = inv::Strategy::parseKind(strategy.toStdString());
        config.pgConnections = 2;
        config.redisConnections = 2;
        config.serverId = "console-" + std::to_string(QCoreApplication::applicationPid());
        auto service = std::make_unique<inv::InventoryService>(config);
        service->migrate();
        m_service = std::move(service);
        m_pg = pgConninfo;
        m_redis = redisUrl;
        emit connected(q(m_service->serverId()), m_service->config().cacheTtl.count());
        probeHealth();
    } catch (const std::exception &e) {
        emit connectionFailed(q(e.what()));
    }
}

void ConsoleBackend::setStrategy(const QString &strategy)
{
    if (!m_service)
        return;
    try {
        m_service->setStrategy(inv::Strategy::parseKind(strategy.toStdString()));
    } catch (const inv::Error &) {
    }
}

void ConsoleBackend::loadInventory(const QString &filter, int limit)
{
    Q_ASSERT(QThread::currentThread() == thread());
    InventorySnapshot snapshot;
    if (!m_service) {
        snapshot.error = tr("not connected");
        emit inventoryLoaded(snapshot);
        return;
    }
    try {
        const std::string f = filter.toStdString();
        auto records = m_service->store().list(f, limit);
        snapshot.totalMatching = records.size() < static_cast<std::size_t>(limit)
                                     ? static_cast<qint64>(records.size())
                                     : m_service->store().count(f);
        std::vector<std::string> skus;
        skus.reserve(records.size());
        for (const auto &r : records)
            skus.push_back(r.sku);
        std::vector<std::optional<inv::CachedStock>> cached;
        try {
            cached = m_service->cache().peekMany(skus);
        } catch (const inv::Error &e) {
            snapshot.redisUp = false;
            snapshot.redisError = q(e.what());
        }
        snapshot.rows.reserve(static_cast<qsizetype>(records.size()));
        for (std::size_t i = 0; i < records.size(); ++i) {
            InventoryRow row;
            row.sku = q(records[i].sku);
            row.name = q(records[i].name);
            row.dbStock = records[i].stock;
            row.dbVersion = records[i].version;
            row.updatedAt = q(records[i].updatedAt);
            if (i < cached.size() && cached[i]) {
                row.cached = true;
                row.cacheStock = cached[i]->stock;
                row.cacheVersion = cached[i]->version;
                row.ttlMs = cached[i]->ttlMs;
            }
            snapshot.rows.push_back(row);
        }
    } catch (const std::exception &e) {
        snapshot.error = q(e.what());
    }
    emit inventoryLoaded(snapshot);
}

void ConsoleBackend::runAction(const QString &action, const QString &sku, const QString &quantity,
                               const QString &reason, qint64 seenVersion)
{
    Q_ASSERT(QThread::currentThread() == thread());
    ActionOutcome outcome;
    outcome.sku = sku;
    QElapsedTimer timer;
    try {
        if (!m_service)
            throw inv::DbError("not connected: choose File > Connect or start the sandbox", "08003");
        const bool adjust = action == QLatin1String("adjust");
        const std::string s = sku.toStdString();
        inv::Quantity::checkSku(s);
        const int n = inv::Quantity::parse(quantity.trimmed().toStdString(), adjust);
        const std::optional<std::int64_t> expect =
            seenVersion > 0 ? std::optional<std::int64_t>(seenVersion) : std::nullopt;
        timer.start();
        inv::WriteResult result =
            action == QLatin1String("purchase")  ? m_service->purchase(s, n, reason.toStdString())
            : action == QLatin1String("restock") ? m_service->restock(s, n, reason.toStdString())
                                                 : m_service->adjust(s, n, reason.toStdString(), expect);
        outcome.latencyMs = elapsedMs(timer);
        outcome.stockBefore = result.stockBefore;
        outcome.stock = result.stock;
        outcome.version = result.version;
        outcome.auditId = result.auditId;
        outcome.message = tr("%1 → %2, version %3, %4 ms")
                              .arg(result.stockBefore)
                              .arg(result.stock)
                              .arg(result.version)
                              .arg(outcome.latencyMs, 0, 'f', 1);
        // A relative change applies anyway, but the operator learns what happened meanwhile.
        if (seenVersion > 0 && result.version > seenVersion + 1)
            outcome.message += tr(". Changed since you looked (version %1): %2")
                                   .arg(seenVersion)
                                   .arg(describeChanges(sku, seenVersion, result.version - 1));
    } catch (const inv::VersionConflict &e) {
        outcome.kind = ActionOutcome::Kind::Conflict;
        outcome.stock = e.currentStock();
        outcome.version = e.currentVersion();
        QString what;
        try {
            what = describeChanges(sku, e.expectedVersion(), e.currentVersion());
        } catch (const std::exception &) {
            what = tr("the audit log could not be read");
        }
        outcome.message = tr("%1 changed since you looked (version %2, now %3): %4. Nothing was written.")
                              .arg(sku)
                              .arg(e.expectedVersion())
                              .arg(e.currentVersion())
                              .arg(what);
    } catch (const std::exception &) {
        describeFailure(outcome, std::current_exception());
    }
    emit actionFinished(outcome);
}

QString ConsoleBackend::describeChanges(const QString &sku, qint64 afterVersion, qint64 upToVersion)
{
    constexpr int kShown = 5;
    inv::AuditLog log(m_service->pgPool());
    const auto changes = log.changesAfter(sku.toStdString(), afterVersion, upToVersion, kShown + 1);
    QStringList parts;
    for (std::size_t i = 0; i < changes.size() && i < kShown; ++i) {
        const auto &c = changes[i];
        parts << tr("%1 → %2, %3 by %4 (#%5)")
                     .arg(c.stockBefore)
                     .arg(c.stockAfter)
                     .arg(q(c.action), q(c.actor))
                     .arg(c.id);
    }
    const qint64 total = upToVersion - afterVersion;
    if (total > qint64(parts.size()))
        parts << tr("and %1 more").arg(total - parts.size());
    return parts.isEmpty() ? tr("no audit rows found") : parts.join(QStringLiteral("; "));
}

void ConsoleBackend::reverse(qint64 auditId, const QString &note)
{
    Q_ASSERT(QThread::currentThread() == thread());
    ActionOutcome outcome;
    try {
        if (!m_service)
            throw inv::DbError("not connected: choose File > Connect or start the sandbox", "08003");
        const inv::WriteResult result = m_service->reverse(auditId, note.toStdString());
        outcome.stockBefore = result.stockBefore;
        outcome.stock = result.stock;
        outcome.version = result.version;
        outcome.auditId = result.auditId;
        outcome.message = tr("#%1 reversed by #%2: stock %3 → %4, version %5")
                              .arg(auditId)
                              .arg(result.auditId)
                              .arg(result.stockBefore)
                              .arg(result.stock)
                              .arg(result.version);
    } catch (const std::exception &) {
        describeFailure(outcome, std::current_exception());
    }
    emit reversalFinished(auditId, outcome);
}

void ConsoleBackend::addProduct(const QString &sku, const QString &name, const QString &stock)
{
    ActionOutcome outcome;
    outcome.sku = sku;
    try {
        if (!m_service)
            throw inv::DbError("not connected", "08003");
        const int initial = inv::Quantity::parse(stock.trimmed().toStdString(), true);
        auto record = m_service->addProduct(sku.toStdString(), name.toStdString(), initial);
        outcome.stock = record.stock;
        outcome.version = record.version;
        outcome.message = tr("added %1 with stock %2").arg(sku).arg(record.stock);
    } catch (const std::exception &) {
        describeFailure(outcome, std::current_exception());
    }
    emit actionFinished(outcome);
}

void ConsoleBackend::probeHealth()
{
    Q_ASSERT(QThread::currentThread() == thread());
    HealthState health;
    if (m_pg.isEmpty()) {
        emit healthChanged(health);
        return;
    }
    QElapsedTimer timer;
    try {
        timer.start();
        auto lease = m_service->pgPool().acquire();
        // The round trip, and whether a crash could lose acknowledged writes on this server.
        const auto durability = lease->exec("SELECT current_setting('fsync') = 'off' OR "
                                            "current_setting('synchronous_commit') = 'off'");
        health.pgMs = elapsedMs(timer);
        health.pgNotDurable = durability.text(0, 0) == "t";
        health.pgUp = true;
        health.pgVersion = q(lease->serverVersion());
    } catch (const std::exception &e) {
        health.pgError = q(e.what());
    }
    try {
        // A fresh connection with short timeouts: the probe must also see a Redis that came back.
        inv::RedisConnection redis(
            inv::RedisUrl::parse(m_redis.toStdString()),
            inv::RedisTimeouts{std::chrono::milliseconds(300), std::chrono::milliseconds(300)});
        timer.start();
        redis.command({"PING"});
        health.redisMs = elapsedMs(timer);
        health.redisUp = true;
        const std::string info = redis.command({"INFO", "server"}).str();
        const auto at = info.find("redis_version:");
        if (at != std::string::npos)
            health.redisVersion = q(info.substr(at + 14, info.find('\r', at) - at - 14));
    } catch (const std::exception &e) {
        health.redisError = q(e.what());
    }
    emit healthChanged(health);
}
