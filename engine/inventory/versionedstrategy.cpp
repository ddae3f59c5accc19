#include "inventory/versionedstrategy.h"

#include <thread>

namespace inv {

StockView VersionedStrategy::readMiss(const std::string &sku)
{
    return m_context.coalescer.run(sku, [&](FillTicket &ticket) -> StockView {
        std::optional<LockHandle> lease;
        if (!cacheDo([&] {
                lease = m_context.lock.acquire(StockCache::fillKey(sku, m_context.cache.prefix()), kFillLease,
                                               {});
            })) {
            ticket.reading();
            return readDatabase(sku);
        }
        ticket.reading();
        if (lease) {
            StockView view;
            try {
                // Another server may have filled it between our miss and our lease.
                if (auto cached = cacheGet(sku)) {
                    cacheDo([&] { m_context.lock.release(*lease); });
                    return *cached;
                }
                view = readDatabase(sku);
                const auto readAt = std::chrono::steady_clock::now();
                raceDelay();
                // The version fence, not the lease, keeps an old fill out: the lease only saves reads.
                fillCache(sku, view, readAt);
            } catch (...) {
                cacheDo([&] { m_context.lock.release(*lease); });
                throw;
            }
            cacheDo([&] { m_context.lock.release(*lease); });
            return view;
        }
        // Another server is filling this key; its value will be there in a moment.
        for (int attempt = 0; attempt < kReaderRetries; ++attempt) {
            std::this_thread::sleep_for(kReaderRetry);
            if (auto view = cacheGet(sku))
                return *view;
        }
        return readDatabase(sku);
    });
}

WriteResult VersionedStrategy::commit(const WriteRequest &request)
{
    return m_context.store.applyConditional(request);
}

bool VersionedStrategy::updateCache(const WriteRequest &request, const WriteResult &result)
{
    return cacheDo([&] { m_context.cache.setIfNewer(request.sku, result.stock, result.version); });
}

} // namespace inv
