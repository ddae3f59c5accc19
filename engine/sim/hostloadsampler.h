// Samples the host's 1-minute load average (/proc/loadavg) once a second on its own thread while a
// simulation runs, and the CPU time of the postgres and redis-server processes (/proc/<pid>/stat)
// at the start and the end. Construct it when the load starts; finish() stops it and returns what
// it saw. finish() and the destructor are for the thread that constructed it. The parsers are
// static so that tests can feed them text.
#pragma once

#include "sim/hostload.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace inv {

class HostLoadSampler
{
public:
    // `procRoot` is where /proc is mounted (a test points it at a folder of its own); `cores` 0
    // means the cores this process may run on.
    explicit HostLoadSampler(std::string procRoot = "/proc", int cores = 0,
                             std::chrono::milliseconds interval = std::chrono::seconds(1));
    ~HostLoadSampler();
    HostLoadSampler(const HostLoadSampler &) = delete;
    HostLoadSampler &operator=(const HostLoadSampler &) = delete;

    HostLoad finish();

    // The first field of /proc/loadavg ("6.20 3.10 1.00 7/512 4242"); nullopt if it is not a number.
    static std::optional<double> parseLoadAverage(std::string_view text);

    struct ProcessCpu
    {
        std::string command;
        // utime + stime + cutime + cstime, in clock ticks: a backend that exited is counted in
        // its parent's cutime/cstime once reaped.
        long long ticks = 0;
    };
    // One /proc/<pid>/stat line; the command may hold spaces and parentheses.
    static std::optional<ProcessCpu> parseStat(std::string_view text);

private:
    struct ServerCpu
    {
        long long postgres = -1, redis = -1;
    };
    void sampleLoad();
    ServerCpu serverCpu() const;

    std::string m_procRoot;
    int m_cores;
    std::chrono::milliseconds m_interval;
    ServerCpu m_cpuAtStart;
    std::mutex m_mutex;
    HostLoad m_load;
    std::optional<HostLoad> m_finished;
    std::condition_variable_any m_wake;
    std::jthread m_thread;
};

} // namespace inv
