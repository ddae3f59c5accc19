#include "sim/stampedescenario.h"

#include "cache/stockcache.h"
#include "sim/workerthreads.h"

#include <condition_variable>
#include <mutex>

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
        // Wait for the keys to expire, but wake at once on stop (a TTL may be long).
        {
            std::mutex mutex;
            std::condition_variable_any expired;
            std::unique_lock lock(mutex);
            expired.wait_for(lock, context.stopToken(), config.ttl + std::chrono::milliseconds(20),
                             [] { return false; });
        }
        if (context.stopRequested())
            break;
        // Every hot key has just expired: the herd follows.
        context.addEvent("expiry " + std::to_string(round + 1));
        const long long before = fillsNow();
        WorkerThreads::run(config.readers, "reader",
                           [&](int r, std::stop_token) { context.read(r, r % keys, SimClock::now()); });
        addFills(fillsNow() - before);
        setProgress(static_cast<double>(round + 1) / config.rounds);
    }
    setProgress(1.0);
}

} // namespace inv
