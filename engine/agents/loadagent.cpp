#include "agents/loadagent.h"

#include "agents/redisclock.h"
#include "cache/redisurl.h"
#include "errors.h"
#include "sim/simulation.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace inv {

namespace {
constexpr std::chrono::milliseconds kHeartbeatEvery{1000};
constexpr std::chrono::milliseconds kHeartbeatLives{3000};
// A lost agent's registration is forgotten a day after its last heartbeat.
constexpr std::chrono::milliseconds kForgottenAfter{24 * 3600 * 1000};
// The entries of the control and metrics streams kept at most (trimmed approximately).
constexpr const char *kControlKept = "1000";
// A run's records wait here only until the coordinator reads them (it reads continuously): enough
// for a minute of 50 agents' windows.
constexpr const char *kMetricsKept = "12000";

RedisTimeouts blockingTimeouts()
{
    return RedisTimeouts{std::chrono::milliseconds(1000), std::chrono::milliseconds(3000)};
}

std::string hostName()
{
    char buffer[256] = {};
    if (gethostname(buffer, sizeof buffer - 1) != 0)
        return "unknown";
    return buffer;
}

std::string lastEntryId(RedisConnection &redis, const std::string &stream)
{
    RedisReply last = redis.command({"XREVRANGE", stream, "+", "-", "COUNT", "1"});
    const redisReply *r = last.get();
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements >= 1)
        return std::string(r->element[0]->element[0]->str, r->element[0]->element[0]->len);
    return "0-0";
}

void publish(RedisConnection &redis, const std::string &stream, const std::string &body)
{
    redis.command({"XADD", stream, "MAXLEN", "~", kMetricsKept, "*", "r", body});
}
} // namespace

LoadAgent::LoadAgent(Settings settings) : m_settings(std::move(settings)) {}

std::string LoadAgent::databaseIdentity(PgConnection &db)
{
    auto r = db.exec("SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' || "
                     "(SELECT oid FROM pg_database WHERE datname = current_database())::text");
    return r.text(0, 0);
}

std::vector<AgentInfo> LoadAgent::list(const std::string &redisUrl)
{
    RedisConnection redis(RedisUrl::parse(redisUrl), RedisTimeouts{});
    std::vector<AgentInfo> out;
    RedisReply names = redis.command({"SMEMBERS", AgentKeys::kAll});
    std::vector<std::string> sorted;
    for (std::size_t i = 0; names.get() && i < names->elements; ++i)
        sorted.emplace_back(names->element[i]->str, names->element[i]->len);
    std::sort(sorted.begin(), sorted.end());
    for (const auto &name : sorted) {
        RedisReply fields = redis.command({"HGETALL", AgentKeys::info(name)});
        if (!fields.get() || fields->elements == 0) {
            redis.command({"SREM", AgentKeys::kAll, name}); // forgotten: no heartbeat for a day
            continue;
        }
        AgentInfo info;
        info.name = name;
        for (std::size_t i = 0; fields.get() && i + 1 < fields->elements; i += 2) {
            const std::string key(fields->element[i]->str, fields->element[i]->len);
            const std::string value(fields->element[i + 1]->str, fields->element[i + 1]->len);
            try {
                if (key == "host")
                    info.host = value;
                else if (key == "pid")
                    info.pid = std::stoll(value);
                else if (key == "version")
                    info.version = value;
                else if (key == "cores")
                    info.cores = std::stoi(value);
                else if (key == "database")
                    info.database = value;
                else if (key == "state")
                    info.state = value;
            } catch (const std::exception &) {
                // A field someone else wrote badly: left at its default.
            }
        }
        RedisReply ttl = redis.command({"PTTL", AgentKeys::alive(name)});
        info.heartbeatAgeMs =
            ttl.integer() > 0 ? std::max<long long>(0, kHeartbeatLives.count() - ttl.integer()) : -1;
        out.push_back(std::move(info));
    }
    return out;
}

void LoadAgent::serve(std::stop_token stop, const Say &say)
{
    const RedisUrl url = RedisUrl::parse(m_settings.redisUrl);
    auto redisOwned = std::make_unique<RedisConnection>(url, blockingTimeouts());
    RedisConnection *redis = redisOwned.get();
    {
        PgConnection db(m_settings.pgConninfo);
        m_info.database = databaseIdentity(db);
    }
    m_info.name = m_settings.name;
    m_info.host = hostName();
    m_info.pid = getpid();
    m_info.version = m_settings.version;
    m_info.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::string aliveKey = AgentKeys::alive(m_info.name);
    // The name is taken while its heartbeat lives: a second agent with it is refused.
    RedisReply claimed =
        redis->command({"SET", aliveKey, "idle", "NX", "PX", std::to_string(kHeartbeatLives.count())});
    if (!claimed.isStatus("OK")) {
        const auto others = list(m_settings.redisUrl);
        std::string where;
        for (const auto &o : others)
            if (o.name == m_info.name)
                where = " on " + o.host + " (pid " + std::to_string(o.pid) + ")";
        throw InvalidInput("an agent named '" + m_info.name + "' is running already" + where +
                           ": give this one another --name, or stop that one first");
    }
    redis->command({"HSET", AgentKeys::info(m_info.name), "name", m_info.name, "host", m_info.host, "pid",
                    std::to_string(m_info.pid), "version", m_info.version, "cores",
                    std::to_string(m_info.cores), "database", m_info.database, "state", "idle"});
    redis->command({"SADD", AgentKeys::kAll, m_info.name});
    say("agent '" + m_info.name + "' registered on " + m_info.host + ", waiting for runs");

    std::mutex stateMutex;
    std::string state = "idle";
    std::jthread heartbeat([&, url](std::stop_token beat) {
        std::unique_ptr<RedisConnection> own;
        while (!beat.stop_requested()) {
            try {
                if (!own)
                    own = std::make_unique<RedisConnection>(url, RedisTimeouts{});
                std::string now;
                {
                    std::lock_guard lock(stateMutex);
                    now = state;
                }
                own->command({"SET", aliveKey, now, "PX", std::to_string(kHeartbeatLives.count())});
                own->command({"HSET", AgentKeys::info(m_info.name), "state", now});
                own->command(
                    {"PEXPIRE", AgentKeys::info(m_info.name), std::to_string(kForgottenAfter.count())});
            } catch (const Error &) {
                own.reset(); // Redis away: try again at the next beat
            }
            std::unique_lock lock(stateMutex);
            std::condition_variable_any().wait_for(lock, beat, kHeartbeatEvery, [] { return false; });
        }
    });
    auto setState = [&](const std::string &s) {
        std::lock_guard lock(stateMutex);
        state = s;
    };

    std::string lastId = lastEntryId(*redis, AgentKeys::kControl);
    while (!stop.stop_requested()) {
        RedisReply got;
        try {
            got = redis->command(
                {"XREAD", "COUNT", "10", "BLOCK", "500", "STREAMS", AgentKeys::kControl, lastId});
        } catch (const CacheError &e) {
            say(std::string("Redis: ") + e.what() + "; trying again");
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            try {
                redisOwned = std::make_unique<RedisConnection>(url, blockingTimeouts());
                redis = redisOwned.get();
            } catch (const CacheError &) {
            }
            continue;
        }
        const redisReply *r = got.get();
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
            continue;
        const redisReply *entries = r->element[0]->element[1];
        for (std::size_t i = 0; i < entries->elements && !stop.stop_requested(); ++i) {
            const redisReply *entry = entries->element[i];
            lastId.assign(entry->element[0]->str, entry->element[0]->len);
            const redisReply *fields = entry->element[1];
            std::string body;
            for (std::size_t f = 0; f + 1 < fields->elements; f += 2)
                if (std::string_view(fields->element[f]->str, fields->element[f]->len) == "r")
                    body.assign(fields->element[f + 1]->str, fields->element[f + 1]->len);
            AgentRunCommand command;
            try {
                command = AgentProtocol::decodeCommand(body);
            } catch (const InvalidInput &e) {
                say(std::string("ignored a control record: ") + e.what());
                continue;
            }
            for (const auto &share : command.shares) {
                if (share.agent != m_info.name)
                    continue;
                setState("running");
                runShare(command, share, stop, say);
                setState("idle");
            }
        }
    }
    setState("stopping");
    heartbeat.request_stop();
    heartbeat.join();
    try {
        redis->command({"DEL", aliveKey});
        redis->command({"HSET", AgentKeys::info(m_info.name), "state", "stopped"});
    } catch (const Error &) {
    }
    say("agent '" + m_info.name + "' stopped");
}

void LoadAgent::runShare(const AgentRunCommand &command, const AgentShare &share, std::stop_token stop,
                         const Say &say)
{
    const RedisUrl url = RedisUrl::parse(m_settings.redisUrl);
    RedisConnection redis(url, RedisTimeouts{});
    const std::string stream = AgentKeys::metrics(command.runId);
    long long seq = 0;
    AgentRecord failed;
    failed.kind = AgentRecord::Kind::Failed;
    failed.agent = m_info.name;
    try {
        const RedisClock clock = RedisClock::measure(redis);
        SimulationConfig config = command.config;
        config.pgConninfo = m_settings.pgConninfo;
        config.redisUrl = m_settings.redisUrl;
        config.runId = command.runId;
        config.sku = command.sku;
        config.sharedProducts = command.sku.empty();
        config.servers = share.servers;
        config.buyers = std::max(1, share.buyers);
        if (config.scenario == ScenarioKind::Mixed)
            config.rate = std::max(0.001, share.rate);
        config.sandboxDir = m_settings.sandboxDir;
        config.loadStartsAt = clock.fromRedisUs(command.startAtUs);
        Simulation simulation(config);
        AgentRecord started;
        started.kind = AgentRecord::Kind::Started;
        started.agent = m_info.name;
        started.seq = seq++;
        started.serverPrefix = simulation.serverIdPrefix();
        started.offsetUncertaintyUs = clock.uncertaintyUs;
        started.beginUs = clock.nowUs();
        publish(redis, stream, AgentProtocol::encode(started));
        say("run " + command.runId + ": " + std::to_string(share.servers) + " servers, " +
            std::to_string(share.buyers) + " buyers");
        // The monitor's thread publishes the windows on its own connection.
        RedisConnection windows(url, RedisTimeouts{});
        std::atomic<long long> nextSeq{seq};
        ObservationLog observations;
        simulation.setObservationLog(&observations);
        auto onTimeLine = [&clock](const std::vector<Observation> &list) {
            std::vector<AgentObservation> out;
            out.reserve(list.size());
            for (const auto &o : list)
                out.push_back(AgentObservation{o.key, o.version, clock.toRedisUs(o.at)});
            return out;
        };
        simulation.setWindowSink([&](const MonitorWindow &w) {
            AgentRecord record;
            record.kind = AgentRecord::Kind::Window;
            record.agent = m_info.name;
            record.seq = nextSeq.fetch_add(1);
            record.beginUs = clock.toRedisUs(w.begin);
            record.endUs = clock.toRedisUs(w.end);
            record.latency = w.latency;
            record.successes = w.successes;
            record.rejections = w.rejections;
            record.errors = w.errors;
            record.dropped = w.dropped;
            record.reads = w.reads;
            record.hits = w.hits;
            record.lockBusy = w.lockBusy;
            ObservationLog::Batch seen = observations.drain();
            record.readsSeen = onTimeLine(seen.reads);
            record.writesSeen = onTimeLine(seen.writes);
            record.unlogged = seen.dropped;
            try {
                publish(windows, stream, AgentProtocol::encode(record));
            } catch (const Error &) {
                // Redis away: the window is lost to the live view; the totals come at the end.
            }
        });
        std::stop_callback stopRun(stop, [&simulation] { simulation.stop(); });
        const SimulationReport report = simulation.run();
        AgentRecord finished;
        finished.kind = AgentRecord::Kind::Finished;
        finished.agent = m_info.name;
        finished.seq = nextSeq.fetch_add(1);
        finished.beginUs = command.startAtUs;
        // The load's own end, not the end of the checks that followed it.
        finished.endUs = command.startAtUs + static_cast<long long>(report.durationSeconds * 1e6);
        finished.successes = report.successes;
        finished.rejections = report.rejections;
        finished.errors = report.errors;
        finished.dropped = report.dropped;
        finished.staleReads = report.staleReads;
        publish(redis, stream, AgentProtocol::encode(finished));
        say("run " + command.runId + " done: " + std::to_string(report.successes) + " ok, " +
            std::to_string(report.rejections) + " refused, " + std::to_string(report.errors) + " errors");
    } catch (const std::exception &e) {
        failed.seq = seq;
        failed.message = e.what();
        say("run " + command.runId + " failed: " + failed.message);
        try {
            publish(redis, stream, AgentProtocol::encode(failed));
        } catch (const Error &) {
        }
    }
}

} // namespace inv
