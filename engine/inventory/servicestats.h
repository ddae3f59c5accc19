// Counters one InventoryService keeps for the status bar, the tests and the simulation. Relaxed
// atomics: cheap on the hot path, read without stopping the workers.
#pragma once

#include <atomic>

namespace inv {

struct ServiceStats
{
    std::atomic<long long> reads{0};
    std::atomic<long long> cacheHits{0};
    std::atomic<long long> cacheMisses{0};
    // Database reads on the read path: fills, waiters that gave up, and fail-open reads.
    std::atomic<long long> dbFills{0};
    // Reads answered from the database because Redis was unreachable.
    std::atomic<long long> failOpenReads{0};
    std::atomic<long long> cacheErrors{0};
    std::atomic<long long> writes{0};
    std::atomic<long long> rejections{0};
    // Writes whose cache update failed and that left a repair mark; and those whose mark failed too.
    std::atomic<long long> repairsOwed{0};
    std::atomic<long long> repairsLost{0};
    // Fills the version fence refused because the cache had moved past them.
    std::atomic<long long> staleFillsDropped{0};
};

} // namespace inv
