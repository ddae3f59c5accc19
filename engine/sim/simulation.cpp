#include "sim/simulation.h"

#include "errors.h"
#include "inventory/inventoryservice.h"
#include "sim/hostloadsampler.h"
#include "sim/nearcachetally.h"
#include "sim/nemesis.h"
#include "sim/scenario.h"
#include "sim/simulationspace.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>
#include <unistd.h>

namespace inv {

namespace {
double peakRssMb()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

// The run's connection string with an application_name that names the run in pg_stat_activity, so
// that pg-terminate ends exactly its backends.
std::string withApplicationName(const std::string &conninfo, const std::string &name)
{
    const bool uri = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
    if (uri)
        return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + "application_name=" + name;
    return conninfo + (conninfo.empty() ? "" : " ") + "application_name=" + name;
}

// After a Redis fault the servers read from PostgreSQL until Redis has answered for a grace period
// and the repair marks are applied; the end checks wait for that (a bounded while), so that a key
// written during the outage is judged as it is left, not as it was mid-repair. The same after a
// PostgreSQL fault that left writes in doubt: each one settled by a replay left a mark.
void awaitTrustedCaches(std::vector<std::unique_ptr<InventoryService>> &servers)
{
    std::vector<long long> passes;
    for (auto &s : servers)
        passes.push_back(s->cacheRepairs().passes());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
        bool settled = true;
        for (std::size_t i = 0; i < servers.size(); ++i)
            settled = servers[i]->cacheRepairs().cacheTrusted() &&
                      servers[i]->cacheRepairs().passes() > passes[i] && settled;
        if (settled)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// Publishes a run's monitor (to snapshot()) or nemesis (to fireFault()) for the lifetime of this guard.
template <typename T> class Publication
{
public:
    Publication(std::mutex &mutex, T *&slot, T &published) : m_mutex(mutex), m_slot(slot)
    {
        std::lock_guard lock(m_mutex);
        m_slot = &published;
    }
    ~Publication()
    {
        std::lock_guard lock(m_mutex);
        m_slot = nullptr;
    }
    Publication(const Publication &) = delete;
    Publication &operator=(const Publication &) = delete;

private:
    std::mutex &m_mutex;
    T *&m_slot;
};
} // namespace

Simulation::Simulation(SimulationConfig config)
    : m_config(std::move(config)),
      m_runId(m_config.runId.empty() ? SimulationSpace::newRunId() : m_config.runId),
      m_processToken(SimulationSpace::newRunId())
{}

Simulation::~Simulation() = default;

std::string Simulation::serverIdPrefix() const
{
    // Processes sharing a run id tell their audit rows apart by this process's own token.
    return "sim-" + m_runId + "-" + m_processToken + "-";
}

void Simulation::fireFault(const FaultSpec &fault)
{
    std::lock_guard lock(m_monitorMutex);
    if (!m_nemesis)
        throw InvalidInput("no simulation is running: start one, then fire the fault while it runs");
    m_nemesis->fire(fault);
}

SimulationSnapshot Simulation::snapshot() const
{
    std::lock_guard lock(m_monitorMutex);
    return m_monitor ? m_monitor->snapshot() : SimulationSnapshot{};
}

std::vector<std::string> Simulation::createProducts(InventoryService &admin, int keys,
                                                    std::vector<long long> &initial,
                                                    std::vector<std::int64_t> &initialVersion)
{
    std::vector<std::string> skus;
    if (!m_config.sku.empty()) {
        // Created in the run's space unless a process sharing the space made it first.
        admin.pgPool().acquire()->exec("INSERT INTO inventory (sku, name, stock, version, updated_at) VALUES "
                                       "($1, 'Shared product', $2, 1, "
                                       "clock_timestamp()) ON CONFLICT (sku) DO NOTHING",
                                       {m_config.sku, std::to_string(m_config.stock)});
        auto record = admin.databaseStock(m_config.sku);
        if (!record)
            throw UnknownSku(m_config.sku);
        initial.push_back(record->stock);
        initialVersion.push_back(record->version);
        skus.push_back(m_config.sku);
        return skus;
    }
    auto connection = admin.pgPool().acquire();
    const std::string prefix = "SIM-" + m_runId + "-";
    if (m_config.sharedProducts) {
        // The run's products, made by whichever process of the run comes first; the stock each
        // starts with is read back, before any process starts its load.
        connection->exec(
            "INSERT INTO inventory (sku, name, stock, version, updated_at) "
            "SELECT $1 || lpad(g::text, 6, '0'), 'Simulated product ' || g, $3, 1, clock_timestamp() "
            "FROM generate_series(1, $2::int) AS g ON CONFLICT (sku) DO NOTHING",
            {prefix, std::to_string(keys), std::to_string(m_config.stock)});
        auto rows = connection->exec("SELECT sku, stock, version FROM inventory WHERE starts_with(sku, $1) "
                                     "ORDER BY sku LIMIT $2",
                                     {prefix, std::to_string(keys)});
        for (int r = 0; r < rows.rows(); ++r) {
            skus.push_back(rows.text(r, 0));
            initial.push_back(rows.int32(r, 1));
            initialVersion.push_back(rows.int64(r, 2));
        }
        return skus;
    }
    connection->exec(
        "INSERT INTO inventory (sku, name, stock, version, updated_at) "
        "SELECT $1 || lpad(g::text, 6, '0'), 'Simulated product ' || g, $3, 1, clock_timestamp() "
        "FROM generate_series(1, $2::int) AS g",
        {prefix, std::to_string(keys), std::to_string(m_config.stock)});
    char buffer[16];
    for (int k = 1; k <= keys; ++k) {
        std::snprintf(buffer, sizeof buffer, "%06d", k);
        skus.push_back(prefix + buffer);
        initial.push_back(m_config.stock);
        initialVersion.push_back(1);
    }
    return skus;
}

SimulationReport Simulation::run(const Tick &tick, const Phase &phase)
{
    m_config.validate();
    const NemesisTargets faultTargets{m_config.pgConninfo, "inventory-sim-" + m_runId,
                                      m_config.faultPgConninfo, m_config.redisUrl, m_config.sandboxDir};
    Nemesis::check(m_config.faults, faultTargets);
    auto say = [&](const std::string &text) {
        if (phase)
            phase(text);
    };
    auto scenario = Scenario::create(m_config.scenario);
    const int keys = scenario->keyCount(m_config);

    // Dead runs' spaces first, then this run's own: nothing below touches the operator's data.
    say("preparing the run's own space sim_" + m_runId);
    try {
        SimulationSpace::cleanup(m_config.pgConninfo, m_config.redisUrl, false);
    } catch (const CacheError &) {
        // Redis down: the keys stay until a later cleanup; the run fails open as usual.
    }
    SimulationSpace space(m_config.pgConninfo, m_config.redisUrl, m_runId);
    space.open();
    if (m_config.keep)
        space.keep();

    say("starting " + std::to_string(m_config.servers) + " virtual app servers");
    std::vector<std::unique_ptr<InventoryService>> servers;
    for (int i = 0; i < m_config.servers; ++i) {
        ServiceConfig service;
        service.pgConninfo = m_config.faults.empty() && !m_config.faultsOnDemand
                                 ? m_config.pgConninfo
                                 : withApplicationName(m_config.pgConninfo, faultTargets.applicationName);
        service.redisUrl = m_config.redisUrl;
        service.strategy = m_config.strategy;
        service.serverId = serverIdPrefix() + std::to_string(i + 1);
        service.actor = "sim:" + m_runId + "/" + service.serverId;
        service.pgSchema = space.schema();
        service.keyPrefix = space.keyPrefix();
        // On the event loop, the server's connections are the loop's (ServerLoop); its pools serve only
        // the set-up, the warm-up and the repair marks.
        const bool loop = m_config.clientUsed() == ClientKind::Loop;
        service.pgConnections = loop ? 1 : m_config.connectionsOf(i);
        service.redisConnections = loop ? 2 : m_config.connectionsOf(i);
        service.cacheTtl = m_config.ttl;
        service.raceDelay = m_config.raceDelay;
        service.combiner = CombinerSettings{m_config.combineMax, m_config.combineWait};
        service.nearCache = m_config.nearCache;
        servers.push_back(std::make_unique<InventoryService>(service));
    }
    {
        std::vector<std::jthread> openers;
        for (auto &server : servers)
            openers.emplace_back([&server] { server->warmUp(); });
    }

    say(m_config.sku.empty() ? "creating " + std::to_string(keys) + " fresh products"
                             : "using SKU " + m_config.sku);
    std::vector<long long> initial;
    std::vector<std::int64_t> initialVersion;
    auto skus = createProducts(*servers.front(), keys, initial, initialVersion);
    ConsistencyChecker checker(skus, initial, initialVersion, space.keyPrefix());
    VisibilityProbe probe(RedisUrl::parse(m_config.redisUrl), space.keyPrefix());

    const int workers = m_config.scenario == ScenarioKind::Stampede
                            ? std::max(m_config.connectionCount(), m_config.readers)
                            : m_config.connectionCount();
    SimulationContext context(m_config, servers, checker, probe, m_stop.get_token(), workers,
                              serverIdPrefix());
    context.setObservationLog(m_observations);

    if (m_config.scenario == ScenarioKind::Mixed && m_config.warm && m_config.readRatio > 0) {
        say("warming the cache");
        std::atomic<int> next{0};
        std::vector<std::jthread> warmers;
        for (int w = 0; w < std::min(workers, 16); ++w)
            warmers.emplace_back([&, w] {
                for (int k = next.fetch_add(1); k < keys; k = next.fetch_add(1)) {
                    try {
                        servers[static_cast<std::size_t>(w) % servers.size()]->getStock(
                            skus[static_cast<std::size_t>(k)]);
                    } catch (const Error &) {
                    }
                }
            });
    }

    // The report covers the measured run only: the counters start from here, after the warm-up.
    long long hitsBefore = 0, readsBefore = 0, fillsBefore = 0;
    long long lockAcquiredBefore = 0, lockBusyBefore = 0, lockExpiredBefore = 0;
    for (auto &s : servers) {
        hitsBefore += s->stats().cacheHits.load();
        readsBefore += s->stats().reads.load();
        fillsBefore += s->stats().dbFills.load();
        lockAcquiredBefore += s->lockStats().acquired.load();
        lockBusyBefore += s->lockStats().busy.load();
        lockExpiredBefore += s->lockStats().expiredWhileHeld.load();
    }

    const NearCacheTally nearCacheTally(servers);
    PgPool monitorDb(m_config.pgConninfo, 1, std::chrono::seconds(10), space.schema());
    RedisPool monitorCache(RedisUrl::parse(m_config.redisUrl), 1);
    Nemesis nemesis(m_config.faults, faultTargets, [&context](std::string label, SimClock::time_point at) {
        context.addEvent(std::move(label), at);
    });
    SimulationMonitor monitor(context, *scenario, checker, scenario->hotKeys(m_config), monitorDb,
                              monitorCache, tick);
    // Whatever leaves this scope, a throw included, unpublishes the monitor before it is destroyed.
    Publication published(m_monitorMutex, m_monitor, monitor);
    Publication faultsTaken(m_monitorMutex, m_nemesis, nemesis);
    // Declared after everything the loops' callbacks touch, so destroyed first: a timer that fires
    // late (a ping to a paused Redis giving up) finds its server still there.
    struct Release
    {
        Scenario &scenario;
        ~Release() { scenario.release(); }
    } released{*scenario};
    if (m_config.clientUsed() == ClientKind::Loop)
        say("opening the event loops' connections");
    scenario->prepare(context);
    if (m_config.loadStartsAt) {
        say("waiting for the load's start time");
        while (SimClock::now() < *m_config.loadStartsAt && !m_stop.stop_requested())
            std::this_thread::sleep_for(std::min<SimClock::duration>(*m_config.loadStartsAt - SimClock::now(),
                                                                     std::chrono::milliseconds(50)));
    }
    say("running " + std::string(SimulationConfig::scenarioName(m_config.scenario)));
    const auto started = SimClock::now();
    HostLoadSampler hostLoad;
    monitor.setNemesis(&nemesis);
    monitor.setWindowSink(m_sink);
    monitor.start();
    nemesis.start(monitor.started(), m_config.faultsOnDemand);
    scenario->run(context);
    const double seconds = std::chrono::duration<double>(SimClock::now() - started).count();
    if (nemesis.running()) {
        say("ending the faults");
        nemesis.finish();
        // A Redis fault, and also a write settled after its connection died (its first attempt's
        // cache update is unknown, so it left a repair mark), leave marks for the next pass.
        const bool marksOwed = std::any_of(servers.begin(), servers.end(), [](auto &s) {
            return s->cacheRepairs().distrusting() || s->cacheRepairs().pendingMarks() > 0;
        });
        if (nemesis.touchesRedis() || context.inDoubt() > 0 || marksOwed) {
            say("waiting for the caches to be trusted again");
            awaitTrustedCaches(servers);
        }
    }
    context.addEvent(m_stop.stop_requested() ? "stopped" : "checking");
    monitor.stop();

    say("checking the books against the database and the cache");
    SimulationReport report;
    report.config = m_config;
    report.sharedSku = !m_config.sku.empty() || m_config.sharedProducts;
    report.stoppedEarly = m_stop.stop_requested();
    report.durationSeconds = seconds;
    for (const auto &w : context.workers()) {
        report.successes += static_cast<long long>(w.successes());
        report.rejections += static_cast<long long>(w.rejections());
        report.errors += static_cast<long long>(w.errors());
        report.dropped += static_cast<long long>(w.dropped());
    }
    report.read = SimulationMonitor::summarize(monitor.readTotals());
    report.write = SimulationMonitor::summarize(monitor.writeTotals());
    report.requests = report.read.count + report.write.count;
    const double loadSeconds = scenario->loadSeconds() > 0 ? scenario->loadSeconds() : seconds;
    // The histograms hold dropped operations at their lag; the throughput counts only what was served.
    report.throughputRps =
        loadSeconds > 0 ? static_cast<double>(report.requests - report.dropped) / loadSeconds : 0;
    long long hits = -hitsBefore, reads = -readsBefore, fills = -fillsBefore;
    report.lockAcquired = -lockAcquiredBefore;
    report.lockBusy = -lockBusyBefore;
    report.lockExpiredWhileHeld = -lockExpiredBefore;
    for (auto &s : servers) {
        hits += s->stats().cacheHits.load();
        reads += s->stats().reads.load();
        fills += s->stats().dbFills.load();
        report.lockAcquired += s->lockStats().acquired.load();
        report.lockBusy += s->lockStats().busy.load();
        report.lockExpiredWhileHeld += s->lockStats().expiredWhileHeld.load();
        const CombinerStats batches = s->combinerStats();
        report.combining.batches.resize(std::max(report.combining.batches.size(), batches.batches.size()));
        for (std::size_t size = 0; size < batches.batches.size(); ++size)
            report.combining.batches[size] += batches.batches[size];
    }
    report.cacheHitRate = reads > 0 ? static_cast<double>(hits) / static_cast<double>(reads) : 0;
    for (auto &s : servers)
        if (auto why = s->cacheRepairs().failureSince(0); why && report.cacheTrouble.empty())
            report.cacheTrouble = *why;
    report.dbFills = scenario->measuredFills() >= 0 ? scenario->measuredFills() : fills;
    const HistogramCounts lockWaits = monitor.measuredLockWaits();
    report.lockWaitP50 = lockWaits.percentileMs(0.5);
    report.lockWaitP99 = lockWaits.percentileMs(0.99);
    const VisibilityResult visibility = probe.finish();
    report.visibilityProbes = static_cast<long long>(visibility.latency.count());
    report.visibilityP50 = visibility.latency.percentileMs(0.5);
    report.visibilityP99 = visibility.latency.percentileMs(0.99);
    report.visibilityMax = visibility.latency.maxMs();
    report.visibilityNotVisible = visibility.notVisible;
    report.visibilityRegressions = visibility.regressions;
    report.staleReads = checker.staleReads();
    report.nearCache = nearCacheTally.finish(context);

    const LedgerResult ledger = checker.finish(monitorDb, monitorCache, serverIdPrefix(), report.sharedSku);
    report.initialStock = ledger.initialStock;
    report.finalDbStock = ledger.finalDbStock;
    report.finalCacheStock = ledger.finalCacheStock;
    report.auditRows = ledger.auditRows;
    report.oversold = ledger.oversold;
    report.ledgerOk = ledger.ledgerOk;
    report.divergentKeysAtEnd = ledger.divergentKeys;
    report.ledgerBrokenLinks = ledger.brokenLinks;
    if (!ledger.divergentKeys)
        report.notes.push_back("divergent keys unknown: the cache could not be read at the end of the run, "
                               "so the cache was not compared with the database");
    if (ledger.brokenLinks)
        report.notes.push_back(
            std::to_string(ledger.brokenLinks) +
            " broken links in the audit chain: a row's stock_before is not the previous "
            "row's stock_after, or the stock is not the last row's stock_after (lost updates)");
    if (report.stoppedEarly)
        report.notes.push_back("stopped before the load was done: partial results, no verdict");
    report.errorSamples = context.errorSamples();
    report.faults = monitor.faultOutcomes();
    report.inDoubt = context.inDoubt();
    report.inDoubtResolved = context.inDoubtResolved();
    report.inDoubtCommitted = context.inDoubtCommitted();
    if (report.inDoubt > report.inDoubtResolved)
        report.notes.push_back(std::to_string(report.inDoubt - report.inDoubtResolved) +
                               " in-doubt writes could not be settled: their retries failed too");
    report.timeline = monitor.timeline();
    report.events = monitor.events();
    report.operations = monitor.operationTotals(loadSeconds);
    report.operations.back().ratePerSecond = report.throughputRps;
    report.summarizePgLockWaits();
    report.peakRssMb = peakRssMb();
    report.hostLoad = hostLoad.finish();
    report.evaluateSlos();
    return report;
}

} // namespace inv
