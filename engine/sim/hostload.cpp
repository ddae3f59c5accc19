#include "sim/hostload.h"

#include <algorithm>
#include <cstdio>

namespace inv {

double HostLoad::runCores() const
{
    if (!cpuKnown())
        return 0;
    return std::min(busyCores, ownCores + std::max(0.0, serverCores));
}

double HostLoad::othersCores() const
{
    return cpuKnown() ? std::max(0.0, busyCores - runCores()) : 0;
}

std::string HostLoad::saturationNote() const
{
    if (!saturated())
        return {};
    // The servers count as the run's: its queries are what keep them busy. A postgres or
    // redis-server on this host that serves someone else is counted with them, and the note says
    // which processes it counted so that a reader can judge.
    const char *run = serverCores >= 0 ? "this process and the postgres and redis-server processes"
                                       : "this process (the database servers' share unknown)";
    char buffer[256];
    if (saturatedByOthers())
        std::snprintf(buffer, sizeof buffer,
                      "host saturated by other processes: %.1f of %d core%s busy, %.1f outside this %s, "
                      "%.1f %s",
                      busyCores, cores, cores == 1 ? "" : "s", othersCores(),
                      serverCores >= 0 ? "run" : "process", runCores(), run);
    else
        std::snprintf(buffer, sizeof buffer,
                      "host saturated by this run: %.1f of %d core%s busy, %.1f %s, %.1f other processes; "
                      "results reflect this machine's capacity",
                      busyCores, cores, cores == 1 ? "" : "s", runCores(), run, othersCores());
    return buffer;
}

} // namespace inv
