// The cache strategy behind InventoryService: how a read uses the cache and how a write keeps it
// up to date. The base class holds what every strategy shares, above all fail-open: a cache
// failure is counted and the operation goes on from PostgreSQL, and a write whose cache update
// failed leaves a durable repair mark (CacheRepairs) before it is acknowledged. A write is a commit
// and then a cache update; nothing after the commit can turn a committed write into a failure.
// Any thread; subclasses hold no per-call state.
#pragma once

#include "cache/distributedlock.h"
#include "cache/nearcache.h"
#include "cache/stockcache.h"
#include "errors.h"
#include "inventory/cacherepairs.h"
#include "inventory/fillcoalescer.h"
#include "inventory/inventorystore.h"
#include "inventory/purchasebatch.h"
#include "inventory/servicestats.h"
#include "inventory/writecombiner.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace inv {

enum class StrategyKind
{
    Unsafe,
    Naive,
    Locked,
    Versioned,
    Combined
};

constexpr int kStrategyCount = 5;

struct StrategyContext
{
    InventoryStore &store;
    StockCache &cache;
    DistributedLock &lock;
    FillCoalescer &coalescer;
    ServiceStats &stats;
    CacheRepairs &repairs;
    WriteCombiner &combiner;
    PurchaseBatch &batches;
    std::chrono::milliseconds raceDelay{0};
    std::chrono::milliseconds lockLease{2000};
    // In front of `cache` for reads when set (ServiceConfig::nearCache); Redis invalidations keep it.
    NearCache *nearCache = nullptr;
};

class Strategy
{
public:
    explicit Strategy(StrategyContext context);
    virtual ~Strategy();
    Strategy(const Strategy &) = delete;
    Strategy &operator=(const Strategy &) = delete;

    static std::unique_ptr<Strategy> create(StrategyKind kind, StrategyContext context);
    // Throws InvalidInput for an unknown name, listing the valid ones.
    static StrategyKind parseKind(const std::string &name);
    static const char *kindName(StrategyKind kind);
    // The race delay's pause: uniform from zero to `most` (--race-delay-ms), drawn per call.
    static std::chrono::microseconds racePause(std::chrono::milliseconds most);
    // Half the cache's version-floor lifetime: a fill read from the database longer ago than that is
    // dropped, since the floor that fences it may be gone.
    static bool fillTooOld(const StockCache &cache, std::chrono::steady_clock::time_point readAt);

    StockView read(const std::string &sku);
    WriteResult write(const WriteRequest &request);
    void setRaceDelay(std::chrono::milliseconds delay) { m_context.raceDelay = delay; }
    void setNearCache(NearCache *nearCache) { m_context.nearCache = nearCache; }
    // A committed write whose cache may hold an older value: leaves its repair mark (CacheRepairs::owe)
    // and counts it as owed, or as lost to this process's memory when PostgreSQL stayed away.
    void oweRepair(const std::string &sku, std::int64_t version);

protected:
    virtual StockView readMiss(const std::string &sku) = 0;
    // The database write; throws InsufficientStock, InvalidInput or DbError before anything commits.
    virtual WriteResult commit(const WriteRequest &request) = 0;
    // Brings the cache up to date after a commit. False (or a throw) if the cache may still hold a
    // value older than the commit: the base then owes a repair.
    virtual bool updateCache(const WriteRequest &request, const WriteResult &result) = 0;

    // A database read on the read path; throws UnknownSku for a missing row. Counted as a DB fill.
    StockView readDatabase(const std::string &sku);
    std::optional<StockView> cacheGet(const std::string &sku);
    // Stores a value read from the database at `readAt`, fenced by version. A fill older than half
    // the version floor's lifetime is dropped: past that the floor may be gone.
    void fillCache(const std::string &sku, const StockView &view,
                   std::chrono::steady_clock::time_point readAt);
    // Runs a cache operation; on a Redis failure, counts it and stops trusting the cache until the
    // repairs are applied. Returns false if the operation failed.
    template <typename Operation> bool cacheDo(Operation &&operation)
    {
        // A template rather than std::function: this runs on every cached operation.
        try {
            operation();
            return true;
        } catch (const CacheUnavailable &) {
            return cacheFailed(false, {});
        } catch (const CacheError &e) {
            return cacheFailed(true, e.what());
        } catch (const PoolTimeout &e) {
            return cacheFailed(true, e.what());
        }
    }
    // The pause between a database step and the cache step that makes races reproducible.
    void raceDelay() const;
    bool cacheFailed(bool count, const std::string &why);

    StrategyContext m_context;
};

} // namespace inv
