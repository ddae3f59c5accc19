#include "inventory/naivestrategy.h"

namespace inv {

StockView NaiveStrategy::readMiss(const std::string &sku)
{
    StockView view = readDatabase(sku, true);
    raceDelay();
    cacheDo(sku, [&] { m_context.cache.set(sku, view.stock, view.version); });
    return view;
}

WriteResult NaiveStrategy::writeThrough(const WriteRequest &request)
{
    WriteResult result = m_context.store.applyWithRowLock(request);
    raceDelay();
    if (request.action == Action::Restock)
        cacheDo(request.sku, [&] { m_context.cache.remove(request.sku); });
    else
        cacheDo(request.sku, [&] { m_context.cache.set(request.sku, result.stock, result.version); });
    return result;
}

} // namespace inv
