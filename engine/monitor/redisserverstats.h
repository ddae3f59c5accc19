// What the Servers page shows of Redis at one instant: throughput, keyspace hits and misses,
// memory, evictions and expiries, clients and the slow log, as RedisServerSampler read them from
// INFO and SLOWLOG GET through the monitor's own connection. Plain values; any thread.
#pragma once

#include <string>
#include <vector>

namespace inv {

struct RedisSlowLogEntry
{
    long long id = 0;
    long long timestamp = 0; // Unix seconds
    long long durationMicros = 0;
    std::string command; // the arguments joined by spaces, as Redis trimmed them
    std::string client;  // address:port
    std::string clientName;
};

struct RedisServerStats
{
    bool available = false;
    std::string error; // why it is not available: what failed and what to do
    std::string version;
    long long uptimeSeconds = 0;

    // Per second over the last interval, the monitor's own commands left out; -1 before the
    // second sample. `instantaneousOps` is Redis' own estimate.
    double opsPerSecond = -1;
    long long instantaneousOps = 0;
    long long totalCommands = 0;

    long long keyspaceHits = 0, keyspaceMisses = 0;
    double hitsPerSecond = -1, missesPerSecond = -1;
    // hits / (hits + misses): over the last interval when there were lookups, else since start;
    // -1 if there never was one.
    double hitRatio = -1;

    long long usedMemory = 0, maxMemory = 0, usedMemoryPeak = 0;
    long long evictedKeys = 0, expiredKeys = 0;
    double evictedPerSecond = -1, expiredPerSecond = -1;
    long long connectedClients = 0, blockedClients = 0;
    long long keys = 0; // over every database

    std::vector<RedisSlowLogEntry> slowLog; // newest first, at most ten
    std::string slowLogError;               // set if SLOWLOG is refused (an ACL, say)
    long long slowLogThresholdMicros = -1;  // slowlog-log-slower-than, -1 if unknown
};

} // namespace inv
