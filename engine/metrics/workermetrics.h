// The counters and latency histograms of one load-generator worker thread. Only that thread
// writes them (relaxed load and store, no lock, no shared cache line); the monitor thread reads
// them at any time and merges them into windows and totals.
#pragma once

#include "metrics/latencyhistogram.h"

#include <atomic>
#include <cstdint>

namespace inv {

class alignas(64) WorkerMetrics
{
public:
    LatencyHistogram reads;
    LatencyHistogram writes;

    void addSuccess() { bump(m_successes); }
    void addRejection() { bump(m_rejections); }
    void addError() { bump(m_errors); }
    void addDropped() { bump(m_dropped); }

    std::uint64_t successes() const { return m_successes.load(std::memory_order_relaxed); }
    std::uint64_t rejections() const { return m_rejections.load(std::memory_order_relaxed); }
    std::uint64_t errors() const { return m_errors.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const { return m_dropped.load(std::memory_order_relaxed); }

private:
    static void bump(std::atomic<std::uint64_t> &counter)
    {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    std::atomic<std::uint64_t> m_successes{0};
    std::atomic<std::uint64_t> m_rejections{0};
    std::atomic<std::uint64_t> m_errors{0};
    std::atomic<std::uint64_t> m_dropped{0};
};

} // namespace inv
