#include "inventory/combinedstrategy.h"

#include "errors.h"

namespace inv {

WriteResult CombinedStrategy::commit(const WriteRequest &request)
{
    // A reversal writes its link to the reversed row, which a batch's statement does not carry.
    if (request.action != Action::Purchase || request.quantity <= 0 || request.reverses)
        return VersionedStrategy::commit(request);
    CombinedOutcome outcome = m_context.combiner.submit(
        request, [this](const std::string &sku, const std::vector<const WriteRequest *> &requests) {
            return applyBatch(sku, requests);
        });
    if (outcome.error)
        std::rethrow_exception(outcome.error);
    switch (outcome.purchase.earlier) {
    case BatchPurchase::Earlier::Same:
        return outcome.purchase.result;
    case BatchPurchase::Earlier::Other:
        return VersionedStrategy::commit(request); // refuses with the earlier change's details
    case BatchPurchase::Earlier::None:
        break;
    }
    if (!outcome.purchase.granted)
        throw InsufficientStock(request.sku, outcome.purchase.stockLeft, request.quantity);
    WriteResult result = outcome.purchase.result;
    result.cacheUpdated = outcome.cacheCurrent;
    return result;
}

std::vector<CombinedOutcome> CombinedStrategy::applyAlone(const std::vector<const WriteRequest *> &requests)
{
    std::vector<CombinedOutcome> alone;
    for (const WriteRequest *request : requests) {
        CombinedOutcome outcome;
        try {
            outcome.purchase.result = VersionedStrategy::commit(*request);
            outcome.purchase.granted = true;
            if (!outcome.purchase.result.replayed)
                raceDelay();
            outcome.purchase.result.cacheUpdateAt = std::chrono::steady_clock::now();
            outcome.cacheCurrent = outcome.purchase.result.replayed ||
                                   VersionedStrategy::updateCache(*request, outcome.purchase.result);
        } catch (const InsufficientStock &refused) {
            outcome.purchase.stockLeft = refused.available();
        } catch (...) {
            outcome.error = std::current_exception();
        }
        alone.push_back(std::move(outcome));
    }
    return alone;
}

std::vector<CombinedOutcome> CombinedStrategy::applyBatch(const std::string &sku,
                                                          const std::vector<const WriteRequest *> &requests)
{
    // A buyer alone takes `versioned`'s single conditional statement: cheaper than a batch of one.
    if (requests.size() == 1)
        return applyAlone(requests);
    std::vector<BatchPurchase> purchases;
    try {
        purchases = m_context.batches.apply(sku, requests);
    } catch (const DbError &e) {
        // 23505: a request id in the batch was used before (a retry of a write that committed).
        // Each buyer then writes alone, which finds and replays the earlier result.
        if (e.sqlstate() != "23505")
            throw;
        return applyAlone(requests);
    }
    // The last granted buyer holds the batch's final stock and version: the cache takes that once.
    const BatchPurchase *last = nullptr;
    for (const auto &purchase : purchases)
        if (purchase.granted)
            last = &purchase;
    bool cacheCurrent = true;
    auto cacheUpdateAt = std::chrono::steady_clock::now();
    if (last) {
        raceDelay();
        cacheUpdateAt = std::chrono::steady_clock::now();
        cacheCurrent =
            cacheDo([&] { m_context.cache.setIfNewer(sku, last->result.stock, last->result.version); });
    }
    // If the cache missed the batch, the repair mark up to its last version is written before any
    // of its buyers is answered: a process that dies after an acknowledgement leaves the mark.
    if (!cacheCurrent)
        oweRepair(sku, last->result.version);
    std::vector<CombinedOutcome> out(purchases.size());
    for (std::size_t i = 0; i < purchases.size(); ++i) {
        out[i].purchase = purchases[i];
        out[i].purchase.result.cacheUpdateAt = cacheUpdateAt;
        out[i].cacheCurrent = true; // current, or covered by the mark above
    }
    return out;
}

} // namespace inv
