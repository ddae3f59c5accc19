#include "sim/hostloadsampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <dirent.h>
#include <fstream>
#include <limits>
#include <sched.h>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace inv {

namespace {
std::string readFile(const std::string &path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The cores in the affinity mask, not the machine's: a container limited to 2 cores shows the host's 64.
// Empty when the mask is unreadable.
std::vector<int> usableCpus()
{
    std::vector<int> out;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set))
                out.push_back(cpu);
    return out;
}
} // namespace

HostLoadSampler::HostLoadSampler(std::string procRoot, int cores, std::chrono::milliseconds interval)
    : m_procRoot(std::move(procRoot)), m_cpus(cores > 0 ? std::vector<int>() : usableCpus()),
      m_cores(cores > 0         ? cores
              : !m_cpus.empty() ? static_cast<int>(m_cpus.size())
                                : static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)))),
      m_interval(interval)
{
    m_load.cores = m_cores;
    m_cpuAtStart = serverCpu();
    m_hostCpuAtStart = cpuTimes();
    m_uptimeAtStart = parseUptime(readFile(m_procRoot + "/uptime"));
    m_ownAtStart = ownTicks();
    sampleLoad();
    m_thread = std::jthread([this](std::stop_token stop) {
        std::unique_lock lock(m_mutex);
        for (;;) {
            // Wakes at the interval, or at once when finish() asks it to stop.
            m_wake.wait_for(lock, stop, m_interval, [] { return false; });
            if (stop.stop_requested())
                return;
            lock.unlock();
            sampleLoad();
            lock.lock();
        }
    });
}

HostLoadSampler::~HostLoadSampler()
{
    finish();
}

HostLoad HostLoadSampler::finish()
{
    if (m_finished)
        return *m_finished;
    m_thread.request_stop();
    if (m_thread.joinable())
        m_thread.join();
    sampleLoad();
    const ServerCpu end = serverCpu();
    const auto hostCpu = cpuTimes();
    const auto uptime = parseUptime(readFile(m_procRoot + "/uptime"));
    const auto own = ownTicks();
    const double tick = static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
    std::lock_guard lock(m_mutex);
    double serverTicks = -1;
    if (m_cpuAtStart.postgres >= 0 && end.postgres >= 0) {
        const auto ticks = static_cast<double>(std::max(0LL, end.postgres - m_cpuAtStart.postgres));
        m_load.postgresCpuSeconds = ticks / tick;
        serverTicks = ticks;
    }
    if (m_cpuAtStart.redis >= 0 && end.redis >= 0) {
        const auto ticks = static_cast<double>(std::max(0LL, end.redis - m_cpuAtStart.redis));
        m_load.redisCpuSeconds = ticks / tick;
        serverTicks = std::max(0.0, serverTicks) + ticks;
    }
    if (m_hostCpuAtStart && hostCpu && m_uptimeAtStart && uptime && *uptime > *m_uptimeAtStart) {
        // Busy is what was not idle. A tickless kernel measures idle time exactly but samples busy
        // time at its ticks, which misses the short bursts a database's clients run in.
        const double wallTicks = (*uptime - *m_uptimeAtStart) * tick;
        const auto idle = static_cast<double>(std::max(0LL, hostCpu->idle - m_hostCpuAtStart->idle));
        m_load.busyCores = std::clamp(m_cores - idle / wallTicks, 0.0, static_cast<double>(m_cores));
        if (m_ownAtStart && own)
            m_load.ownCores = static_cast<double>(std::max(0LL, *own - *m_ownAtStart)) / wallTicks;
        if (serverTicks >= 0)
            m_load.serverCores = serverTicks / wallTicks;
    }
    m_finished = m_load;
    return *m_finished;
}

void HostLoadSampler::sampleLoad()
{
    const auto load = parseLoadAverage(readFile(m_procRoot + "/loadavg"));
    if (!load)
        return;
    std::lock_guard lock(m_mutex);
    m_load.loadMax = std::max(m_load.loadMax, *load);
    ++m_load.samples;
}

HostLoadSampler::ServerCpu HostLoadSampler::serverCpu() const
{
    ServerCpu out;
    DIR *dir = opendir(m_procRoot.c_str());
    if (!dir)
        return out;
    while (const dirent *entry = readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name.empty() ||
            !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        const auto cpu = parseStat(readFile(m_procRoot + "/" + std::string(name) + "/stat"));
        if (!cpu)
            continue;
        long long *slot = cpu->command == "postgres"       ? &out.postgres
                          : cpu->command == "redis-server" ? &out.redis
                                                           : nullptr;
        if (slot)
            *slot = std::max(0LL, *slot) + cpu->ticks;
    }
    closedir(dir);
    return out;
}

std::optional<HostLoadSampler::CpuTimes> HostLoadSampler::cpuTimes() const
{
    return parseCpuTimes(readFile(m_procRoot + "/stat"), m_cpus);
}

std::optional<long long> HostLoadSampler::ownTicks() const
{
    if (const auto self = parseStat(readFile(m_procRoot + "/self/stat")))
        return self->ownTicks;
    return std::nullopt;
}

std::optional<double> HostLoadSampler::parseUptime(std::string_view text)
{
    // The same shape as loadavg's first field: a non-negative decimal, then a blank.
    return parseLoadAverage(text);
}

std::optional<double> HostLoadSampler::parseLoadAverage(std::string_view text)
{
    const auto begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos)
        return std::nullopt;
    const auto end = text.find_first_of(" \t\n", begin);
    const std::string field(text.substr(begin, end == std::string_view::npos ? text.npos : end - begin));
    char *stop = nullptr;
    const double value = std::strtod(field.c_str(), &stop);
    if (stop == field.c_str() || *stop != '\0' || !(value >= 0) || !std::isfinite(value))
        return std::nullopt;
    return value;
}

namespace {
// Far beyond any real process (centuries of CPU), and small enough that summing the processes of a
// server cannot overflow: Linux's pid_max is at most 2^22.
constexpr long long kMaxProcessTicks = std::numeric_limits<long long>::max() >> 22;
// /proc/stat's all-CPU line sums every core since boot; the cap only keeps the sum from overflowing.
constexpr long long kMaxCpuTicks = std::numeric_limits<long long>::max() >> 4;
} // namespace

std::optional<HostLoadSampler::ProcessCpu> HostLoadSampler::parseStat(std::string_view text)
{
    // "pid (comm) state ppid …": comm is cut at the last ')', since it may hold both.
    const auto open = text.find('(');
    const auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;
    ProcessCpu out;
    out.command = std::string(text.substr(open + 1, close - open - 1));
    // After comm: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    // utime(14) stime cutime cstime(17).
    std::istringstream rest{std::string(text.substr(close + 1))};
    std::string field;
    for (int index = 3; index <= 17; ++index) {
        if (!(rest >> field))
            return std::nullopt;
        if (index >= 14) {
            long long ticks = 0;
            const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), ticks);
            if (error != std::errc() || end != field.data() + field.size() || ticks < 0 ||
                ticks > kMaxProcessTicks - out.ticks)
                return std::nullopt;
            out.ticks += ticks;
            if (index <= 15)
                out.ownTicks += ticks;
        }
    }
    return out;
}

std::optional<HostLoadSampler::CpuTimes> HostLoadSampler::parseCpuTimes(std::string_view text,
                                                                        const std::vector<int> &cpus)
{
    // The line of each CPU counted: "cpu" alone for all of them, else "cpu<N>".
    std::vector<std::string> wanted;
    if (cpus.empty())
        wanted.emplace_back("cpu");
    for (int cpu : cpus)
        wanted.push_back("cpu" + std::to_string(cpu));
    std::vector<bool> seen(wanted.size(), false);
    CpuTimes out;
    long long total = 0;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string name;
        fields >> name;
        const auto it = std::find(wanted.begin(), wanted.end(), name);
        if (it == wanted.end())
            continue;
        const auto slot = static_cast<std::size_t>(it - wanted.begin());
        if (seen[slot])
            return std::nullopt;
        seen[slot] = true;
        // user nice system idle iowait irq softirq steal guest guest_nice; guest time is in user
        // already, and kernels before 2.6 stop after idle.
        std::string field;
        int index = 0;
        for (; index < 8 && fields >> field; ++index) {
            long long ticks = 0;
            const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), ticks);
            if (error != std::errc() || end != field.data() + field.size() || ticks < 0 ||
                ticks > kMaxCpuTicks - total)
                return std::nullopt;
            total += ticks;
            (index == 3 || index == 4 ? out.idle : out.busy) += ticks;
        }
        if (index < 4)
            return std::nullopt;
    }
    if (std::find(seen.begin(), seen.end(), false) != seen.end())
        return std::nullopt;
    return out;
}

} // namespace inv
