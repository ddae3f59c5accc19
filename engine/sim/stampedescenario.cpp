#include "sim/stampedescenario.h"

#include "cache/stockcache.h"

#include <latch>
#include <thread>

namespace inv {

void StampedeScenario::run(SimulationContext &context)
{
    const auto &config = context.config();
    const int keys = context.keyCount();
    const int workers = context.workerCount();
    auto fillsNow = [&] {
        long long fills = 0;
        for (auto &server : context.servers())
            fills += server->stats().dbFills.load();
        return fills;
    };
    addFills(1); // from -1 (not measured) to 0
    for (int round = 0; round < config.rounds && !context.stopRequested(); ++round) {
        // Warm every hot key within a few milliseconds, so that they all expire together.
        for (int k = 0; k < keys; ++k)
            context.read(k % workers, k, SimClock::now());
        std::this_thread::sleep_for(config.ttl + std::chrono::milliseconds(20));
        if (context.stopRequested())
            break;
        const long long before = fillsNow();
        std::latch release(config.readers);
        {
            std::vector<std::jthread> readers;
            for (int r = 0; r < config.readers; ++r) {
                readers.emplace_back([&, r] {
                    release.arrive_and_wait();
                    context.read(r, r % keys, SimClock::now());
                });
            }
        }
        addFills(fillsNow() - before);
        setProgress(static_cast<double>(round + 1) / config.rounds);
    }
    setProgress(1.0);
}

} // namespace inv
