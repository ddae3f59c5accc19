// The inventory API every front end uses: read stock, purchase, restock, adjust and add products,
// through the cache strategy chosen at run time. One instance is one virtual app server, with its
// own connection pools and server id. Thread-safe: call it from any number of threads at once.
#pragma once

#include "cache/distributedlock.h"
#include "cache/redispool.h"
#include "cache/stockcache.h"
#include "db/pgpool.h"
#include "inventory/cacherepairs.h"
#include "inventory/fillcoalescer.h"
#include "inventory/inventorystore.h"
#include "inventory/servicestats.h"
#include "inventory/stockcount.h"
#include "inventory/strategy.h"

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace inv {

struct ServiceConfig
{
    std::string pgConninfo;
    std::string redisUrl;
    StrategyKind strategy = StrategyKind::Versioned;
    std::string serverId; // defaults to host-pid
    // Who the audit rows name: a person ("user@host", the default) or "sim:<run id>/<server id>".
    std::string actor;
    // A simulation run's own space: the schema its connections use and the prefix of its Redis keys.
    // Empty: the operator's (public schema, unprefixed keys).
    std::string pgSchema;
    std::string keyPrefix;
    int pgConnections = 8;
    int redisConnections = 8;
    std::chrono::milliseconds cacheTtl{30000};
    std::chrono::milliseconds raceDelay{0};
    RedisTimeouts redisTimeouts;
    std::chrono::milliseconds redisCooldown{500};
    // How long `locked` holds its lock at most; a holder past it writes nothing.
    std::chrono::milliseconds lockLease{2000};
    // After a Redis failure, how long Redis must answer before the cache is trusted again. Must
    // exceed the Redis timeouts plus the cool-down (the constructor refuses less); zero derives it.
    std::chrono::milliseconds cacheRepairGrace{0};
    std::chrono::milliseconds cacheRepairPoll{1000};
    // How `combined` bounds its batches.
    CombinerSettings combiner;
    // An in-process near cache in front of Redis for reads (every strategy but unsafe), kept
    // coherent by Redis's invalidations; off by default.
    bool nearCache = false;
};

class InventoryService
{
public:
    explicit InventoryService(ServiceConfig config);
    ~InventoryService();
    InventoryService(const InventoryService &) = delete;
    InventoryService &operator=(const InventoryService &) = delete;

    // Opens every pooled connection now; Redis being down is not an error (the service fails open).
    void warmUp();
    // Creates or upgrades the schema. Idempotent and safe to run from several processes at once.
    int migrate();

    StockView getStock(const std::string &sku);
    WriteResult purchase(const std::string &sku, int quantity, const std::string &reason = {});
    WriteResult restock(const std::string &sku, int quantity, const std::string &reason = {});
    // Sets an absolute stock level, audited as an adjustment of the difference. With expectVersion,
    // applies only while the row is at that version, else throws VersionConflict and writes nothing.
    WriteResult adjust(const std::string &sku, int newStock, const std::string &reason = {},
                       std::optional<std::int64_t> expectVersion = std::nullopt);
    // Writes the change that compensates audit row `auditId` (a restock for a purchase, a purchase
    // for a restock, the opposite difference for an adjust), with the reason "reverses #id: …" and
    // its `reverses` column set to id. The audit log itself is never edited. Refused
    // (InsufficientStock) if stock would go below zero, and (InvalidInput) for an unknown row or one
    // reversed already: one whose id another row's `reverses` holds (unique, so once even when
    // several reverse it at once). Neither reason text nor request ids decide that.
    WriteResult reverse(std::int64_t auditId, const std::string &note = {});
    // Applies a previewed stock count (see StockCount::apply) and then raises each written SKU's
    // version floor in the cache; if Redis fails, the marks the count left are applied later.
    StockCountResult importCount(StockCount &count);
    // Any write, with everything a request may carry (expected version, request id).
    WriteResult write(WriteRequest request);
    StockRecord addProduct(const std::string &sku, const std::string &name, int stock);
    void loopRefused() { m_stats.rejections.fetch_add(1, std::memory_order_relaxed); }
    // A batch of `size` purchases the event loop combined, counted with `combined`'s own.
    void loopBatched(std::size_t size) { m_combiner.countBatch(size); }

    // The database's own row, bypassing the cache.
    std::optional<StockRecord> databaseStock(const std::string &sku);
    // The cache's entry with its TTL, bypassing the strategy, once the repairs owed are applied.
    // Throws CacheError if Redis is down.
    std::optional<CachedStock> cachedStock(const std::string &sku);

    void setStrategy(StrategyKind kind) { m_active.store(kind, std::memory_order_relaxed); }
    StrategyKind strategy() const { return m_active.load(std::memory_order_relaxed); }
    const std::string &serverId() const { return m_config.serverId; }
    const ServiceConfig &config() const { return m_config; }
    const ServiceStats &stats() const { return m_stats; }
    // For the event-loop client, which counts its reads and writes as the strategies do.
    ServiceStats &counters() { return m_stats; }
    const LockStats &lockStats() const { return m_lock.stats(); }
    DistributedLock &lock() { return m_lock; }
    CombinerStats combinerStats() const { return m_combiner.stats(); }
    bool redisAvailable() const { return !m_redisPool.isCoolingDown(); }

    InventoryStore &store() { return m_store; }
    StockCache &cache() { return m_cache; }
    CacheRepairs &cacheRepairs() { return m_repairs; }
    PgPool &pgPool() { return m_pgPool; }
    RedisPool &redisPool() { return m_redisPool; }
    // Null unless ServiceConfig::nearCache.
    NearCache *nearCache() { return m_nearCache.get(); }

private:
    Strategy &active();

    ServiceConfig m_config;
    PgPool m_pgPool;
    RedisPool m_redisPool;
    InventoryStore m_store;
    StockCache m_cache;
    CacheRepairs m_repairs;
    DistributedLock m_lock;
    FillCoalescer m_coalescer;
    WriteCombiner m_combiner;
    PurchaseBatch m_batches;
    ServiceStats m_stats;
    std::unique_ptr<NearCache> m_nearCache;
    std::array<std::unique_ptr<Strategy>, kStrategyCount> m_strategies;
    std::atomic<StrategyKind> m_active;
};

} // namespace inv
