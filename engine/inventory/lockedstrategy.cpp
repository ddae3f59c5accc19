#include "inventory/lockedstrategy.h"

#include <thread>

namespace inv {

bool LockedStrategy::leaseLeft(const LockHandle &handle, std::chrono::milliseconds lease)
{
    return std::chrono::steady_clock::now() - handle.acquiredAt < lease * 9 / 10;
}

StockView LockedStrategy::readMiss(const std::string &sku)
{
    std::optional<LockHandle> handle;
    if (!cacheDo([&] {
            handle = m_context.lock.acquire(StockCache::lockKey(sku, m_context.cache.prefix()),
                                            m_context.lockLease, {});
        }))
        return readDatabase(sku);
    if (handle) {
        // Someone may have filled it between our miss and our lock.
        std::optional<StockView> view = cacheGet(sku);
        try {
            if (!view) {
                view = readDatabase(sku);
                const auto readAt = std::chrono::steady_clock::now();
                raceDelay();
                if (leaseLeft(*handle, m_context.lockLease))
                    fillCache(sku, *view, readAt);
            }
        } catch (...) {
            cacheDo([&] { m_context.lock.release(*handle); });
            throw;
        }
        cacheDo([&] { m_context.lock.release(*handle); });
        return *view;
    }
    for (int attempt = 0; attempt < kReaderRetries; ++attempt) {
        std::this_thread::sleep_for(kReaderRetry);
        if (auto view = cacheGet(sku))
            return *view;
    }
    return readDatabase(sku);
}

WriteResult LockedStrategy::commit(const WriteRequest &request)
{
    return m_context.store.applyWithRowLock(request);
}

bool LockedStrategy::updateCache(const WriteRequest &request, const WriteResult &result)
{
    const std::string &sku = request.sku;
    std::optional<LockHandle> handle;
    if (!cacheDo([&] {
            handle = m_context.lock.acquire(StockCache::lockKey(sku, m_context.cache.prefix()),
                                            m_context.lockLease, kWriterWait);
        }))
        return false;
    // Raising the floor to our version first makes any older value, set now or later, a miss.
    const bool invalidated = cacheDo([&] { m_context.cache.invalidateBelow(sku, result.version); });
    if (!handle)
        return invalidated;
    try {
        // Refill from the database inside the lock: the latest committed value, never an older one.
        if (auto row = m_context.store.fetch(sku)) {
            const auto readAt = std::chrono::steady_clock::now();
            raceDelay();
            if (leaseLeft(*handle, m_context.lockLease))
                fillCache(sku, StockView{row->stock, row->version, ReadSource::Database}, readAt);
        }
    } catch (const Error &) {
        // The refill is an optimisation: the floor already keeps older values out.
    }
    cacheDo([&] { m_context.lock.release(*handle); });
    return invalidated;
}

} // namespace inv
