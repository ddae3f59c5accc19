// One server's cache steps on an event loop, shared by its LoopReader and LoopWriter: the value and
// floor look-up, the strategies' stores (a plain SET or DEL for `unsafe` and `naive`, the
// version-fenced script for the others), the floor raise of `locked`, the key's lock or fill lease
// (LoopLock) and the race delay as a timer. Each step answers through its callback on the loop
// thread, over the cache's own hiredis connection. A failed step is reported to the caller, which
// decides whether it counts as a cache failure (failed()) or leaves a repair mark. Loop thread only,
// construction aside.
#pragma once

#include "inventory/inventoryservice.h"
#include "loop/asyncredis.h"
#include "loop/looplock.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace inv {

class LoopCache
{
public:
    using Found = std::function<void(std::optional<CachedStock>)>;
    // True when Redis answered the step.
    using Answered = std::function<void(bool)>;

    LoopCache(EventLoop &loop, InventoryService &server);
    ~LoopCache();
    LoopCache(const LoopCache &) = delete;
    LoopCache &operator=(const LoopCache &) = delete;

    // The value and its floor in one round trip: `found` gets the entry, nullopt on a miss (or a value
    // below the floor); `failed` runs instead when Redis failed.
    void get(const std::string &sku, Found found, std::function<void()> failed);
    void setPlain(const std::string &sku, int stock, std::int64_t version, Answered done);
    void remove(const std::string &sku, Answered done);
    // A PING: whether Redis answers at all.
    void ping(Answered done);
    // Why the last Redis command on this connection failed, worded with what to do.
    const std::string &lastError() const { return m_redis.lastError(); }
    // StockCache::setIfNewer: `done` gets 1 if stored, 0 if an equal or newer version was there,
    // -1 if Redis failed.
    void setIfNewer(const std::string &sku, int stock, std::int64_t version, std::function<void(int)> done);
    void invalidateBelow(const std::string &sku, std::int64_t version, Answered done);
    // A fill read from the database at `readAt`: after the race delay, stored by setIfNewer unless
    // it is too old (Strategy::fillTooOld) or `stillHeld` says the lock under it is gone. A dropped
    // fill is counted as such, a failed one as a cache failure; then `then` runs.
    void fill(const std::string &sku, const StockView &view, std::chrono::steady_clock::time_point readAt,
              std::function<void()> then, std::function<bool()> stillHeld = {});
    // A row read from the database for a refill, or nullopt when it could not be read.
    using RowRead = std::function<void(std::optional<StockView>)>;
    // Sends a row read and returns true, or false when nothing can send it (no connection open).
    using ReadRow = std::function<bool(const std::string &sku, RowRead then)>;
    // The strategy's cache step after a committed write, after the race delay: the fenced store
    // (`versioned`, `combined`), a plain SET or, for `naive`'s restock, DEL (`unsafe`, `naive`), or
    // (`locked`) under the key's lock, waiting up to LockedStrategy::kWriterWait for it, the floor
    // raised to the write's version and a refill from `readRow` while the lease lasts. `done` gets
    // when the step started and whether the cache is current; false owes a repair.
    void afterWrite(StrategyKind strategy, const WriteRequest &request, const WriteResult &result,
                    ReadRow readRow, std::function<void(std::chrono::steady_clock::time_point, bool)> done);
    // Runs `step` after the race delay (--race-delay-ms), at once without one.
    void afterRace(std::function<void()> step);
    // Runs `step` after `pause`, unless this cache is gone by then.
    void after(std::chrono::microseconds pause, std::function<void()> step);
    // Counts a cache failure and stops trusting the cache until the repairs are applied.
    void failed();
    LoopLock &lock() { return m_lock; }
    // Releases the lock; a failed release counts as a cache failure.
    void release(const LockHandle &handle);

private:
    using Written = std::function<void(std::chrono::steady_clock::time_point, bool)>;
    void lockedAfterWrite(const std::string &sku, std::int64_t version, ReadRow readRow, Written done,
                          std::chrono::steady_clock::time_point at);

    EventLoop &m_loop;
    InventoryService &m_server;
    AsyncRedis m_redis;
    LoopLock m_lock;
    // Timers hold it weakly: one that fires after the cache is gone does nothing.
    std::shared_ptr<LoopCache *> m_self;
};

} // namespace inv
