#include "inventory/versionedstrategy.h"

#include <thread>

namespace inv {

namespace {
constexpr std::chrono::milliseconds kFillLease{500};
constexpr std::chrono::milliseconds kReaderRetry{2};
constexpr int kReaderRetries = 25;
} // namespace

StockView VersionedStrategy::readMiss(const std::string &sku)
{
    return m_context.coalescer.run(sku, [&]() -> StockView {
        std::optional<LockHandle> lease;
        if (!cacheDo(sku, [&] { lease = m_context.lock.acquire(StockCache::fillKey(sku), kFillLease, {}); }))
            return readDatabase(sku, false);
        if (lease) {
            StockView view;
            try {
                // Another server may have filled it between our miss and our lease.
                if (auto cached = cacheGet(sku)) {
                    cacheDo(sku, [&] { m_context.lock.release(*lease); });
                    return *cached;
                }
                view = readDatabase(sku, true);
                raceDelay();
                cacheDo(sku, [&] { m_context.cache.setIfNewer(sku, view.stock, view.version); });
            } catch (...) {
                cacheDo(sku, [&] { m_context.lock.release(*lease); });
                throw;
            }
            cacheDo(sku, [&] { m_context.lock.release(*lease); });
            return view;
        }
        // Another server is filling this key; its value will be there in a moment.
        for (int attempt = 0; attempt < kReaderRetries; ++attempt) {
            std::this_thread::sleep_for(kReaderRetry);
            if (auto view = cacheGet(sku))
                return *view;
        }
        return readDatabase(sku, false);
    });
}

WriteResult VersionedStrategy::writeThrough(const WriteRequest &request)
{
    WriteResult result = m_context.store.applyConditional(request);
    raceDelay();
    cacheDo(request.sku, [&] { m_context.cache.setIfNewer(request.sku, result.stock, result.version); });
    return result;
}

} // namespace inv
