#include "inventory/inventoryservice.h"

#include "db/migrations.h"
#include "errors.h"
#include "inventory/auditlog.h"
#include "inventory/quantity.h"

#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace inv {

namespace {
// The person at the keyboard: the OS account and the host, as "user@host".
std::string operatorName()
{
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    const passwd *account = getpwuid(geteuid());
    const char *user = account && account->pw_name ? account->pw_name : std::getenv("USER");
    return std::string(user ? user : "unknown") + "@" + host;
}

ServiceConfig withDefaults(ServiceConfig config)
{
    if (config.serverId.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        config.serverId = std::string(host) + "-" + std::to_string(getpid());
    }
    if (config.actor.empty())
        config.actor = operatorName();
    if (config.cacheTtl.count() <= 0)
        throw InvalidInput("the cache TTL must be at least 1 ms");
    if (config.raceDelay.count() < 0)
        throw InvalidInput("the race delay cannot be negative");
    if (config.lockLease.count() < 10)
        throw InvalidInput("the lock lease must be at least 10 ms");
    // A writer whose cache update failed needs up to a command timeout and a cool-down to leave its
    // repair mark; trusting the cache sooner could miss the mark.
    const auto minimumGrace =
        config.redisTimeouts.connect + config.redisTimeouts.command + config.redisCooldown;
    if (config.cacheRepairGrace.count() == 0)
        config.cacheRepairGrace = minimumGrace + std::chrono::milliseconds(1000);
    if (config.cacheRepairGrace <= minimumGrace)
        throw InvalidInput("the cache repair grace (" + std::to_string(config.cacheRepairGrace.count()) +
                           " ms) must exceed the Redis connect and command timeouts plus the cool-down (" +
                           std::to_string(minimumGrace.count()) + " ms)");
    return config;
}
} // namespace

InventoryService::InventoryService(ServiceConfig config)
    : m_config(withDefaults(std::move(config))),
      m_pgPool(m_config.pgConninfo, m_config.pgConnections, std::chrono::seconds(10), m_config.pgSchema),
      m_redisPool(RedisUrl::parse(m_config.redisUrl), m_config.redisConnections, m_config.redisTimeouts,
                  m_config.redisCooldown),
      m_store(m_pgPool, m_config.serverId, m_config.actor),
      m_cache(m_redisPool, m_config.cacheTtl, m_config.keyPrefix),
      m_repairs(m_pgPool, m_cache, CacheRepairSettings{m_config.cacheRepairGrace, m_config.cacheRepairPoll}),
      m_lock(m_redisPool), m_combiner(m_config.combiner),
      m_batches(m_pgPool, m_config.serverId, m_config.actor), m_active(m_config.strategy)
{
    for (auto kind : {StrategyKind::Unsafe, StrategyKind::Naive, StrategyKind::Locked,
                      StrategyKind::Versioned, StrategyKind::Combined})
        m_strategies[static_cast<std::size_t>(kind)] = Strategy::create(
            kind, StrategyContext{m_store, m_cache, m_lock, m_coalescer, m_stats, m_repairs, m_combiner,
                                  m_batches, m_config.raceDelay, m_config.lockLease});
    if (m_config.nearCache) {
        m_nearCache = std::make_unique<NearCache>(RedisUrl::parse(m_config.redisUrl), m_config.keyPrefix,
                                                  InvalidationLinkSettings{m_config.redisTimeouts});
        // unsafe stays the demo of what goes wrong without one.
        for (std::size_t kind = 0; kind < m_strategies.size(); ++kind)
            if (static_cast<StrategyKind>(kind) != StrategyKind::Unsafe)
                m_strategies[kind]->setNearCache(m_nearCache.get());
    }
}

InventoryService::~InventoryService() = default;

Strategy &InventoryService::active()
{
    return *m_strategies[static_cast<std::size_t>(m_active.load(std::memory_order_relaxed))];
}

void InventoryService::warmUp()
{
    m_pgPool.warm();
    try {
        m_redisPool.warm();
    } catch (const Error &) {
    }
    // Applies the repairs owed before the first read, not during it.
    m_repairs.cacheTrusted();
    // A near cache that cannot link up in time stays off (reads go to Redis) until it does.
    if (m_nearCache)
        m_nearCache->waitUntilServing(m_config.redisTimeouts.connect + m_config.redisTimeouts.command);
}

int InventoryService::migrate()
{
    auto connection = m_pgPool.acquire();
    return Migrations::apply(*connection);
}

StockView InventoryService::getStock(const std::string &sku)
{
    Quantity::checkSku(sku);
    return active().read(sku);
}

namespace {
WriteRequest request(const std::string &sku, Action action, int quantity, const std::string &reason,
                     std::optional<std::int64_t> expectVersion = std::nullopt)
{
    WriteRequest out;
    out.sku = sku;
    out.action = action;
    out.quantity = quantity;
    out.reason = reason;
    out.expectVersion = expectVersion;
    return out;
}
} // namespace

WriteResult InventoryService::purchase(const std::string &sku, int quantity, const std::string &reason)
{
    return write(request(sku, Action::Purchase, quantity, reason));
}

WriteResult InventoryService::restock(const std::string &sku, int quantity, const std::string &reason)
{
    return write(request(sku, Action::Restock, quantity, reason));
}

WriteResult InventoryService::adjust(const std::string &sku, int newStock, const std::string &reason,
                                     std::optional<std::int64_t> expectVersion)
{
    return write(request(sku, Action::Adjust, newStock, reason, expectVersion));
}

namespace {
InvalidInput reversedAlready(std::int64_t auditId, std::int64_t by)
{
    return InvalidInput("audit row #" + std::to_string(auditId) + " was reversed already by #" +
                        std::to_string(by) + "; nothing was written");
}
} // namespace

WriteResult InventoryService::reverse(std::int64_t auditId, const std::string &note)
{
    AuditLog log(m_pgPool);
    const auto original = log.entry(auditId);
    if (!original)
        throw InvalidInput("there is no audit row #" + std::to_string(auditId) +
                           ": list them with 'audit' and pick an id from the first column");
    // Only the link column decides: a reason or a request id is text an operator can type too.
    if (original->reversedBy)
        throw reversedAlready(auditId, *original->reversedBy);
    // The compensating change is relative, so that changes made since the original stay.
    const int delta = original->stockAfter - original->stockBefore;
    if (delta == 0)
        throw InvalidInput("audit row #" + std::to_string(auditId) +
                           " changed no stock; there is nothing to reverse");
    // The reason is for people reading the log; it decides nothing.
    std::string reason =
        "reverses #" + std::to_string(auditId) + ": " +
        original->reason.value_or(original->action + " " + std::to_string(original->quantity) + " by " +
                                  original->actor);
    if (!note.empty())
        reason += " (" + note + ")";
    reason = Quantity::truncateReason(reason);
    auto compensation =
        request(original->sku, delta > 0 ? Action::Purchase : Action::Restock, std::abs(delta), reason);
    // No request id: the unique index on `reverses` makes the reversal happen once even when two
    // operators press it at once, and leaves the request ids to the operators.
    compensation.reverses = auditId;
    try {
        return write(compensation);
    } catch (const DbError &e) {
        if (e.sqlstate() != "23505")
            throw;
        // Another reversal of the same row committed first; this one was rolled back.
        if (const auto again = log.entry(auditId); again && again->reversedBy)
            throw reversedAlready(auditId, *again->reversedBy);
        throw;
    }
}

WriteResult InventoryService::write(WriteRequest request)
{
    Quantity::checkSku(request.sku);
    Quantity::check(request.quantity, request.action == Action::Adjust);
    if (request.reason.size() > 500)
        throw InvalidInput("the reason is " + std::to_string(request.reason.size()) +
                           " bytes long: keep it under 500 bytes");
    return active().write(request);
}

StockCountResult InventoryService::importCount(StockCount &count)
{
    auto result = count.apply(m_pgPool, m_config.serverId, m_config.actor);
    // The marks are durable already; this only shortens the time a reader could see the old value.
    try {
        for (const auto &[sku, version] : result.written)
            m_cache.invalidateBelow(sku, version);
    } catch (const Error &e) {
        m_repairs.noteFailure(e.what());
    }
    return result;
}

StockRecord InventoryService::addProduct(const std::string &sku, const std::string &name, int stock)
{
    Quantity::checkSku(sku);
    Quantity::checkName(name);
    Quantity::check(stock, true);
    return m_store.addProduct(sku, name, stock);
}

std::optional<StockRecord> InventoryService::databaseStock(const std::string &sku)
{
    return m_store.fetch(sku);
}

std::optional<CachedStock> InventoryService::cachedStock(const std::string &sku)
{
    m_repairs.cacheTrusted();
    return m_cache.peek(sku);
}

} // namespace inv
