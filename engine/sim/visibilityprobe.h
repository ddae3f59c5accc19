// Measures how long after a write is acknowledged the cache shows its version (or no longer holds
// an older one). Workers hand it sampled writes through submit(), which never blocks them for
// long; its own thread polls Redis with its own connection. A key left with an older version for
// a whole second counts as one second.
#pragma once

#include "cache/redisurl.h"
#include "metrics/latencyhistogram.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace inv {

class VisibilityProbe
{
public:
    explicit VisibilityProbe(RedisUrl url);
    ~VisibilityProbe();

    void submit(const std::string &sku, std::int64_t version,
                std::chrono::steady_clock::time_point acknowledged);
    // Waits for the queued probes (at most a couple of seconds), stops the thread, returns the results.
    HistogramCounts finish();

private:
    struct Probe
    {
        std::string sku;
        std::int64_t version;
        std::chrono::steady_clock::time_point acknowledged;
    };
    void loop(std::stop_token stop);

    RedisUrl m_url;
    std::mutex m_mutex;
    std::condition_variable_any m_wake;
    std::deque<Probe> m_queue;
    HistogramCounts m_results;
    std::jthread m_thread;
};

} // namespace inv
