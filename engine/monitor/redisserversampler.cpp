#include "monitor/redisserversampler.h"

#include "cache/redisconnection.h"
#include "errors.h"

#include <algorithm>
#include <cstdlib>

namespace inv {

namespace {
constexpr RedisTimeouts kTimeouts{std::chrono::milliseconds(500), std::chrono::milliseconds(1000)};
constexpr int kSlowLogEntries = 10;

long long integer(const std::map<std::string, std::string, std::less<>> &info, std::string_view field)
{
    const auto it = info.find(field);
    return it == info.end() ? 0 : std::strtoll(it->second.c_str(), nullptr, 10);
}

std::string string(const redisReply *r)
{
    return r && r->str ? std::string(r->str, r->len) : std::string();
}
} // namespace

RedisServerSampler::RedisServerSampler(const std::string &url) : m_url(RedisUrl::parse(url)) {}

RedisServerSampler::~RedisServerSampler() = default;

std::map<std::string, std::string, std::less<>> RedisServerSampler::parseInfo(std::string_view text)
{
    std::map<std::string, std::string, std::less<>> fields;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        const auto colon = line.find(':');
        if (line.empty() || line.front() == '#' || colon == std::string_view::npos)
            continue;
        fields.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
    return fields;
}

RedisServerStats RedisServerSampler::sample()
{
    RedisServerStats stats;
    try {
        if (!m_connection) {
            m_connection = std::make_unique<RedisConnection>(m_url, kTimeouts);
            m_connection->command({"CLIENT", "SETNAME", kClientName});
            m_ownCommands = 0;
            m_last.reset();
        }
        read(stats);
        stats.available = true;
    } catch (const CacheError &e) {
        // A reply error to INFO (an ACL that forbids it) is as final as a dead server: say why.
        m_connection.reset();
        m_last.reset();
        stats = RedisServerStats{};
        stats.error = e.what();
    }
    return stats;
}

void RedisServerSampler::read(RedisServerStats &stats)
{
    const auto info = parseInfo(m_connection->command({"INFO"}).str());
    const auto version = info.find("redis_version");
    stats.version = version == info.end() ? std::string() : version->second;
    stats.uptimeSeconds = integer(info, "uptime_in_seconds");
    stats.instantaneousOps = integer(info, "instantaneous_ops_per_sec");
    stats.totalCommands = integer(info, "total_commands_processed");
    stats.keyspaceHits = integer(info, "keyspace_hits");
    stats.keyspaceMisses = integer(info, "keyspace_misses");
    stats.usedMemory = integer(info, "used_memory");
    stats.usedMemoryPeak = integer(info, "used_memory_peak");
    stats.maxMemory = integer(info, "maxmemory");
    stats.evictedKeys = integer(info, "evicted_keys");
    stats.expiredKeys = integer(info, "expired_keys");
    stats.connectedClients = integer(info, "connected_clients");
    stats.blockedClients = integer(info, "blocked_clients");
    // Keyspace lines: "db0:keys=12,expires=3,avg_ttl=0".
    for (const auto &[field, value] : info)
        if (field.rfind("db", 0) == 0 && value.rfind("keys=", 0) == 0)
            stats.keys += std::strtoll(value.c_str() + 5, nullptr, 10);
    computeRates(stats);
    m_ownCommands = 1; // this INFO; INFO counts a command once it has run
    readSlowLog(stats);
}

void RedisServerSampler::readSlowLog(RedisServerStats &stats)
{
    try {
        ++m_ownCommands;
        const RedisReply log = m_connection->command({"SLOWLOG", "GET", std::to_string(kSlowLogEntries)});
        for (std::size_t i = 0; log.get() && log->type == REDIS_REPLY_ARRAY && i < log->elements; ++i) {
            const redisReply *e = log->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements < 4)
                continue;
            RedisSlowLogEntry entry;
            entry.id = e->element[0]->integer;
            entry.timestamp = e->element[1]->integer;
            entry.durationMicros = e->element[2]->integer;
            const redisReply *args = e->element[3];
            for (std::size_t a = 0; args->type == REDIS_REPLY_ARRAY && a < args->elements; ++a)
                entry.command += (a ? " " : "") + string(args->element[a]);
            if (e->elements >= 6) {
                entry.client = string(e->element[4]);
                entry.clientName = string(e->element[5]);
            }
            stats.slowLog.push_back(std::move(entry));
        }
        ++m_ownCommands;
        const RedisReply threshold = m_connection->command({"CONFIG", "GET", "slowlog-log-slower-than"});
        if (threshold.get() && threshold->type == REDIS_REPLY_ARRAY && threshold->elements == 2)
            stats.slowLogThresholdMicros = std::strtoll(string(threshold->element[1]).c_str(), nullptr, 10);
    } catch (const CacheReplyError &e) {
        // Managed services often refuse SLOWLOG or CONFIG; the rest of the figures still stand.
        stats.slowLogError = e.what();
    }
}

void RedisServerSampler::computeRates(RedisServerStats &stats)
{
    const Counters now{stats.totalCommands, stats.keyspaceHits, stats.keyspaceMisses,
                       stats.evictedKeys,   stats.expiredKeys,  std::chrono::steady_clock::now()};
    const long long lookups = now.hits + now.misses;
    if (lookups > 0)
        stats.hitRatio = static_cast<double>(now.hits) / static_cast<double>(lookups);
    // A restart or CONFIG RESETSTAT sets the counters back: start the rates again.
    if (m_last && now.commands >= m_last->commands && now.hits >= m_last->hits &&
        now.misses >= m_last->misses) {
        const double seconds = std::chrono::duration<double>(now.at - m_last->at).count();
        if (seconds > 0) {
            const long long commands = std::max(0LL, now.commands - m_last->commands - m_ownCommands);
            stats.opsPerSecond = static_cast<double>(commands) / seconds;
            stats.hitsPerSecond = static_cast<double>(now.hits - m_last->hits) / seconds;
            stats.missesPerSecond = static_cast<double>(now.misses - m_last->misses) / seconds;
            stats.evictedPerSecond =
                static_cast<double>(std::max(0LL, now.evicted - m_last->evicted)) / seconds;
            stats.expiredPerSecond =
                static_cast<double>(std::max(0LL, now.expired - m_last->expired)) / seconds;
        }
        const long long hits = now.hits - m_last->hits;
        const long long window = hits + now.misses - m_last->misses;
        if (window > 0)
            stats.hitRatio = static_cast<double>(hits) / static_cast<double>(window);
    }
    m_last = now;
}

} // namespace inv
