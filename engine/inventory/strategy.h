// The cache strategy behind InventoryService: how a read uses the cache and how a write keeps it
// up to date. The base class holds what every strategy shares, above all fail-open: a cache
// failure is counted and the operation goes on from PostgreSQL. Any thread; subclasses hold no
// per-call state.
#pragma once

#include "cache/distributedlock.h"
#include "cache/stockcache.h"
#include "errors.h"
#include "inventory/fillcoalescer.h"
#include "inventory/inventorystore.h"
#include "inventory/servicestats.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace inv {

enum class StrategyKind
{
    Unsafe,
    Naive,
    Locked,
    Versioned
};

struct StrategyContext
{
    InventoryStore &store;
    StockCache &cache;
    DistributedLock &lock;
    FillCoalescer &coalescer;
    ServiceStats &stats;
    std::chrono::milliseconds raceDelay{0};
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

    StockView read(const std::string &sku);
    WriteResult write(const WriteRequest &request);
    void setRaceDelay(std::chrono::milliseconds delay) { m_context.raceDelay = delay; }

protected:
    virtual StockView readMiss(const std::string &sku) = 0;
    virtual WriteResult writeThrough(const WriteRequest &request) = 0;

    // A database read that throws UnknownSku for a missing row.
    StockView readDatabase(const std::string &sku, bool forFill);
    std::optional<StockView> cacheGet(const std::string &sku);
    // Runs a cache operation; on a Redis failure, counts it and remembers the SKU so that its entry
    // is dropped once Redis answers again. Returns false if the operation failed.
    template <typename Operation> bool cacheDo(const std::string &sku, Operation &&operation)
    {
        // A template rather than std::function: this runs on every cached operation.
        try {
            operation();
            return true;
        } catch (const CacheUnavailable &) {
            return cacheFailed(sku, false);
        } catch (const CacheError &) {
            return cacheFailed(sku, true);
        } catch (const PoolTimeout &) {
            return cacheFailed(sku, true);
        }
    }
    // The pause between a database step and the cache step that makes races reproducible.
    void raceDelay() const;
    bool cacheFailed(const std::string &sku, bool count);

    StrategyContext m_context;

private:
    bool flushPendingInvalidations();

    std::mutex m_pendingMutex;
    std::set<std::string> m_pendingInvalidations;
    std::atomic<bool> m_hasPending{false};
};

} // namespace inv
