// One virtual app server on an event loop, for a scenario: the server's LoopReader (with its own
// PostgreSQL connection, so that a read never waits behind a commit), LoopWriter (the server's
// connections, pipelined kDepth deep) and LoopRepairs (its repair marks and passes), and the bookkeeping of
// every operation in the run's SimulationContext under worker index = server index: the loop's thread is that
// worker's only thread. ServerLoops holds a run's servers and the loops they share. Built, opened and
// destroyed from any thread; read() and write() on the loop's thread.
#pragma once

#include "loop/loopreader.h"
#include "loop/loopwriter.h"
#include "sim/simulationcontext.h"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace inv {

class ServerLoop
{
public:
    static constexpr int kDepth = 4;
    ServerLoop(SimulationContext &context, int server, EventLoop &loop);
    ~ServerLoop();
    ServerLoop(const ServerLoop &) = delete;
    ServerLoop &operator=(const ServerLoop &) = delete;

    // Opens the PostgreSQL connections, before the load is timed; throws DbError.
    void open();
    EventLoop &loop() { return m_loop; }
    int index() const { return m_server; }

    // Loop thread. One measured operation; `then` runs once it is answered and booked.
    void read(int key, SimClock::time_point intended, std::function<void(std::optional<StockView>)> then);
    void write(int key, Action action, int quantity, SimClock::time_point intended,
               std::function<void()> then);

private:
    SimulationContext &m_context;
    const int m_server;
    EventLoop &m_loop;
    std::unique_ptr<LoopRepairs> m_repairs;
    std::unique_ptr<LoopReader> m_reader;
    std::unique_ptr<LoopWriter> m_writer;
};

// A run's virtual servers on its event loops: server s on loop s mod L, with one loop (one thread)
// per two cores, at least one and at most one per server. Several servers on one thread wake it
// once for what all of them have to do: on a small host the threads' wake-ups, not the work, cost
// the most CPU.
class ServerLoops
{
public:
    // Starts the loops and opens every server's connections, before the load is timed. Throws
    // DbError when a server's connections cannot be opened, ThreadStartError when a loop cannot start.
    explicit ServerLoops(SimulationContext &context);
    ~ServerLoops();
    ServerLoops(const ServerLoops &) = delete;
    ServerLoops &operator=(const ServerLoops &) = delete;

    static int loopCount(int servers);
    // The calling thread's wait for the end of a driver's load (LoopBuyers, LoopSchedule): wakes
    // every 2 ms, runs `tick` (progress), and returns once `idle` says everything was sent and
    // answered.
    static void awaitIdle(const std::function<bool()> &idle, const std::function<void()> &tick = {});
    std::size_t size() const { return m_servers.size(); }
    ServerLoop &operator[](std::size_t server) { return *m_servers[server]; }

private:
    // Declared first: destroyed after the servers that run on them.
    std::vector<std::unique_ptr<EventLoop>> m_loops;
    std::vector<std::unique_ptr<ServerLoop>> m_servers;
};

} // namespace inv
