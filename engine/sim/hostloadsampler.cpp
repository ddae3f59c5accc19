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

namespace inv {

namespace {
std::string readFile(const std::string &path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int usableCores()
{
    // The affinity mask, not the machine's count: a container limited to 2 cores shows the host's 64.
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}
} // namespace

HostLoadSampler::HostLoadSampler(std::string procRoot, int cores, std::chrono::milliseconds interval)
    : m_procRoot(std::move(procRoot)), m_cores(cores > 0 ? cores : usableCores()), m_interval(interval)
{
    m_load.cores = m_cores;
    m_cpuAtStart = serverCpu();
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
    const double tick = static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
    std::lock_guard lock(m_mutex);
    if (m_cpuAtStart.postgres >= 0 && end.postgres >= 0)
        m_load.postgresCpuSeconds =
            static_cast<double>(std::max(0LL, end.postgres - m_cpuAtStart.postgres)) / tick;
    if (m_cpuAtStart.redis >= 0 && end.redis >= 0)
        m_load.redisCpuSeconds = static_cast<double>(std::max(0LL, end.redis - m_cpuAtStart.redis)) / tick;
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
        }
    }
    return out;
}

} // namespace inv
