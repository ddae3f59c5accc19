// Measures a near cache's invalidation delay for a simulation: from a write's acknowledgement to the
// moment this near cache learned that the key changed (the eviction). The writer calls expect()
// right after its acknowledgement; the listener's thread calls invalidated() and flushed(). An
// eviction that came before the acknowledgement (the usual case: Redis sends the invalidation before
// it answers the SET) is recorded as 0 ms and also counted as evictedBeforeAck. While an expected
// eviction is pending, a read of that key here "began inside the window" (windowOpen). Off until
// enable() is called, so that a server outside a simulation keeps no books. Any thread.
#pragma once

#include "metrics/latencyhistogram.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace inv {

class EvictionWatch
{
public:
    using Clock = std::chrono::steady_clock;

    void enable() { m_enabled.store(true); }
    bool enabled() const { return m_enabled.load(std::memory_order_relaxed); }

    // A write of `sku` began its cache update at `cacheUpdateAt` and was acknowledged at `ackAt`.
    // An invalidation of the key seen here at or after cacheUpdateAt counts as its eviction.
    void expect(const std::string &sku, Clock::time_point cacheUpdateAt, Clock::time_point ackAt);
    void invalidated(const std::string &sku, Clock::time_point at);
    void flushed(Clock::time_point at);
    // True while an acknowledged write of `sku` has not been evicted here yet.
    bool windowOpen(const std::string &sku) const;

    HistogramCounts delays() const;
    long long evictedBeforeAck() const;
    // Expected evictions still pending (their write's cache update failed, say).
    long long pending() const { return m_pending.load(std::memory_order_relaxed); }

private:
    // A key keeps at most this many pending acknowledgements; older ones are resolved by newer ones.
    static constexpr std::size_t kMaxPendingPerKey = 256;

    std::atomic<bool> m_enabled{false};
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Clock::time_point> m_lastInvalidated;      // guarded by m_mutex
    Clock::time_point m_lastFlush{};                                           // guarded by m_mutex
    std::unordered_map<std::string, std::vector<Clock::time_point>> m_waiting; // acks, guarded
    HistogramCounts m_delays;                                                  // guarded by m_mutex
    long long m_beforeAck = 0;                                                 // guarded by m_mutex
    std::atomic<long long> m_pending{0};
};

} // namespace inv
