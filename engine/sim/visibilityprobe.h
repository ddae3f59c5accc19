// Measures how long after a write is acknowledged the cache shows its version (or no longer holds
// an older one), and whether the cache ever goes back behind a version it has shown. Workers hand
// it sampled writes through submit(), which never blocks them for long. Its own thread watches
// every probed key until finish(): each sweep reads all keys with a pending probe in one MGET, so
// that no probe waits behind another, plus a rotating slice of the keys already seen, to catch a
// regression. A probe not visible within kCap (or still pending at the end) counts as kCap.
#pragma once

#include "cache/redisurl.h"
#include "metrics/latencyhistogram.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace inv {

class RedisConnection;

struct VisibilityResult
{
    // One sample per probe, from acknowledgement to first sighting, at most kCap.
    HistogramCounts latency;
    // Probes the cache did not show within kCap, those still pending at the end included.
    long long notVisible = 0;
    // Times a watched key went back behind a version the cache had shown, or behind an
    // acknowledged write once readers had seen it (after a miss).
    long long regressions = 0;
};

class VisibilityProbe
{
public:
    static constexpr std::chrono::milliseconds kCap{1000};

    // keyPrefix is the run's Redis prefix, put before every key it watches.
    explicit VisibilityProbe(RedisUrl url, std::string keyPrefix = {});
    ~VisibilityProbe();

    void submit(const std::string &sku, std::int64_t version,
                std::chrono::steady_clock::time_point acknowledged);
    // Waits until every probe is seen or reaches kCap (at most kCap and a sweep), stops the thread and
    // returns the results. Call once.
    VisibilityResult finish();

private:
    using Clock = std::chrono::steady_clock;
    struct Submitted
    {
        std::string sku;
        std::int64_t version;
        Clock::time_point acknowledged;
    };
    struct Pending
    {
        std::int64_t version;
        Clock::time_point acknowledged;
    };
    // One probed key, owned by the probe's thread.
    struct Watch
    {
        std::string key;
        std::vector<Pending> pending;
        // The cache must not show a version below this any more.
        std::int64_t floor = 0;
        std::int64_t highestProbed = 0;
        bool behind = false;
    };
    void loop(std::stop_token stop);
    // Moves submitted probes into the watches; returns true when finish() was called.
    bool takeSubmitted();
    void sweep(std::unique_ptr<RedisConnection> &redis);
    void record(Clock::duration elapsed);
    std::size_t pendingCount() const;

    RedisUrl m_url;
    std::string m_keyPrefix;
    std::mutex m_mutex;
    std::condition_variable_any m_wake;
    std::vector<Submitted> m_submitted;
    bool m_finishing = false;
    // The probe thread's own state.
    std::unordered_map<std::string, std::size_t> m_index;
    std::vector<Watch> m_watches;
    std::size_t m_cursor = 0;
    Clock::time_point m_lastIdleSlice{};
    VisibilityResult m_result;
    std::jthread m_thread;
};

} // namespace inv
