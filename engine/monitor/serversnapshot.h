// What ServerMonitor hands to the Servers page: the latest figures of both servers and a short
// history of the charted ones. Plain values; any thread.
#pragma once

#include "monitor/pgserverstats.h"
#include "monitor/redisserverstats.h"

#include <cstdint>
#include <vector>

namespace inv {

// One second of the charts. A negative value is unknown (the server was down, or it is the first
// sample) and leaves a gap.
struct ServerHistoryPoint
{
    double t = 0; // seconds since the monitor started
    // PostgreSQL
    double active = -1, idle = -1, idleInTransaction = -1, waiting = -1;
    double commitsPerSecond = -1, rollbacksPerSecond = -1;
    double lockWaiters = -1, longestLockWaitSeconds = -1;
    double cacheHitRatio = -1; // 0..1
    // Redis
    double opsPerSecond = -1, hitsPerSecond = -1, missesPerSecond = -1;
    double redisHitRatio = -1; // 0..1
    double usedMemoryMiB = -1;
    double evictedPerSecond = -1, expiredPerSecond = -1;
    double connectedClients = -1;
};

struct ServerSnapshot
{
    PgServerStats pg;
    RedisServerStats redis;
    // Samples taken so far, per server: the page redraws only when one has grown.
    std::uint64_t pgSamples = 0;
    std::uint64_t redisSamples = 0;
    bool paused = false;
    std::vector<ServerHistoryPoint> pgHistory;    // oldest first, at most ServerMonitor::kHistory
    std::vector<ServerHistoryPoint> redisHistory; // oldest first, at most ServerMonitor::kHistory
};

} // namespace inv
