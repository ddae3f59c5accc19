#include "metrics/latencyhistogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace inv {

int LatencyHistogram::indexOf(std::int64_t ns)
{
    // Scaled so that 1 µs falls at the bottom of the log range; below it, linear nanoseconds.
    const auto v = static_cast<std::uint64_t>(std::clamp<std::int64_t>(ns, 0, kMaxNs));
    if (v < 2 * kSubBuckets)
        return static_cast<int>(v);
    const int magnitude = std::bit_width(v) - 1;   // v in [2^magnitude, 2^(magnitude+1))
    const int shift = magnitude - 7;               // keeps 8 significant bits: 128..255
    const auto sub = static_cast<int>(v >> shift); // 128..255
    const int index = shift * kSubBuckets + sub;   // continues the linear range at 256
    return std::min(index, kBuckets - 1);
}

std::int64_t LatencyHistogram::valueAt(int index)
{
    if (index < 2 * kSubBuckets)
        return index;
    const int shift = index / kSubBuckets - 1;
    const int sub = index % kSubBuckets + kSubBuckets;
    const std::int64_t low = static_cast<std::int64_t>(sub) << shift;
    return low + ((std::int64_t{1} << shift) >> 1);
}

HistogramCounts::HistogramCounts() : m_counts(LatencyHistogram::kBuckets, 0) {}

void HistogramCounts::add(const LatencyHistogram &live)
{
    for (int i = 0; i < LatencyHistogram::kBuckets; ++i) {
        const std::uint64_t c = live.countAt(i);
        m_counts[static_cast<std::size_t>(i)] += c;
        m_total += c;
    }
}

void HistogramCounts::add(const HistogramCounts &other)
{
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_total += other.m_total;
}

HistogramCounts HistogramCounts::since(const HistogramCounts &earlier) const
{
    HistogramCounts out;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        // Counts only grow, but each bucket is read separately: clamp a bucket read mid-update.
        const std::uint64_t d = m_counts[i] >= earlier.m_counts[i] ? m_counts[i] - earlier.m_counts[i] : 0;
        out.m_counts[i] = d;
        out.m_total += d;
    }
    return out;
}

void HistogramCounts::record(std::int64_t ns)
{
    ++m_counts[static_cast<std::size_t>(LatencyHistogram::indexOf(ns))];
    ++m_total;
}

double HistogramCounts::percentileMs(double q) const
{
    if (m_total == 0)
        return 0.0;
    const auto rank =
        static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(m_total)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            return static_cast<double>(LatencyHistogram::valueAt(static_cast<int>(i))) / 1e6;
    }
    return maxMs();
}

double HistogramCounts::maxMs() const
{
    for (std::size_t i = m_counts.size(); i-- > 0;)
        if (m_counts[i])
            return static_cast<double>(LatencyHistogram::valueAt(static_cast<int>(i))) / 1e6;
    return 0.0;
}

} // namespace inv
