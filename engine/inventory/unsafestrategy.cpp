#include "inventory/unsafestrategy.h"

#include "errors.h"

namespace inv {

StockView UnsafeStrategy::readMiss(const std::string &sku)
{
    StockView view = readDatabase(sku, true);
    raceDelay();
    cacheDo(sku, [&] { m_context.cache.set(sku, view.stock, view.version); });
    return view;
}

WriteResult UnsafeStrategy::writeThrough(const WriteRequest &request)
{
    // Check-then-act with nothing held in between: the flaw this strategy exists to show.
    const StockView seen = read(request.sku);
    int after = request.quantity;
    if (request.action == Action::Purchase) {
        if (seen.stock < request.quantity)
            throw InsufficientStock(request.sku, seen.stock, request.quantity);
        after = seen.stock - request.quantity;
    } else if (request.action == Action::Restock) {
        after = seen.stock + request.quantity;
    }
    WriteResult result = m_context.store.writeComputed(request, seen.stock, after);
    raceDelay();
    cacheDo(request.sku, [&] { m_context.cache.set(request.sku, result.stock, result.version); });
    return result;
}

} // namespace inv
