// The flash sale's blind buyers on the engine's event loops (--client loop): each virtual server's
// EventLoop drives its LoopWriter, whose `connections` pipelined connections carry at most kDepth
// purchases each, and a buyer's answer sends the next buyer. Every buyer keeps its own request id,
// latency, result and audit row, as with the threaded client; a refusal is a result. A server's
// metrics are recorded under worker index = server index, by its loop's thread only.
#pragma once

#include "sim/simulationcontext.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace inv {

class ServerLoad;

class LoopBuyers
{
public:
    static constexpr int kDepth = 4;
    // Starts the loops and opens their connections, before the load is timed. Throws DbError when
    // a server's connections cannot be opened, ThreadStartError when a loop cannot start.
    explicit LoopBuyers(SimulationContext &context);
    ~LoopBuyers();
    LoopBuyers(const LoopBuyers &) = delete;
    LoopBuyers &operator=(const LoopBuyers &) = delete;

    // Blocks until every buyer has its answer, or the run is stopped and the writes in flight are
    // answered. `progress` gets 0..1 from the loops' threads.
    void run(const std::function<void(double)> &progress);

private:
    SimulationContext &m_context;
    std::atomic<int> m_next{0};
    std::atomic<long long> m_issued{0};
    std::atomic<long long> m_finished{0};
    std::function<void(double)> m_progress;
    std::vector<std::unique_ptr<ServerLoad>> m_loads;
};

} // namespace inv
