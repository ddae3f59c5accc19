#include "agents/agentcoordinator.h"

#include "agents/loadagent.h"
#include "agents/redisclock.h"
#include "cache/stockcache.h"
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
constexpr long long kWindowUs = 250'000;

struct Slot
{
    std::array<HistogramCounts, kOperationKinds> latency;
    long long successes = 0, rejections = 0, errors = 0, dropped = 0, reads = 0, hits = 0, lockBusy = 0;
};

struct Book
{
    AgentInfo info;
    AgentShare share;
    AgentOutcome outcome;
    std::array<HistogramCounts, kOperationKinds> latency;
    std::string prefix;
    long long lastSeq = -1;
    bool started = false;
    bool done = false;
};

std::string newRunId()
{
    std::random_device device;
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%08x", device());
    return buffer;
}

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

TimelinePoint pointFor(double t, const Slot &slot)
{
    const double seconds = kWindowUs / 1e6;
    HistogramCounts writes = slot.latency[static_cast<std::size_t>(OperationKind::Purchase)];
    writes.add(slot.latency[static_cast<std::size_t>(OperationKind::Restock)]);
    const HistogramCounts &reads = slot.latency[static_cast<std::size_t>(OperationKind::Read)];
    TimelinePoint p;
    p.t = t;
    p.rps = std::max(0.0, static_cast<double>(reads.count() + writes.count()) -
                              static_cast<double>(slot.dropped)) /
            seconds;
    p.okPerSecond = static_cast<double>(slot.successes) / seconds;
    p.rejectedPerSecond = static_cast<double>(slot.rejections) / seconds;
    p.errorsPerSecond = static_cast<double>(slot.errors) / seconds;
    p.readP50Ms = reads.percentileMs(0.5);
    p.readP95Ms = reads.percentileMs(0.95);
    p.readP99Ms = reads.percentileMs(0.99);
    p.writeP50Ms = writes.percentileMs(0.5);
    p.writeP95Ms = writes.percentileMs(0.95);
    p.writeP99Ms = writes.percentileMs(0.99);
    p.hitRate = slot.reads > 0 ? static_cast<double>(slot.hits) / static_cast<double>(slot.reads) : 0;
    p.lockBusyPerSecond = static_cast<double>(slot.lockBusy) / seconds;
    return p;
}

// Each audit row's stock_before is the previous row's stock_after and versions rise by one; the
// last row matches the product. Returns the number of broken links.
long long brokenLinks(PgConnection &db, const std::string &sku)
{
    return db
        .exec(R"sql(
        WITH chain AS (
            SELECT version, stock_before, stock_after,
                   lag(stock_after) OVER (ORDER BY version) AS previous_after,
                   lag(version) OVER (ORDER BY version) AS previous_version
            FROM inventory_audit WHERE sku = $1)
        SELECT (SELECT count(*) FROM chain
                WHERE previous_version IS NOT NULL
                  AND (stock_before <> previous_after OR version <> previous_version + 1))
             + (SELECT count(*) FROM inventory i
                WHERE i.sku = $1 AND EXISTS (SELECT 1 FROM chain) AND NOT EXISTS (
                    SELECT 1 FROM chain c WHERE c.version = i.version AND c.stock_after = i.stock)))sql",
              {sku})
        .int64(0, 0);
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

SimulationReport AgentCoordinator::run(const Tick &tick, const Say &say)
{
    auto tell = [&](const std::string &text) {
        if (say)
            say(text);
    };
    if (m_config.scenario != ScenarioKind::FlashSale)
        throw InvalidInput(
            "simulate --agents runs the flash-sale scenario; run mixed and stampede in one process");
    m_config.sku.clear();
    m_config.validate();
    const std::vector<AgentInfo> agents = pick();

    // Shares: servers dealt round robin, buyers in proportion to servers.
    const int servers = std::max(m_config.servers, static_cast<int>(agents.size()));
    std::map<std::string, Book> books;
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
        buyersLeft -= share.buyers;
        shares.push_back(share);
        Book &book = books[agents[i].name];
        book.info = agents[i];
        book.share = share;
        book.outcome.name = agents[i].name;
        book.outcome.host = agents[i].host;
        book.outcome.servers = share.servers;
        book.outcome.state = "never-started";
    }

    const std::string runId = m_config.runId.empty() ? newRunId() : m_config.runId;
    tell("preparing the run's space sim_" + runId);
    SimulationSpace space(m_config.pgConninfo, m_config.redisUrl, runId);
    space.open();
    if (m_config.keep)
        space.keep();
    const std::string sku = "AGENTS-" + runId;
    PgConnection db(m_config.pgConninfo, space.schema());
    db.exec("INSERT INTO inventory (sku, name, stock, version, updated_at) VALUES ($1, 'Agent flash sale', "
            "$2, 1, "
            "clock_timestamp())",
            {sku, std::to_string(m_config.stock)});

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

    SimulationReport report;
    report.config = m_config;
    report.config.servers = servers;
    report.config.runId = runId;
    report.sharedSku = true;
    std::map<long long, Slot> slots;
    long long emittedUpTo = -1;
    long long answered = 0;
    long long lastEndUs = command.startAtUs;
    std::string lastId = "0-0";
    auto nextAliveCheck = std::chrono::steady_clock::now();
    auto emit = [&](long long upTo) {
        for (auto it = slots.upper_bound(emittedUpTo); it != slots.end() && it->first <= upTo; ++it) {
            const TimelinePoint p =
                pointFor(static_cast<double>(it->first + 1) * kWindowUs / 1e6, it->second);
            report.timeline.push_back(p);
            if (tick)
                tick(p, std::min(1.0, static_cast<double>(answered) / std::max(1, m_config.buyers)));
            emittedUpTo = it->first;
        }
    };
    auto allDone = [&] {
        return std::all_of(books.begin(), books.end(), [](const auto &b) { return b.second.done; });
    };
    while (!allDone() && !m_stop.load()) {
        RedisReply got = redis.command({"XREAD", "COUNT", "200", "BLOCK", "250", "STREAMS", stream, lastId});
        const redisReply *r = got.get();
        const long long nowUs = clock.nowUs();
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
            const redisReply *entries = r->element[0]->element[1];
            for (std::size_t i = 0; i < entries->elements; ++i) {
                const redisReply *entry = entries->element[i];
                lastId.assign(entry->element[0]->str, entry->element[0]->len);
                AgentRecord record;
                try {
                    record = AgentProtocol::decodeRecord(fieldR(entry->element[1]));
                } catch (const InvalidInput &) {
                    ++report.rejectedRecords;
                    continue;
                }
                auto found = books.find(record.agent);
                if (found == books.end() || found->second.done || record.seq <= found->second.lastSeq) {
                    ++report.rejectedRecords;
                    continue;
                }
                Book &book = found->second;
                book.lastSeq = record.seq;
                switch (record.kind) {
                case AgentRecord::Kind::Started:
                    book.started = true;
                    book.prefix = record.serverPrefix;
                    book.outcome.state = "running";
                    book.outcome.clockUncertaintyMs =
                        static_cast<double>(record.offsetUncertaintyUs) / 1000.0;
                    break;
                case AgentRecord::Kind::Window: {
                    ++book.outcome.windows;
                    book.outcome.windowLagMs = std::max(book.outcome.windowLagMs,
                                                        static_cast<double>(nowUs - record.endUs) / 1000.0);
                    Slot &slot = slots[std::max(0LL, (record.beginUs - command.startAtUs + kWindowUs / 2) /
                                                         kWindowUs)];
                    for (std::size_t k = 0; k < slot.latency.size(); ++k) {
                        slot.latency[k].add(record.latency[k]);
                        book.latency[k].add(record.latency[k]);
                    }
                    slot.successes += record.successes;
                    slot.rejections += record.rejections;
                    slot.errors += record.errors;
                    slot.dropped += record.dropped;
                    slot.reads += record.reads;
                    slot.hits += record.hits;
                    slot.lockBusy += record.lockBusy;
                    answered += record.successes + record.rejections + record.errors;
                    break;
                }
                case AgentRecord::Kind::Finished:
                    book.done = true;
                    book.outcome.state = "finished";
                    book.outcome.successes = record.successes;
                    book.outcome.errors = record.errors;
                    report.successes += record.successes;
                    report.rejections += record.rejections;
                    report.errors += record.errors;
                    report.dropped += record.dropped;
                    lastEndUs = std::max(lastEndUs, record.endUs);
                    break;
                case AgentRecord::Kind::Failed:
                    book.done = true;
                    book.outcome.state = "failed";
                    book.outcome.message = record.message;
                    break;
                }
            }
        }
        // Windows more than a second old are complete from every agent still up: draw them.
        emit((nowUs - command.startAtUs) / kWindowUs - 4);
        if (std::chrono::steady_clock::now() >= nextAliveCheck) {
            nextAliveCheck = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
            for (auto &[name, book] : books) {
                if (book.done)
                    continue;
                if (redis.command({"PTTL", AgentKeys::alive(name)}).integer() <= 0) {
                    book.done = true;
                    book.outcome.state = "lost";
                    book.outcome.message = "its heartbeat expired during the run";
                    tell("agent '" + name + "' is lost: its heartbeat expired; the run goes on without it");
                } else if (!book.started && std::chrono::steady_clock::now() - commandAt > kStartWithin) {
                    book.done = true;
                    book.outcome.state = "never-started";
                    book.outcome.message =
                        "it did not start within " + std::to_string(kStartWithin.count()) + " s";
                }
            }
        }
    }
    emit(std::numeric_limits<long long>::max());
    report.stoppedEarly = m_stop.load();
    if (std::none_of(books.begin(), books.end(), [](const auto &b) { return b.second.started; })) {
        std::string why;
        for (const auto &[name, book] : books)
            why += (why.empty() ? "" : "; ") + name + ": " + book.outcome.state +
                   (book.outcome.message.empty() ? "" : " (" + book.outcome.message + ")");
        throw Error("no agent ran its share of run " + runId + " (" + why +
                    "); check the agents' output, and that they reach the same PostgreSQL and Redis");
    }

    tell("checking the books against the database and the cache");
    std::array<HistogramCounts, kOperationKinds> totals;
    for (auto &[name, book] : books) {
        for (std::size_t k = 0; k < totals.size(); ++k)
            totals[k].add(book.latency[k]);
        HistogramCounts all = book.latency[0];
        all.add(book.latency[1]);
        all.add(book.latency[2]);
        book.outcome.requests = static_cast<long long>(all.count());
        book.outcome.p99Ms = all.percentileMs(0.99);
        if (!book.prefix.empty())
            book.outcome.auditRows =
                db.exec("SELECT count(*) FROM inventory_audit WHERE starts_with(server_id, $1)",
                        {book.prefix})
                    .int64(0, 0);
        report.agents.push_back(book.outcome);
    }
    report.read = SimulationMonitor::summarize(totals[static_cast<std::size_t>(OperationKind::Read)]);
    HistogramCounts writes = totals[static_cast<std::size_t>(OperationKind::Purchase)];
    writes.add(totals[static_cast<std::size_t>(OperationKind::Restock)]);
    report.write = SimulationMonitor::summarize(writes);
    report.requests = report.read.count + report.write.count;
    report.durationSeconds = std::max(1e-3, static_cast<double>(lastEndUs - command.startAtUs) / 1e6);
    report.throughputRps = static_cast<double>(report.requests - report.dropped) / report.durationSeconds;
    long long reads = 0, hits = 0;
    for (const auto &[index, slot] : slots) {
        reads += slot.reads;
        hits += slot.hits;
        report.lockBusy += slot.lockBusy;
    }
    report.cacheHitRate = reads > 0 ? static_cast<double>(hits) / static_cast<double>(reads) : 0;

    const auto row = db.exec("SELECT stock, version FROM inventory WHERE sku = $1", {sku});
    const auto audit =
        db.exec("SELECT count(*), coalesce(sum(quantity) FILTER (WHERE action = 'purchase'), 0) "
                "FROM inventory_audit WHERE sku = $1",
                {sku});
    report.initialStock = m_config.stock;
    report.finalDbStock = row.int32(0, 0);
    report.auditRows = audit.int64(0, 0);
    const long long purchased = audit.int64(0, 1);
    report.oversold = std::max(0LL, purchased - m_config.stock);
    report.ledgerBrokenLinks = brokenLinks(db, sku);
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
    report.ledgerOk = report.initialStock - purchased == report.finalDbStock &&
                      report.ledgerBrokenLinks == 0 && report.auditRows == expectedRows && agentsAgree;
    try {
        RedisReply cached = redis.command({"GET", StockCache::key(sku, space.keyPrefix())});
        report.divergentKeysAtEnd = 0;
        if (cached.isString()) {
            const std::string value = cached.str();
            const auto colon = value.find(':');
            report.finalCacheStock = std::stoll(value.substr(0, colon));
            const bool same = report.finalCacheStock == report.finalDbStock &&
                              std::stoll(value.substr(colon + 1)) == row.int64(0, 1);
            report.divergentKeysAtEnd = same ? 0 : 1;
        }
    } catch (const std::exception &) {
        report.notes.push_back("divergent keys unknown: the cache could not be read at the end of the run");
    }
    for (const auto &a : report.agents)
        if (a.state != "finished")
            report.notes.push_back(
                "agent '" + a.name + "' " + a.state + (a.message.empty() ? "" : ": " + a.message) + "; its " +
                std::to_string(a.auditRows) + " audit rows are reconciled from the database");
    if (report.rejectedRecords)
        report.notes.push_back(std::to_string(report.rejectedRecords) +
                               " agent records were malformed or out of "
                               "order and were skipped");
    report.notes.push_back("stale reads are counted within each agent, not across agents");
    if (report.stoppedEarly)
        report.notes.push_back("stopped before the load was done: partial results, no verdict");
    report.evaluateSlos();
    return report;
}

} // namespace inv
