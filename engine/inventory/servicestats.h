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
    // Database reads made to fill the cache after a miss.
    std::atomic<long long> dbFills{0};
    // Reads answered from the database because Redis was unreachable.
    std::atomic<long long> failOpenReads{0};
    std::atomic<long long> cacheErrors{0};
    std::atomic<long long> writes{0};
    std::atomic<long long> rejections{0};
};

} // namespace inv
