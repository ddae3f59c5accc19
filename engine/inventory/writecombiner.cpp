#include "inventory/writecombiner.h"

#include "errors.h"

#include <algorithm>

namespace inv {

long long CombinerStats::batchCount() const
{
    long long total = 0;
    for (long long n : batches)
        total += n;
    return total;
}

long long CombinerStats::buyers() const
{
    long long total = 0;
    for (std::size_t size = 0; size < batches.size(); ++size)
        total += batches[size] * static_cast<long long>(size);
    return total;
}

int CombinerStats::buyerPercentile(double share) const
{
    const long long all = buyers();
    if (all == 0)
        return 0;
    const auto wanted = static_cast<long long>(share * static_cast<double>(all));
    long long seen = 0;
    for (std::size_t size = 1; size < batches.size(); ++size) {
        seen += batches[size] * static_cast<long long>(size);
        if (seen > wanted || seen == all)
            return static_cast<int>(size);
    }
    return largest();
}

int CombinerStats::largest() const
{
    for (std::size_t size = batches.size(); size-- > 0;)
        if (batches[size] > 0)
            return static_cast<int>(size);
    return 0;
}

WriteCombiner::WriteCombiner(CombinerSettings settings) : m_settings(settings)
{
    if (m_settings.maxBatch < 1 || m_settings.maxBatch > CombinerSettings::kLargestBatch)
        throw InvalidInput("the largest combined batch must be between 1 and " +
                           std::to_string(CombinerSettings::kLargestBatch) + " buyers, not " +
                           std::to_string(m_settings.maxBatch));
    if (m_settings.maxWait.count() < 0 || m_settings.maxWait > std::chrono::seconds(1))
        throw InvalidInput("the combining wait must be between 0 and 1000000 microseconds");
}

CombinedOutcome WriteCombiner::submit(const WriteRequest &request, const ApplyBatch &apply)
{
    Slot slot;
    slot.request = &request;
    std::unique_lock lock(m_mutex);
    Lane &lane = m_lanes[request.sku];
    lane.queue.push_back(&slot);
    const auto full = static_cast<std::size_t>(m_settings.maxBatch);
    if (lane.busy) {
        // The leader that waits for company wakes as soon as a whole batch is there.
        if (lane.queue.size() == full)
            lane.queue.front()->wake.notify_one();
        slot.wake.wait(lock, [&] { return slot.done || slot.leads; });
        if (slot.done)
            return std::move(slot.outcome);
    } else {
        lane.busy = true;
        if (m_settings.maxWait.count() > 0)
            slot.wake.wait_for(lock, m_settings.maxWait, [&] { return lane.queue.size() >= full; });
    }
    lead(lock, lane, apply);
    return std::move(slot.outcome);
}

void WriteCombiner::lead(std::unique_lock<std::mutex> &lock, Lane &lane, const ApplyBatch &apply)
{
    // The leader is the oldest buyer waiting: it takes the queue's head, itself first.
    const std::size_t size = std::min(lane.queue.size(), static_cast<std::size_t>(m_settings.maxBatch));
    std::vector<Slot *> batch(lane.queue.begin(), lane.queue.begin() + static_cast<std::ptrdiff_t>(size));
    lane.queue.erase(lane.queue.begin(), lane.queue.begin() + static_cast<std::ptrdiff_t>(size));
    const std::string sku = batch.front()->request->sku;
    lock.unlock();

    std::vector<const WriteRequest *> requests;
    requests.reserve(size);
    for (const Slot *slot : batch)
        requests.push_back(slot->request);
    std::vector<CombinedOutcome> outcomes;
    std::exception_ptr error;
    try {
        outcomes = apply(sku, requests);
        if (outcomes.size() != size)
            throw DbError("a combined batch of " + std::to_string(size) + " gave " +
                              std::to_string(outcomes.size()) + " answers",
                          "XX000");
    } catch (...) {
        error = std::current_exception();
    }
    countBatch(size);

    lock.lock();
    for (std::size_t i = 0; i < size; ++i) {
        Slot &slot = *batch[i];
        if (error)
            slot.outcome.error = error;
        else
            slot.outcome = std::move(outcomes[i]);
        slot.done = true;
        // A waiter's slot lives on its stack: it is touched only while the mutex is held.
        if (i > 0)
            slot.wake.notify_one();
    }
    if (!lane.queue.empty()) {
        lane.queue.front()->leads = true;
        lane.queue.front()->wake.notify_one();
    } else {
        m_lanes.erase(sku);
    }
}

void WriteCombiner::countBatch(std::size_t size)
{
    m_batches[std::min<std::size_t>(size, CombinerSettings::kLargestBatch)].fetch_add(
        1, std::memory_order_relaxed);
}

CombinerStats WriteCombiner::stats() const
{
    CombinerStats out;
    out.batches.resize(static_cast<std::size_t>(m_settings.maxBatch) + 1);
    for (std::size_t size = 0; size < out.batches.size(); ++size)
        out.batches[size] = m_batches[size].load(std::memory_order_relaxed);
    return out;
}

} // namespace inv
