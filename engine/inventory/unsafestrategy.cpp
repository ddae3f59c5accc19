#include "inventory/unsafestrategy.h"

#include "errors.h"

namespace inv {

StockView UnsafeStrategy::readMiss(const std::string &sku)
{
    StockView view = readDatabase(sku);
    raceDelay();
    cacheDo([&] { m_context.cache.set(sku, view.stock, view.version); });
    return view;
}

WriteResult UnsafeStrategy::commit(const WriteRequest &request)
{
    // Check-then-act with nothing held in between: the flaw this strategy exists to show. The check
    // is part of the write, so it is not counted as a read.
    std::optional<StockView> seen = cacheGet(request.sku);
    if (!seen) {
        auto record = m_context.store.fetch(request.sku);
        if (!record)
            throw UnknownSku(request.sku);
        seen = StockView{record->stock, record->version, ReadSource::Database};
    }
    return m_context.store.writeComputed(request, seen->stock,
                                         InventoryStore::computeAfter(request, seen->stock));
}

bool UnsafeStrategy::updateCache(const WriteRequest &request, const WriteResult &result)
{
    return cacheDo([&] { m_context.cache.set(request.sku, result.stock, result.version); });
}

} // namespace inv
