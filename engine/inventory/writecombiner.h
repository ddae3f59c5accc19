// Write combining for a hot row: the purchases of one SKU that arrive while a write for it is in
// flight wait in a queue, and when that write ends the oldest of them applies the whole queue (up to
// the batch limit) as one batch. A buyer waits for at most the write in flight and its own batch;
// batches are bounded in size, and the leader of an empty queue may wait a bounded time for company.
// Counts every batch by size. Any thread; one instance per app server.
#pragma once

#include "inventory/purchasebatch.h"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace inv {

struct CombinerSettings
{
    int maxBatch = 64;
    // How long the first buyer of an idle SKU waits for others before it writes; zero: never.
    std::chrono::microseconds maxWait{0};
    static constexpr int kLargestBatch = 1024;
};

// What one buyer gets back: its share of the batch, or the batch's error, and whether the batch
// left the cache at a version at least its own.
struct CombinedOutcome
{
    BatchPurchase purchase;
    std::exception_ptr error;
    bool cacheCurrent = false;
};

// The batch-size distribution: batches[n] is how many batches had n buyers.
struct CombinerStats
{
    std::vector<long long> batches;
    long long batchCount() const;
    long long buyers() const;
    // The batch size that the given share of buyers (not of batches) rode in, e.g. 0.5 or 0.99.
    int buyerPercentile(double share) const;
    int largest() const;
};

class WriteCombiner
{
public:
    // Applies a batch and returns one outcome per request, in order; may throw (every buyer in the
    // batch then gets the error).
    using ApplyBatch = std::function<std::vector<CombinedOutcome>(const std::string &sku,
                                                                  const std::vector<const WriteRequest *> &)>;

    explicit WriteCombiner(CombinerSettings settings = {});

    CombinedOutcome submit(const WriteRequest &request, const ApplyBatch &apply);
    CombinerStats stats() const;
    // Counts a batch of `size` buyers (a client that combines itself: the event loop's).
    void countBatch(std::size_t size);
    const CombinerSettings &settings() const { return m_settings; }

private:
    struct Slot
    {
        const WriteRequest *request = nullptr;
        CombinedOutcome outcome;
        bool done = false;
        bool leads = false;
        std::condition_variable wake;
    };
    struct Lane
    {
        std::vector<Slot *> queue;
        bool busy = false;
    };
    void lead(std::unique_lock<std::mutex> &lock, Lane &lane, const ApplyBatch &apply);

    CombinerSettings m_settings;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Lane> m_lanes;
    std::array<std::atomic<long long>, CombinerSettings::kLargestBatch + 1> m_batches{};
};

} // namespace inv
