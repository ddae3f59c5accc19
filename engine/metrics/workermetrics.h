// The counters and latency histograms of one load-generator worker thread, one histogram per kind
// of operation (read, purchase, restock). Only that thread writes them (relaxed load and store, no
// lock, no shared cache line); the monitor thread reads them at any time and merges them into
// windows and totals.
#pragma once

#include "metrics/latencyhistogram.h"

#include <array>
#include <atomic>
#include <cstdint>

namespace inv {

enum class OperationKind
{
    Read,
    Purchase,
    Restock,
};
inline constexpr int kOperationKinds = 3;

class alignas(64) WorkerMetrics
{
public:
    static const char *operationName(OperationKind kind)
    {
        static const char *const names[kOperationKinds] = {"read", "purchase", "restock"};
        return names[index(kind)];
    }

    LatencyHistogram &latency(OperationKind kind) { return m_latency[index(kind)]; }
    const LatencyHistogram &latency(OperationKind kind) const { return m_latency[index(kind)]; }

    void addSuccess() { bump(m_successes); }
    // Refusals are purchases that found too little stock.
    void addRejection() { bump(m_rejections); }
    void addError(OperationKind kind) { bump(m_errors[index(kind)]); }
    void addDropped(OperationKind kind) { bump(m_dropped[index(kind)]); }

    std::uint64_t successes() const { return m_successes.load(std::memory_order_relaxed); }
    std::uint64_t rejections() const { return m_rejections.load(std::memory_order_relaxed); }
    std::uint64_t errors(OperationKind kind) const
    {
        return m_errors[index(kind)].load(std::memory_order_relaxed);
    }
    std::uint64_t dropped(OperationKind kind) const
    {
        return m_dropped[index(kind)].load(std::memory_order_relaxed);
    }
    std::uint64_t errors() const { return sum(m_errors); }
    std::uint64_t dropped() const { return sum(m_dropped); }

private:
    using PerKind = std::array<std::atomic<std::uint64_t>, kOperationKinds>;
    static std::size_t index(OperationKind kind) { return static_cast<std::size_t>(kind); }
    static void bump(std::atomic<std::uint64_t> &counter)
    {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    static std::uint64_t sum(const PerKind &counters)
    {
        std::uint64_t n = 0;
        for (const auto &c : counters)
            n += c.load(std::memory_order_relaxed);
        return n;
    }
    std::array<LatencyHistogram, kOperationKinds> m_latency;
    std::atomic<std::uint64_t> m_successes{0};
    std::atomic<std::uint64_t> m_rejections{0};
    PerKind m_errors{};
    PerKind m_dropped{};
};

} // namespace inv
