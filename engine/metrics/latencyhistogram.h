// A log-linear latency histogram (HdrHistogram's layout) over 1 µs to 60 s with at most 1/128
// relative error. Each worker thread records into its own instance: record() is a relaxed atomic
// increment with no lock, and another thread may read the counts at any time to merge them into a
// window or run total. Percentiles come from merged counts, never from averaging percentiles.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace inv {

class LatencyHistogram
{
public:
    static constexpr int kSubBuckets = 128;
    static constexpr std::int64_t kMinNs = 1'000;
    static constexpr std::int64_t kMaxNs = 60'000'000'000;
    static constexpr int kBuckets = 30 * kSubBuckets + 2 * kSubBuckets;

    static int indexOf(std::int64_t ns);
    // The value that stands for a bucket: its midpoint, in nanoseconds.
    static std::int64_t valueAt(int index);

    // Writer side: one thread per histogram.
    void record(std::int64_t ns)
    {
        auto &slot = m_counts[static_cast<std::size_t>(indexOf(ns))];
        slot.store(slot.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    // For a histogram that several threads share: an atomic add instead of load and store.
    void recordShared(std::int64_t ns)
    {
        m_counts[static_cast<std::size_t>(indexOf(ns))].fetch_add(1, std::memory_order_relaxed);
    }
    std::uint64_t countAt(int index) const
    {
        return m_counts[static_cast<std::size_t>(index)].load(std::memory_order_relaxed);
    }

private:
    std::array<std::atomic<std::uint64_t>, kBuckets> m_counts{};
};

// A plain, mergeable copy of histogram counts, owned by one thread; windows are differences of
// two cumulative copies.
class HistogramCounts
{
public:
    HistogramCounts();
    void add(const LatencyHistogram &live);
    void add(const HistogramCounts &other);
    // this - earlier, bucket by bucket; both are cumulative copies of the same histograms.
    HistogramCounts since(const HistogramCounts &earlier) const;
    void record(std::int64_t ns);
    // Adds `count` to one bucket (a histogram sent over the wire, bucket by bucket). The caller
    // checks the index against LatencyHistogram::kBuckets.
    void addAt(int index, std::uint64_t count)
    {
        m_counts[static_cast<std::size_t>(index)] += count;
        m_total += count;
    }
    std::uint64_t countAt(int index) const { return m_counts[static_cast<std::size_t>(index)]; }

    std::uint64_t count() const { return m_total; }
    // q in [0, 1]; returns milliseconds, 0 when empty.
    double percentileMs(double q) const;
    double maxMs() const;

private:
    std::vector<std::uint64_t> m_counts;
    std::uint64_t m_total = 0;
};

} // namespace inv
