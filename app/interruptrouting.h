// Routes SIGINT and SIGTERM to a long operation (a simulation, a sweep, a load agent) for the
// lifetime of one InterruptRouting: the handler only writes a byte to a pipe, and a watcher thread
// reads it and calls the operation's stop(), so that nothing unsafe runs inside the handler. The
// first signal stops the operation and lets it finish its books; a second ends the process at once.
#pragma once

#include <functional>
#include <thread>

class InterruptRouting
{
public:
    // Throws inv::Error when the pipe cannot be created.
    explicit InterruptRouting(std::function<void()> stop);
    ~InterruptRouting();
    InterruptRouting(const InterruptRouting &) = delete;
    InterruptRouting &operator=(const InterruptRouting &) = delete;

private:
    void watch() const;

    std::function<void()> m_stop;
    int m_pipe[2] = {-1, -1};
    std::jthread m_watcher;
};
