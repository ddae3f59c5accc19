#include "loop/loopbatcher.h"

#include "inventory/purchasebatch.h"

#include <memory>

namespace inv {

LoopBatcher::LoopBatcher(InventoryService &server, LoopCache &cache, LoopRepairs &repairs, SendAlone alone,
                         SendBatch batch)
    : m_server(server), m_cache(cache), m_repairs(repairs), m_alone(std::move(alone)),
      m_batch(std::move(batch))
{}

bool LoopBatcher::takes(const WriteRequest &request)
{
    // A reversal writes its link to the reversed row, which a batch's statement does not carry.
    return request.action == Action::Purchase && request.quantity > 0 && !request.reverses;
}

void LoopBatcher::add(WriteRequest request, LoopWriteDone done)
{
    const std::string sku = request.sku;
    Lane &lane = m_lanes[sku];
    lane.waiting.push_back(Buyer{std::move(request), std::move(done)});
    if (!lane.busy)
        next(sku);
}

void LoopBatcher::next(const std::string &sku)
{
    auto it = m_lanes.find(sku);
    if (it == m_lanes.end())
        return;
    Lane &lane = it->second;
    if (lane.waiting.empty()) {
        m_lanes.erase(it);
        return;
    }
    lane.busy = true;
    const auto limit = static_cast<std::size_t>(std::max(1, m_server.config().combiner.maxBatch));
    std::vector<Buyer> buyers;
    while (!lane.waiting.empty() && buyers.size() < limit) {
        buyers.push_back(std::move(lane.waiting.front()));
        lane.waiting.pop_front();
    }
    m_server.loopBatched(buyers.size());
    if (buyers.size() == 1) {
        // A buyer alone takes `versioned`'s single conditional statement: cheaper than a batch of one.
        Buyer buyer = std::move(buyers.front());
        m_alone(
            std::move(buyer.request),
            [this, sku, done = std::move(buyer.done)](LoopWriteOutcome outcome) {
                done(std::move(outcome));
                next(sku);
            },
            false);
        return;
    }
    std::vector<const WriteRequest *> requests;
    for (const Buyer &buyer : buyers)
        requests.push_back(&buyer.request);
    std::vector<PgParam> params;
    try {
        params = PurchaseBatch::params(sku, requests, m_server.store().serverId(), m_server.store().actor());
    } catch (const Error &e) {
        for (Buyer &buyer : buyers)
            buyer.done(LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, e.what()});
        next(sku);
        return;
    }
    auto shared = std::make_shared<std::vector<Buyer>>(std::move(buyers));
    m_batch(std::move(params), [this, sku, shared](AsyncPgConnection::Answer answer) {
        answered(sku, std::move(*shared), std::move(answer));
    });
}

void LoopBatcher::alone(const std::string &sku, std::vector<Buyer> &buyers, bool inDoubt)
{
    for (Buyer &buyer : buyers)
        m_alone(std::move(buyer.request), std::move(buyer.done), inDoubt);
    next(sku);
}

void LoopBatcher::answered(const std::string &sku, std::vector<Buyer> buyers,
                           AsyncPgConnection::Answer answer)
{
    if (answer.error) {
        // Ended under the batch, it is in doubt: each buyer's request id settles it. A used request id
        // (23505, a retry of a write that committed) is found and replayed by the buyer alone.
        if (answer.error->sessionEnded() || answer.error->sqlstate() == "23505") {
            alone(sku, buyers, answer.error->sessionEnded());
            return;
        }
        for (Buyer &buyer : buyers)
            buyer.done(LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, answer.error->what()});
        next(sku);
        return;
    }
    std::vector<const WriteRequest *> requests;
    for (const Buyer &buyer : buyers)
        requests.push_back(&buyer.request);
    std::vector<BatchPurchase> purchases;
    bool lookAgain = false;
    try {
        purchases = PurchaseBatch::read(answer.result, requests, lookAgain);
    } catch (const Error &e) {
        for (Buyer &buyer : buyers)
            buyer.done(LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, e.what()});
        next(sku);
        return;
    }
    std::vector<Buyer> again;
    auto granted = std::make_shared<std::vector<std::pair<Buyer, WriteResult>>>();
    for (std::size_t i = 0; i < buyers.size(); ++i) {
        Buyer &buyer = buyers[i];
        const BatchPurchase &purchase = purchases[i];
        if (purchase.granted) {
            granted->emplace_back(std::move(buyer), purchase.result);
        } else if (purchase.earlier == BatchPurchase::Earlier::Same) {
            // Its cache update may have been lost with the first attempt's acknowledgement.
            m_repairs.owe(sku, purchase.result.version,
                          [done = std::move(buyer.done), result = purchase.result] {
                              done(LoopWriteOutcome{LoopWriteOutcome::Kind::Written, result, 0, {}});
                          });
        } else if (purchase.earlier == BatchPurchase::Earlier::Other ||
                   (lookAgain && !buyer.request.requestId.empty())) {
            // Alone, the statement refuses with the earlier change's details, or replays a retry
            // whose first write committed while the batch waited for the row.
            again.push_back(std::move(buyer));
        } else {
            m_server.loopRefused();
            buyer.done(LoopWriteOutcome{LoopWriteOutcome::Kind::Refused, {}, purchase.stockLeft, {}});
        }
    }
    for (Buyer &buyer : again)
        m_alone(std::move(buyer.request), std::move(buyer.done), false);
    if (granted->empty()) {
        next(sku);
        return;
    }
    // The last granted buyer holds the batch's final stock and version: the cache takes that once.
    m_cache.afterRace([this, sku, granted] {
        const WriteResult last = granted->back().second;
        const auto cacheUpdateAt = std::chrono::steady_clock::now();
        m_cache.setIfNewer(
            sku, last.stock, last.version, [this, sku, granted, last, cacheUpdateAt](int stored) {
                // If the cache missed the batch, the repair mark up to its last version is written
                // before any of its buyers is answered.
                if (NearCache *near = m_server.nearCache())
                    near->evict(sku);
                m_repairs.written(
                    sku, last.version, stored >= 0, static_cast<long long>(granted->size()),
                    [this, sku, granted, cacheUpdateAt] {
                        for (auto &[buyer, result] : *granted) {
                            result.cacheUpdateAt = cacheUpdateAt;
                            buyer.done(LoopWriteOutcome{LoopWriteOutcome::Kind::Written, result, 0, {}});
                        }
                        next(sku);
                    });
            });
    });
}

} // namespace inv
