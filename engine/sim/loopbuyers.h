// The flash sale's buyers on the servers' event loops (ServerLoop): each server keeps
// connections x ServerLoop::kDepth buyers in flight, and a buyer's answer sends the next buyer. A
// reading buyer reads the stock first and, seeing too little, does not buy. Every buyer keeps its
// own request id, latency, result and audit row, as with the threaded client; a refusal is a result.
#pragma once

#include "sim/serverloop.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace inv {

class LoopBuyers
{
public:
    // Starts the loops and opens their connections, before the load is timed. Throws DbError when
    // a server's connections cannot be opened, ThreadStartError when a loop cannot start.
    explicit LoopBuyers(SimulationContext &context);
    ~LoopBuyers();
    LoopBuyers(const LoopBuyers &) = delete;
    LoopBuyers &operator=(const LoopBuyers &) = delete;

    // Blocks until every buyer has its answer, or the run is stopped and the operations in flight
    // are answered. `progress` gets 0..1 from the loops' threads.
    void run(const std::function<void(double)> &progress);

private:
    // Loop thread of `server`. False when every buyer is in, or the run is stopping.
    bool sendNext(ServerLoop &server);
    void buy(ServerLoop &server, int buyer);
    void finished(ServerLoop &server, int buyer);

    SimulationContext &m_context;
    std::atomic<int> m_next{0};
    std::atomic<long long> m_issued{0};
    std::atomic<long long> m_finished{0};
    std::function<void(double)> m_progress;
    ServerLoops m_servers;
};

} // namespace inv
