// Reads Redis' own view of itself (INFO, SLOWLOG GET, CONFIG GET slowlog-log-slower-than) through
// a connection of its own, never one of the application's pools, and turns it into
// RedisServerStats. Rates are differences from the previous sample, with the monitor's own
// commands left out. A failure never throws: the stats say what went wrong, and the next sample
// reconnects, so a server that comes back is seen again by itself. One thread at a time.
#pragma once

#include "cache/redisurl.h"
#include "monitor/redisserverstats.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace inv {

class RedisConnection;

class RedisServerSampler
{
public:
    // Throws InvalidInput if the URL cannot be parsed.
    explicit RedisServerSampler(const std::string &url);
    ~RedisServerSampler();
    RedisServerSampler(const RedisServerSampler &) = delete;
    RedisServerSampler &operator=(const RedisServerSampler &) = delete;

    RedisServerStats sample();

    // INFO's "field:value" lines, by field; section headers and blank lines are skipped.
    static std::map<std::string, std::string, std::less<>> parseInfo(std::string_view text);
    static constexpr const char *kClientName = "inventory-console-monitor";

private:
    struct Counters
    {
        long long commands = 0, hits = 0, misses = 0, evicted = 0, expired = 0;
        std::chrono::steady_clock::time_point at;
    };
    void read(RedisServerStats &stats);
    void readSlowLog(RedisServerStats &stats);
    void computeRates(RedisServerStats &stats);

    RedisUrl m_url;
    std::unique_ptr<RedisConnection> m_connection;
    std::optional<Counters> m_last;
    // Commands the monitor sent since the last INFO, which INFO counts too.
    long long m_ownCommands = 0;
};

} // namespace inv
