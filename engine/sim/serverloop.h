// One virtual app server on its own event loop, for a scenario: the server's LoopReader (with its own
// PostgreSQL connection, so that a read never waits behind a commit) and LoopWriter (the server's
// connections, pipelined `depth` deep), and the bookkeeping of every operation in the run's
// SimulationContext under worker index = server index: the loop's thread is that worker's only
// thread. Built, opened and destroyed from any thread; read() and write() on the loop's thread.
#pragma once

#include "loop/loopreader.h"
#include "loop/loopwriter.h"
#include "sim/simulationcontext.h"

#include <functional>
#include <memory>
#include <optional>

namespace inv {

class ServerLoop
{
public:
    static constexpr int kDepth = 4;
    // Throws ThreadStartError when the loop cannot start.
    ServerLoop(SimulationContext &context, int server);
    ~ServerLoop();
    ServerLoop(const ServerLoop &) = delete;
    ServerLoop &operator=(const ServerLoop &) = delete;

    // Opens the PostgreSQL connections, before the load is timed; throws DbError.
    void open();
    EventLoop &loop() { return m_loop; }
    int index() const { return m_server; }

    // Loop thread. One measured operation; `then` runs once it is answered and booked.
    void read(int key, SimClock::time_point intended, std::function<void(std::optional<StockView>)> then);
    void write(int key, Action action, int quantity, SimClock::time_point intended, std::function<void()> then);

private:
    SimulationContext &m_context;
    const int m_server;
    EventLoop m_loop;
    std::unique_ptr<LoopReader> m_reader;
    std::unique_ptr<LoopWriter> m_writer;
};

} // namespace inv
