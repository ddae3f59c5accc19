// Samples PostgreSQL and Redis once a second for the Servers page, each on a thread of its own
// (std::jthread) with a connection of its own, so that a hung or dead server never delays the
// other's figures and the application's pools are never touched. It keeps the latest figures and
// the last kHistory seconds behind a mutex; snapshot() copies them. While paused it keeps its
// connections but takes no samples. Any thread may call the public functions; the destructor
// stops both threads, waiting at most for one bounded sample (a few seconds against a hung server).
#pragma once

#include "monitor/serversnapshot.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace inv {

class ServerMonitor
{
public:
    static constexpr std::size_t kHistory = 120;

    ServerMonitor(std::string pgConninfo, std::string redisUrl,
                  std::chrono::milliseconds interval = std::chrono::seconds(1));
    ~ServerMonitor();
    ServerMonitor(const ServerMonitor &) = delete;
    ServerMonitor &operator=(const ServerMonitor &) = delete;

    ServerSnapshot snapshot() const;
    void setPaused(bool paused);
    bool isPaused() const;

private:
    void pgLoop(std::stop_token stop);
    void redisLoop(std::stop_token stop);
    // Runs sampleOnce every interval until stopped; after a pause, samples at once.
    template <typename SampleOnce> void paced(std::stop_token stop, SampleOnce sampleOnce);
    // Waits for the next tick, or while paused; false once stopping.
    bool waitForTick(std::stop_token stop, std::chrono::steady_clock::time_point next);
    double secondsSinceStart() const;

    std::string m_pgConninfo;
    std::string m_redisUrl;
    std::chrono::milliseconds m_interval;
    std::chrono::steady_clock::time_point m_started;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_wake;
    ServerSnapshot m_snapshot; // guarded by m_mutex
    bool m_paused = false;     // guarded by m_mutex
    std::jthread m_pgThread;
    std::jthread m_redisThread;
};

} // namespace inv
