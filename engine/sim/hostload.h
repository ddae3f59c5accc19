// What the host was doing during a run: the peak 1-minute load average against the cores, and the
// CPU time the PostgreSQL and Redis server processes used. It lets a report tell a slow design from
// a busy machine. A plain value; any thread.
#pragma once

#include <string>

namespace inv {

struct HostLoad
{
    int cores = 0;
    // The highest 1-minute load average sampled during the run; negative when /proc was unreadable.
    double loadMax = -1;
    int samples = 0;
    // CPU seconds (user + system, with reaped children) used during the run; negative when unknown.
    double postgresCpuSeconds = -1;
    double redisCpuSeconds = -1;

    bool known() const { return cores > 0 && loadMax >= 0; }
    double loadPerCore() const { return known() ? loadMax / cores : 0; }
    // More runnable work than cores: latency measured then says as much about the host as the design.
    bool saturated() const { return known() && loadPerCore() > 1.0; }
    // "host saturated: load 6.2 on 2 cores", or empty when the host was not saturated.
    std::string saturationNote() const;
};

} // namespace inv
