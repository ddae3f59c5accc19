#include "sim/mixedscenario.h"

#include "sim/workerthreads.h"

#include <algorithm>
#include <cmath>
#include <thread>

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

std::vector<int> MixedScenario::hotKeys(const SimulationConfig &config) const
{
    return Scenario::hotKeys(config); // Zipf puts the hottest keys first
}

void MixedScenario::run(SimulationContext &context)
{
    const auto &config = context.config();
    const auto cdf = zipfTable(config.products, config.skew);
    const long long total = std::llround(config.rate * config.durationSeconds);
    const double periodNs = 1e9 / config.rate;
    const auto start = SimClock::now() + std::chrono::milliseconds(20);
    std::atomic<long long> next{0};
    // Warm-up done (the cache was warmed before the time line began): from here on, all is measured.
    context.addEvent(config.warm && config.readRatio > 0 ? "measuring" : "load starts", start);
    WorkerThreads::run(context.workerCount(), "load", [&](int w, std::stop_token abort) {
        for (long long op = next.fetch_add(1);
             op < total && !context.stopRequested() && !abort.stop_requested(); op = next.fetch_add(1)) {
            const auto intended =
                start + std::chrono::nanoseconds(static_cast<long long>(static_cast<double>(op) * periodNs));
            // The operation depends only on the seed and its index, not on thread timing.
            const std::uint64_t bits =
                splitmix64(config.seed * 0x100000001b3ULL + static_cast<std::uint64_t>(op));
            const int key =
                static_cast<int>(std::lower_bound(cdf.begin(), cdf.end(), unit(bits)) - cdf.begin());
            const std::uint64_t kind = splitmix64(bits);
            const int k = std::min(key, config.products - 1);
            const bool isRead = unit(kind) < config.readRatio;
            const OperationKind operation = isRead            ? OperationKind::Read
                                            : (kind & 3) != 0 ? OperationKind::Purchase
                                                              : OperationKind::Restock;
            const auto now = SimClock::now();
            if (now < intended) {
                std::this_thread::sleep_until(intended);
            } else if (now - intended > config.maxLag) {
                context.dropped(w, operation, intended);
                continue;
            }
            if (operation == OperationKind::Read)
                context.read(w, k, intended);
            else
                context.write(w, k, operation == OperationKind::Purchase ? Action::Purchase : Action::Restock,
                              config.quantity, intended);
            if ((op & 255) == 0)
                setProgress(static_cast<double>(op) / static_cast<double>(total));
        }
    });
    // The rate achieved is measured over the schedule, not over the warm-up before it.
    setLoadSeconds(std::chrono::duration<double>(SimClock::now() - start).count());
    setProgress(1.0);
}

} // namespace inv
