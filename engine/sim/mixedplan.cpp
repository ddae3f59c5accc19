#include "sim/mixedplan.h"

#include <algorithm>
#include <cmath>

namespace inv {

namespace {
std::uint64_t splitmix64(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double unit(std::uint64_t bits)
{
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// Cumulative Zipf weights 1/(k+1)^s over the keys, so that key 0 is the hottest.
std::vector<double> zipfTable(int keys, double skew)
{
    std::vector<double> cdf(static_cast<std::size_t>(keys));
    double sum = 0;
    for (int k = 0; k < keys; ++k) {
        sum += 1.0 / std::pow(k + 1.0, skew);
        cdf[static_cast<std::size_t>(k)] = sum;
    }
    for (auto &c : cdf)
        c /= sum;
    return cdf;
}
} // namespace

MixedPlan::MixedPlan(const SimulationConfig &config, SimClock::time_point start)
    : m_config(config), m_cdf(zipfTable(config.products, config.skew)),
      m_total(std::llround(config.rate * config.durationSeconds)), m_periodNs(1e9 / config.rate),
      m_start(start)
{}

MixedPlan::Operation MixedPlan::operation(long long op) const
{
    const std::uint64_t bits = splitmix64(m_config.seed * 0x100000001b3ULL + static_cast<std::uint64_t>(op));
    const int key =
        static_cast<int>(std::lower_bound(m_cdf.begin(), m_cdf.end(), unit(bits)) - m_cdf.begin());
    const std::uint64_t kind = splitmix64(bits);
    Operation out;
    out.key = std::min(key, m_config.products - 1);
    out.kind = unit(kind) < m_config.readRatio ? OperationKind::Read
               : (kind & 3) != 0               ? OperationKind::Purchase
                                               : OperationKind::Restock;
    return out;
}

} // namespace inv
