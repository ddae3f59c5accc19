// Samples the host's 1-minute load average (/proc/loadavg) once a second on its own thread while a
// simulation runs, and at the start and the end: the CPU time of the cores this process may run on
// (/proc/stat), of this process (/proc/self/stat) and of the postgres and redis-server processes
// (/proc/<pid>/stat), against the time passed (/proc/uptime), so that a busy host can be told apart
// from a run that keeps it busy itself.
// Construct it when the load starts; finish() stops it and returns what it saw. finish() and the
// destructor are for the thread that constructed it. The parsers are static so that tests can feed
// them text.
#pragma once

#include "sim/hostload.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace inv {

class HostLoadSampler
{
public:
    // `procRoot` is where /proc is mounted (a test points it at a folder of its own); `cores` 0
    // means the cores this process may run on, and CPU time is read from their lines of /proc/stat.
    // A given `cores` reads the all-CPU line instead.
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
        // utime + stime: the process's own threads, without its children.
        long long ownTicks = 0;
    };
    // One /proc/<pid>/stat line; the command may hold spaces and parentheses.
    static std::optional<ProcessCpu> parseStat(std::string_view text);

    struct CpuTimes
    {
        // user + nice + system + irq + softirq + steal, and idle + iowait, in clock ticks.
        long long busy = 0;
        long long idle = 0;
    };
    // /proc/stat summed over the lines of `cpus` ("cpu3 ..."), or its all-CPU line ("cpu ...") when
    // `cpus` is empty; nullopt when a line is missing or malformed.
    static std::optional<CpuTimes> parseCpuTimes(std::string_view text, const std::vector<int> &cpus);
    // The first field of /proc/uptime ("350735.47 234388.90"), seconds since boot; nullopt if it is
    // not a number.
    static std::optional<double> parseUptime(std::string_view text);

private:
    struct ServerCpu
    {
        long long postgres = -1, redis = -1;
    };
    void sampleLoad();
    ServerCpu serverCpu() const;
    std::optional<CpuTimes> cpuTimes() const;
    std::optional<long long> ownTicks() const;

    std::string m_procRoot;
    std::vector<int> m_cpus;
    int m_cores;
    std::chrono::milliseconds m_interval;
    ServerCpu m_cpuAtStart;
    std::optional<CpuTimes> m_hostCpuAtStart;
    std::optional<double> m_uptimeAtStart;
    std::optional<long long> m_ownAtStart;
    std::mutex m_mutex;
    HostLoad m_load;
    std::optional<HostLoad> m_finished;
    std::condition_variable_any m_wake;
    std::jthread m_thread;
};

} // namespace inv
