#include "inventory/lockedstrategy.h"

#include <thread>

namespace inv {

namespace {
constexpr std::chrono::milliseconds kLease{2000};
constexpr std::chrono::milliseconds kWriterWait{1000};
constexpr std::chrono::milliseconds kReaderRetry{2};
constexpr int kReaderRetries = 50;
} // namespace

StockView LockedStrategy::readMiss(const std::string &sku)
{
    std::optional<LockHandle> handle;
    if (!cacheDo(sku, [&] { handle = m_context.lock.acquire(StockCache::lockKey(sku), kLease, {}); }))
        return readDatabase(sku, false);
    if (handle) {
        // Someone may have filled it between our miss and our lock.
        std::optional<StockView> view = cacheGet(sku);
        try {
            if (!view) {
                view = readDatabase(sku, true);
                raceDelay();
                cacheDo(sku, [&] { m_context.cache.set(sku, view->stock, view->version); });
            }
        } catch (...) {
            cacheDo(sku, [&] { m_context.lock.release(*handle); });
            throw;
        }
        cacheDo(sku, [&] { m_context.lock.release(*handle); });
        return *view;
    }
    for (int attempt = 0; attempt < kReaderRetries; ++attempt) {
        std::this_thread::sleep_for(kReaderRetry);
        if (auto view = cacheGet(sku)) {
            m_context.stats.cacheHits.fetch_add(1, std::memory_order_relaxed);
            return *view;
        }
    }
    return readDatabase(sku, false);
}

WriteResult LockedStrategy::writeThrough(const WriteRequest &request)
{
    WriteResult result = m_context.store.applyWithRowLock(request);
    raceDelay();
    const std::string &sku = request.sku;
    std::optional<LockHandle> handle;
    if (!cacheDo(sku,
                 [&] { handle = m_context.lock.acquire(StockCache::lockKey(sku), kLease, kWriterWait); }))
        return result;
    if (!handle) {
        // The lock stayed busy: at least make sure no old value survives.
        cacheDo(sku, [&] { m_context.cache.remove(sku); });
        return result;
    }
    cacheDo(sku, [&] { m_context.cache.remove(sku); });
    try {
        // Refill from the database inside the lock: the latest committed value, never an older one.
        StockView fresh = readDatabase(sku, false);
        raceDelay();
        cacheDo(sku, [&] { m_context.cache.set(sku, fresh.stock, fresh.version); });
    } catch (...) {
        cacheDo(sku, [&] { m_context.lock.release(*handle); });
        throw;
    }
    cacheDo(sku, [&] { m_context.lock.release(*handle); });
    return result;
}

} // namespace inv
