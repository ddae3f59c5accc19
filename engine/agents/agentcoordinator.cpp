#include "agents/agentcoordinator.h"

#include "agents/agentbooks.h"
#include "agents/agentmerge.h"
#include "agents/loadagent.h"
#include "agents/redisclock.h"
#include "db/pgarray.h"
#include "errors.h"
#include "sim/simulationspace.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <thread>
#include <unistd.h>

namespace inv {

namespace {
std::vector<std::string> splitNames(const std::string &text)
{
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from <= text.size()) {
        const std::size_t comma = text.find(',', from);
        const std::string name =
            text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
        if (!name.empty())
            out.push_back(name);
        if (comma == std::string::npos)
            break;
        from = comma + 1;
    }
    return out;
}

std::string fieldR(const redisReply *fields)
{
    for (std::size_t f = 0; f + 1 < fields->elements; f += 2)
        if (std::string_view(fields->element[f]->str, fields->element[f]->len) == "r")
            return std::string(fields->element[f + 1]->str, fields->element[f + 1]->len);
    return {};
}
} // namespace

AgentCoordinator::AgentCoordinator(SimulationConfig config, std::string selection, std::string version)
    : m_config(std::move(config)), m_selection(std::move(selection)), m_version(std::move(version))
{}

std::vector<AgentInfo> AgentCoordinator::pick() const
{
    std::string database;
    {
        PgConnection db(m_config.pgConninfo);
        database = LoadAgent::databaseIdentity(db);
    }
    std::vector<AgentInfo> alive;
    for (auto &a : LoadAgent::list(m_config.redisUrl))
        if (a.heartbeatAgeMs >= 0 && a.state != "stopping")
            alive.push_back(std::move(a));
    std::vector<AgentInfo> chosen;
    if (m_selection == "all") {
        chosen = alive;
    } else if (!m_selection.empty() && std::all_of(m_selection.begin(), m_selection.end(), ::isdigit)) {
        const std::size_t wanted = std::stoul(m_selection.substr(0, 6));
        if (wanted == 0)
            throw InvalidInput("--agents 0: give all, a count from 1, or agent names separated by commas");
        if (alive.size() < wanted)
            throw InvalidInput(
                "--agents " + m_selection + ": only " + std::to_string(alive.size()) +
                " agents are alive; start more with 'inventory-console agent' or ask for fewer");
        chosen.assign(alive.begin(), alive.begin() + static_cast<std::ptrdiff_t>(wanted));
    } else {
        for (const auto &name : splitNames(m_selection)) {
            const auto it =
                std::find_if(alive.begin(), alive.end(), [&](const AgentInfo &a) { return a.name == name; });
            if (it == alive.end())
                throw InvalidInput(
                    "no agent named '" + name +
                    "' is alive (its heartbeat expired or it never started): 'inventory-console "
                    "agent --list' shows the agents");
            chosen.push_back(*it);
        }
    }
    if (chosen.empty())
        throw InvalidInput(
            "no load agent is alive: start some with 'inventory-console agent --name NAME' on the "
            "load machines, with the same --pg and --redis");
    for (const auto &a : chosen) {
        if (a.version != m_version)
            throw InvalidInput("agent '" + a.name + "' on " + a.host + " runs version " + a.version +
                               ", this console " + m_version +
                               ": install the same version on every load machine");
        if (a.database != database)
            throw InvalidInput("agent '" + a.name + "' on " + a.host + " writes to database " + a.database +
                               ", this console to " + database +
                               ": start it with the same --pg as the coordinator");
    }
    return chosen;
}

AgentsSnapshot AgentCoordinator::snapshot() const
{
    std::lock_guard lock(m_mergeMutex);
    return m_merge ? m_merge->snapshot() : AgentsSnapshot{};
}

SimulationReport AgentCoordinator::run(const Tick &tick, const Say &say)
{
    auto tell = [&](const std::string &text) {
        if (say)
            say(text);
    };
    if (m_config.scenario == ScenarioKind::Stampede)
        throw InvalidInput("simulate --agents runs flash-sale and mixed; run a stampede in one process");
    m_config.sku.clear();
    m_config.validate();
    const std::vector<AgentInfo> agents = pick();

    // Shares: servers dealt round robin, buyers in proportion to servers.
    const int servers = std::max(m_config.servers, static_cast<int>(agents.size()));
    std::vector<AgentShare> shares;
    int buyersLeft = m_config.buyers;
    for (std::size_t i = 0; i < agents.size(); ++i) {
        AgentShare share{agents[i].name,
                         servers / static_cast<int>(agents.size()) +
                             (static_cast<int>(i) < servers % static_cast<int>(agents.size()) ? 1 : 0),
                         0};
        share.buyers =
            i + 1 == agents.size()
                ? buyersLeft
                : static_cast<int>(static_cast<long long>(m_config.buyers) * share.servers / servers);
        share.rate = m_config.rate * share.servers / servers;
        buyersLeft -= share.buyers;
        shares.push_back(share);
    }

    const std::string runId = m_config.runId.empty() ? SimulationSpace::newRunId() : m_config.runId;
    tell("preparing the run's space sim_" + runId);
    SimulationSpace space(m_config.pgConninfo, m_config.redisUrl, runId);
    space.open();
    if (m_config.keep)
        space.keep();
    // The run's products: one for a flash sale, `products` for mixed load (named as every agent's
    // Simulation names them, so that they all find the same rows).
    const bool flash = m_config.scenario == ScenarioKind::FlashSale;
    const std::string sku = flash ? "AGENTS-" + runId : std::string();
    std::vector<std::string> skus;
    if (flash) {
        skus.push_back(sku);
    } else {
        char name[16];
        for (int k = 1; k <= m_config.products; ++k) {
            std::snprintf(name, sizeof name, "%06d", k);
            skus.push_back("SIM-" + runId + "-" + name);
        }
    }
    PgConnection db(m_config.pgConninfo, space.schema());
    db.exec("INSERT INTO inventory (sku, name, stock, version, updated_at) "
            "SELECT s, 'Agent run product', $2, 1, clock_timestamp() FROM unnest($1::text[]) AS s",
            {pgTextArray(skus), std::to_string(m_config.stock)});

    const RedisUrl url = RedisUrl::parse(m_config.redisUrl);
    RedisConnection redis(url,
                          RedisTimeouts{std::chrono::milliseconds(1000), std::chrono::milliseconds(3000)});
    const RedisClock clock = RedisClock::measure(redis);
    AgentRunCommand command;
    command.runId = runId;
    command.sku = sku;
    command.config = m_config;
    command.shares = shares;
    command.startAtUs =
        clock.nowUs() + std::chrono::duration_cast<std::chrono::microseconds>(kLeadTime).count();
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    command.coordinator = std::string(host) + ":" + std::to_string(getpid());
    const std::string stream = AgentKeys::metrics(runId);
    redis.command({"DEL", stream});
    redis.command(
        {"XADD", AgentKeys::kControl, "MAXLEN", "~", "1000", "*", "r", AgentProtocol::encode(command)});
    const auto commandAt = std::chrono::steady_clock::now();
    tell("sent the run to " + std::to_string(agents.size()) + " agents; the load starts in " +
         std::to_string(kLeadTime.count()) + " ms");

    const int answers =
        flash ? m_config.buyers : static_cast<int>(std::min(2e9, m_config.rate * m_config.durationSeconds));
    auto merge = std::make_shared<AgentMerge>(agents, shares, command.startAtUs, answers);
    {
        std::lock_guard lock(m_mergeMutex);
        m_merge = merge;
    }
    SimulationReport report;
    report.config = m_config;
    report.config.servers = servers;
    report.config.runId = runId;
    report.sharedSku = true;
    std::string lastId = "0-0";
    double mergeUs = 0;
    long long merged = 0;
    auto nextAliveCheck = std::chrono::steady_clock::now();
    while (!merge->waitingFor().empty() && !m_stop.load()) {
        RedisReply got = redis.command({"XREAD", "COUNT", "200", "BLOCK", "250", "STREAMS", stream, lastId});
        const redisReply *r = got.get();
        const long long nowUs = clock.nowUs();
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
            const redisReply *entries = r->element[0]->element[1];
            for (std::size_t i = 0; i < entries->elements; ++i) {
                const redisReply *entry = entries->element[i];
                lastId.assign(entry->element[0]->str, entry->element[0]->len);
                const auto began = std::chrono::steady_clock::now();
                const std::string body = fieldR(entry->element[1]);
                try {
                    const AgentRecord record = AgentProtocol::decodeRecord(body);
                    if (!merge->add(record, nowUs, body.size()))
                        ++report.rejectedRecords;
                    if (record.kind == AgentRecord::Kind::Window) {
                        const double us = std::chrono::duration<double, std::micro>(
                                              std::chrono::steady_clock::now() - began)
                                              .count();
                        mergeUs += us;
                        report.mergeUsMax = std::max(report.mergeUsMax, us);
                        ++merged;
                    }
                } catch (const InvalidInput &) {
                    ++report.rejectedRecords;
                }
            }
        }
        // Windows more than a second old are complete from every agent still up: draw them.
        merge->draw((nowUs - command.startAtUs) / AgentMerge::kWindowUs - 4, tick);
        if (std::chrono::steady_clock::now() < nextAliveCheck)
            continue;
        nextAliveCheck = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
        for (const auto &name : merge->waitingFor()) {
            if (redis.command({"PTTL", AgentKeys::alive(name)}).integer() <= 0) {
                merge->giveUp(name, "lost", "its heartbeat expired during the run");
                tell("agent '" + name + "' is lost: its heartbeat expired; the run goes on without it");
            } else if (!merge->started(name) && std::chrono::steady_clock::now() - commandAt > kStartWithin) {
                merge->giveUp(name, "never-started",
                              "it did not start within " + std::to_string(kStartWithin.count()) + " s");
            }
        }
    }
    merge->draw(std::numeric_limits<long long>::max(), tick);
    merge->finish();
    try {
        // Read to the end: the records are in the report now.
        redis.command({"DEL", stream});
    } catch (const CacheError &) {
    }
    report.stoppedEarly = m_stop.load();
    report.mergeUsPerWindow = merged > 0 ? mergeUs / static_cast<double>(merged) : 0;
    if (!merge->anyStarted()) {
        std::string why;
        for (const auto &a : merge->outcomes())
            why += (why.empty() ? "" : "; ") + a.name + ": " + a.state +
                   (a.message.empty() ? "" : " (" + a.message + ")");
        throw Error("no agent ran its share of run " + runId + " (" + why +
                    "); check the agents' output, and that they reach the same PostgreSQL and Redis");
    }

    tell("checking the books against the database and the cache");
    report.timeline = merge->snapshot().total;
    const AgentMerge::Counts counts = merge->counts();
    for (auto outcome : merge->outcomes()) {
        const std::string prefix = merge->prefix(outcome.name);
        if (!prefix.empty())
            outcome.auditRows =
                db.exec("SELECT count(*) FROM inventory_audit WHERE starts_with(server_id, $1)", {prefix})
                    .int64(0, 0);
        report.agents.push_back(std::move(outcome));
    }
    report.successes = counts.successes;
    report.rejections = counts.rejections;
    report.errors = counts.errors;
    report.dropped = counts.dropped;
    report.read = SimulationMonitor::summarize(counts.latency[static_cast<std::size_t>(OperationKind::Read)]);
    HistogramCounts writes = counts.latency[static_cast<std::size_t>(OperationKind::Purchase)];
    writes.add(counts.latency[static_cast<std::size_t>(OperationKind::Restock)]);
    report.write = SimulationMonitor::summarize(writes);
    report.requests = report.read.count + report.write.count;
    report.durationSeconds =
        std::max(1e-3, static_cast<double>(merge->lastEndUs() - command.startAtUs) / 1e6);
    report.throughputRps = static_cast<double>(report.requests - report.dropped) / report.durationSeconds;
    report.cacheHitRate =
        counts.reads > 0 ? static_cast<double>(counts.hits) / static_cast<double>(counts.reads) : 0;
    report.lockBusy = counts.lockBusy;

    const AgentBooks books = AgentBooks::check(db, redis, space.keyPrefix(), skus, m_config.stock);
    report.initialStock = books.initialStock;
    report.finalDbStock = books.finalStock;
    report.auditRows = books.auditRows;
    report.oversold = books.oversold;
    report.ledgerBrokenLinks = books.brokenLinks;
    report.finalCacheStock = books.cachedStock;
    report.divergentKeysAtEnd = books.divergentKeys;
    if (!books.divergentKeys)
        report.notes.push_back("divergent keys unknown: the cache could not be read at the end of the run");
    // Every acknowledged write has its row, and every row of an agent that finished was acknowledged;
    // a lost agent's rows are counted from the database, as nobody can know what it acknowledged.
    bool agentsAgree = true;
    long long expectedRows = 0;
    for (const auto &a : report.agents) {
        if (a.state == "finished") {
            expectedRows += a.successes;
            agentsAgree = agentsAgree && a.auditRows == a.successes;
        } else {
            expectedRows += a.auditRows;
        }
    }
    report.ledgerOk = books.balances() && report.auditRows == expectedRows && agentsAgree;
    const CrossAgentCheck::Result cross = merge->crossCheck();
    report.staleReads = cross.stale;
    report.staleReadsUndecided = cross.undecided;
    report.notes.push_back(
        "stale reads checked across agents on the Redis clock: " + std::to_string(cross.checkedReads) +
        " reads, " + std::to_string(cross.stale) + " stale, " + std::to_string(cross.undecided) +
        " undecided (within the clocks' uncertainty of a newer write)" +
        (merge->unlogged() ? ", " + std::to_string(merge->unlogged()) + " observations not sent"
                           : std::string()));
    for (const auto &a : report.agents)
        if (a.state != "finished")
            report.notes.push_back(
                "agent '" + a.name + "' " + a.state + (a.message.empty() ? "" : ": " + a.message) + "; its " +
                std::to_string(a.auditRows) + " audit rows are reconciled from the database");
    if (report.rejectedRecords)
        report.notes.push_back(std::to_string(report.rejectedRecords) +
                               " agent records were malformed or out of "
                               "order and were skipped");
    if (report.stoppedEarly)
        report.notes.push_back("stopped before the load was done: partial results, no verdict");
    report.evaluateSlos();
    return report;
}

} // namespace inv
