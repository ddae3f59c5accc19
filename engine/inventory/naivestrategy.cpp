#include "inventory/naivestrategy.h"

namespace inv {

StockView NaiveStrategy::readMiss(const std::string &sku)
{
    StockView view = readDatabase(sku);
    raceDelay();
    cacheDo([&] { m_context.cache.set(sku, view.stock, view.version); });
    return view;
}

WriteResult NaiveStrategy::commit(const WriteRequest &request)
{
    return m_context.store.applyWithRowLock(request);
}

bool NaiveStrategy::updateCache(const WriteRequest &request, const WriteResult &result)
{
    if (request.action == Action::Restock)
        return cacheDo([&] { m_context.cache.remove(request.sku); });
    return cacheDo([&] { m_context.cache.set(request.sku, result.stock, result.version); });
}

} // namespace inv
