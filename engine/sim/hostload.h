// What the host was doing during a run: the CPU busy on the cores the run could use, split into this
// process's, the PostgreSQL and Redis servers' and everything else's, with the peak 1-minute load
// average beside it. It lets a report tell a slow design from a busy machine, and a machine busy with
// the run itself from one busy with other work. A plain value; any thread.
#pragma once

#include <string>

namespace inv {

struct HostLoad
{
    // Busy CPU at or above this share of the cores counts as saturated.
    static constexpr double kSaturatedShare = 0.9;

    int cores = 0;
    // The highest 1-minute load average sampled during the run; negative when /proc was unreadable.
    // It counts runnable threads and threads waiting on the disk (a commit's fsync), so it is kept as
    // a figure and is not what the verdict goes by.
    double loadMax = -1;
    int samples = 0;
    // CPU seconds (user + system, with reaped children) used during the run; negative when unknown.
    double postgresCpuSeconds = -1;
    double redisCpuSeconds = -1;
    // CPU over the whole run in cores' worth (CPU seconds per second), on the cores this process may
    // run on: every process's busy time (/proc/stat), this process's own threads (utime + stime of
    // /proc/self/stat), and the postgres and redis-server processes'. Negative when unknown.
    double busyCores = -1;
    double ownCores = -1;
    double serverCores = -1;

    bool known() const { return cores > 0 && loadMax >= 0; }
    double loadPerCore() const { return known() ? loadMax / cores : 0; }
    bool cpuKnown() const { return cores > 0 && busyCores >= 0 && ownCores >= 0; }
    // This process plus the servers it drives (when their share is known), at most the busy CPU.
    double runCores() const;
    // Busy CPU outside this process and the postgres and redis-server processes.
    double othersCores() const;
    // The cores were busy for at least kSaturatedShare of the run: latency measured then says as
    // much about the host as about the design.
    bool saturated() const { return cpuKnown() && busyCores >= kSaturatedShare * cores; }
    // True when other processes took more of the busy CPU than this run and its servers did.
    bool saturatedByOthers() const { return saturated() && othersCores() > runCores(); }
    // "host saturated by this run: 1.9 of 2 cores busy, ..." or "host saturated by other processes:
    // ...", or empty when the host was not saturated.
    std::string saturationNote() const;
};

} // namespace inv
