#include "sim/simulationmonitor.h"

#include "errors.h"
#include "sim/nemesis.h"

#include <algorithm>

namespace inv {

SimulationMonitor::SimulationMonitor(SimulationContext &context, const Scenario &scenario,
                                     ConsistencyChecker &checker, std::vector<int> hotKeys, PgPool &db,
                                     RedisPool &cache, Tick tick)
    : m_context(context), m_scenario(scenario), m_checker(checker), m_hotKeys(std::move(hotKeys)), m_db(db),
      m_cache(cache), m_tick(std::move(tick)), m_sentinels(RedisUrl::parse(context.config().redisUrl))
{
    m_timeline.reserve(4 * 3600);
}

SimulationMonitor::~SimulationMonitor()
{
    m_thread.request_stop();
}

void SimulationMonitor::setNemesis(const Nemesis *nemesis)
{
    m_nemesis = nemesis;
    const std::size_t faults = nemesis ? nemesis->outcomes().size() : 0;
    m_faultReads.assign(faults, HistogramCounts());
    m_faultSeen.assign(faults, FaultOutcome());
}

void SimulationMonitor::accountFaults(double begin, double end, const HistogramCounts &reads,
                                      const Counters &c)
{
    if (!m_nemesis)
        return;
    const auto outcomes = m_nemesis->outcomes();
    // A fault fired during the run joins the list.
    m_faultReads.resize(outcomes.size());
    m_faultSeen.resize(outcomes.size());
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const auto &o = outcomes[i];
        if (o.startS < 0)
            continue;
        const double until = std::max(o.endS >= 0 ? o.endS : 1e18, o.startS + 0.5);
        if (!(begin < until && end > o.startS))
            continue;
        m_faultReads[i].add(reads);
        m_faultSeen[i].errors += static_cast<long long>(c.errors - m_last.errors);
        m_faultSeen[i].failOpenReads += c.failOpenReads - m_last.failOpenReads;
    }
}

std::vector<FaultOutcome> SimulationMonitor::faultOutcomes() const
{
    std::vector<FaultOutcome> out = m_nemesis ? m_nemesis->outcomes() : std::vector<FaultOutcome>{};
    for (std::size_t i = 0; i < out.size() && i < m_faultSeen.size(); ++i) {
        out[i].errors = m_faultSeen[i].errors;
        out[i].failOpenReads = m_faultSeen[i].failOpenReads;
        out[i].reads = static_cast<long long>(m_faultReads[i].count());
        // From the windows' merged counts, never an average of their percentiles.
        out[i].readP99Ms = m_faultReads[i].percentileMs(0.99);
    }
    return out;
}

void SimulationMonitor::start()
{
    m_started = SimClock::now();
    m_lastCollect = m_started;
    m_last = counters();
    m_lockTotal = lockWaitTotals();
    m_lockBaseline = m_lockTotal;
    m_sentinels.changed(); // the master at the start, against which a failover is seen
    {
        std::lock_guard lock(m_mutex);
        m_running = true;
    }
    m_thread = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void SimulationMonitor::stop()
{
    m_thread.request_stop();
    if (m_thread.joinable())
        m_thread.join();
    collect();
    std::lock_guard lock(m_mutex);
    m_running = false;
}

void SimulationMonitor::loop(std::stop_token stop)
{
    auto next = m_started + kWindow;
    while (!stop.stop_requested()) {
        {
            // Wakes at once on stop(), so that the last window is recorded without delay.
            std::unique_lock lock(m_mutex);
            if (m_wake.wait_until(lock, stop, next, [] { return false; }) || stop.stop_requested())
                break;
        }
        collect();
        next += kWindow;
        const auto now = SimClock::now();
        if (next < now)
            next = now + kWindow; // a slow sample skips windows rather than bunching them
    }
}

SimulationMonitor::Counters SimulationMonitor::counters() const
{
    Counters c;
    for (const auto &w : m_context.workers()) {
        c.successes += w.successes();
        c.rejections += w.rejections();
        for (int k = 0; k < kOperationKinds; ++k) {
            const auto kind = static_cast<OperationKind>(k);
            c.errorsBy[static_cast<std::size_t>(k)] += w.errors(kind);
            c.droppedBy[static_cast<std::size_t>(k)] += w.dropped(kind);
        }
    }
    for (int k = 0; k < kOperationKinds; ++k) {
        c.errors += c.errorsBy[static_cast<std::size_t>(k)];
        c.dropped += c.droppedBy[static_cast<std::size_t>(k)];
    }
    for (const auto &server : m_context.servers()) {
        c.hits += server->stats().cacheHits.load(std::memory_order_relaxed);
        c.reads += server->stats().reads.load(std::memory_order_relaxed);
        c.lockBusy += server->lockStats().busy.load(std::memory_order_relaxed);
        c.failOpenReads += server->stats().failOpenReads.load(std::memory_order_relaxed);
    }
    return c;
}

HistogramCounts SimulationMonitor::lockWaitTotals() const
{
    HistogramCounts out;
    for (const auto &server : m_context.servers())
        out.add(server->lockStats().waits);
    return out;
}

void SimulationMonitor::collect()
{
    const auto now = SimClock::now();
    std::array<HistogramCounts, kOperationKinds> totals, windows;
    for (const auto &w : m_context.workers())
        for (int k = 0; k < kOperationKinds; ++k)
            totals[static_cast<std::size_t>(k)].add(w.latency(static_cast<OperationKind>(k)));
    for (std::size_t k = 0; k < totals.size(); ++k)
        windows[k] = totals[k].since(m_totals[k]);
    const HistogramCounts lockWaits = lockWaitTotals();
    const HistogramCounts &readWindow = windows[static_cast<std::size_t>(OperationKind::Read)];
    // Purchases and restocks merged bucket by bucket: the writes' percentiles stay exact.
    HistogramCounts writeWindow = windows[static_cast<std::size_t>(OperationKind::Purchase)];
    writeWindow.add(windows[static_cast<std::size_t>(OperationKind::Restock)]);
    const HistogramCounts lockWindow = lockWaits.since(m_lockTotal);
    const Counters c = counters();
    const double seconds = std::chrono::duration<double>(now - m_started).count();
    const double windowSeconds = std::max(1e-3, std::chrono::duration<double>(now - m_lastCollect).count());
    accountFaults(std::chrono::duration<double>(m_lastCollect - m_started).count(), seconds, readWindow, c);
    if (m_sink) {
        MonitorWindow w{m_lastCollect, now, windows};
        w.successes = static_cast<long long>(c.successes - m_last.successes);
        w.rejections = static_cast<long long>(c.rejections - m_last.rejections);
        w.errors = static_cast<long long>(c.errors - m_last.errors);
        w.dropped = static_cast<long long>(c.dropped - m_last.dropped);
        w.reads = c.reads - m_last.reads;
        w.hits = std::min(w.reads, c.hits - m_last.hits);
        w.lockBusy = c.lockBusy - m_last.lockBusy;
        m_sink(w);
    }
    m_lastCollect = now;

    TimelinePoint p;
    p.t = seconds;
    // The histograms hold dropped operations at their lag; the rate counts only those served.
    const auto served = static_cast<double>(readWindow.count() + writeWindow.count()) -
                        static_cast<double>(c.dropped - m_last.dropped);
    p.rps = std::max(0.0, served) / windowSeconds;
    p.okPerSecond = static_cast<double>(c.successes - m_last.successes) / windowSeconds;
    p.rejectedPerSecond = static_cast<double>(c.rejections - m_last.rejections) / windowSeconds;
    p.errorsPerSecond = static_cast<double>(c.errors - m_last.errors) / windowSeconds;
    p.readP50Ms = readWindow.percentileMs(0.50);
    p.readP95Ms = readWindow.percentileMs(0.95);
    p.readP99Ms = readWindow.percentileMs(0.99);
    p.writeP50Ms = writeWindow.percentileMs(0.50);
    p.writeP95Ms = writeWindow.percentileMs(0.95);
    p.writeP99Ms = writeWindow.percentileMs(0.99);
    const long long windowReads = c.reads - m_last.reads;
    p.hitRate =
        windowReads > 0 ? static_cast<double>(c.hits - m_last.hits) / static_cast<double>(windowReads) : 0;
    p.lockBusyPerSecond = static_cast<double>(c.lockBusy - m_last.lockBusy) / windowSeconds;
    p.lockWaitP99Ms = lockWindow.percentileMs(0.99);
    p.staleReads = m_checker.staleReads();
    p.oversold = m_checker.oversoldSoFar();
    // Sampling the database and the cache costs two round trips, asking the Sentinels one: once a
    // second is enough.
    const bool sampling = m_ticks++ % 4 == 0;
    if (sampling)
        if (const auto master = m_sentinels.changed())
            m_context.addEvent("Redis failover: master now " + *master);
    if (sampling && !m_hotKeys.empty()) {
        try {
            auto samples = m_checker.sample(m_db, m_cache, m_hotKeys);
            long long divergent = 0;
            for (const auto &s : samples)
                divergent += s.divergent ? 1 : 0;
            m_lastDivergent = divergent;
            p.hotDbStock = samples.front().dbStock;
            p.hotCacheStock = samples.front().cacheStock;
        } catch (const Error &) {
        }
    } else if (!m_timeline.empty()) {
        std::lock_guard lock(m_mutex);
        p.hotDbStock = m_timeline.back().hotDbStock;
        p.hotCacheStock = m_timeline.back().hotCacheStock;
    }
    p.divergentKeys = m_lastDivergent;
    p.pgLockWaits = pgLockWaits();

    m_totals = std::move(totals);
    std::vector<OperationStats> operations = operationStats(windows, c, windowSeconds);
    m_lockTotal = lockWaits;
    m_last = c;
    {
        std::lock_guard lock(m_mutex);
        m_timeline.push_back(p);
        m_operations = std::move(operations);
    }
    if (m_tick)
        m_tick(p, m_scenario.progress());
}

long long SimulationMonitor::pgLockWaits() const
{
    // Every backend of the database, the run's and anyone else's: a row lock held by an operator
    // stalls the run as much as one held by a buyer.
    try {
        return m_db.acquire()
            ->exec("SELECT count(*) FROM pg_stat_activity "
                   "WHERE wait_event_type = 'Lock' AND datname = current_database()")
            .int64(0, 0);
    } catch (const Error &) {
        return -1;
    }
}

SimulationSnapshot SimulationMonitor::snapshot() const
{
    std::lock_guard lock(m_mutex);
    SimulationSnapshot s;
    s.running = m_running;
    s.elapsedSeconds = m_running ? std::chrono::duration<double>(SimClock::now() - m_started).count()
                                 : (m_timeline.empty() ? 0 : m_timeline.back().t);
    s.progress = m_scenario.progress();
    s.timeline = m_timeline;
    s.operations = m_operations;
    s.events = events();
    return s;
}

std::vector<TimelineEvent> SimulationMonitor::events() const
{
    std::vector<TimelineEvent> out;
    if (m_started == SimClock::time_point{})
        return out;
    for (const auto &e : m_context.events())
        out.push_back(
            TimelineEvent{std::max(0.0, std::chrono::duration<double>(e.at - m_started).count()), e.label});
    std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.t < b.t; });
    return out;
}

LatencySummary SimulationMonitor::summarize(const HistogramCounts &h)
{
    return LatencySummary{h.percentileMs(0.50), h.percentileMs(0.95), h.percentileMs(0.99), h.maxMs(),
                          static_cast<long long>(h.count())};
}

HistogramCounts SimulationMonitor::writeTotals() const
{
    HistogramCounts out = totals(OperationKind::Purchase);
    out.add(totals(OperationKind::Restock));
    return out;
}

std::vector<OperationStats>
SimulationMonitor::operationStats(const std::array<HistogramCounts, kOperationKinds> &windows,
                                  const Counters &c, double windowSeconds) const
{
    std::vector<OperationStats> out;
    HistogramCounts all;
    double served = 0;
    for (int k = 0; k < kOperationKinds; ++k) {
        const auto i = static_cast<std::size_t>(k);
        const auto kind = static_cast<OperationKind>(k);
        OperationStats o;
        o.name = WorkerMetrics::operationName(kind);
        o.latency = summarize(m_totals[i]);
        // Dropped operations sit in the histograms at their lag; the rate counts those served.
        const double windowServed =
            std::max(0.0, static_cast<double>(windows[i].count()) -
                              static_cast<double>(c.droppedBy[i] - m_last.droppedBy[i]));
        o.ratePerSecond = windowSeconds > 0 ? windowServed / windowSeconds : 0;
        o.failures = static_cast<long long>(c.errorsBy[i]);
        o.refused = kind == OperationKind::Purchase ? static_cast<long long>(c.rejections) : 0;
        o.dropped = static_cast<long long>(c.droppedBy[i]);
        all.add(m_totals[i]);
        served += o.ratePerSecond;
        out.push_back(std::move(o));
    }
    OperationStats total;
    total.name = "all";
    total.latency = summarize(all);
    total.ratePerSecond = served;
    total.failures = static_cast<long long>(c.errors);
    total.refused = static_cast<long long>(c.rejections);
    total.dropped = static_cast<long long>(c.dropped);
    out.push_back(std::move(total));
    return out;
}

std::vector<OperationStats> SimulationMonitor::operationTotals(double loadSeconds) const
{
    // The live rows' counters, with rates over the whole load instead of the last window.
    std::array<HistogramCounts, kOperationKinds> none;
    std::vector<OperationStats> out = operationStats(none, m_last, 0);
    for (auto &o : out)
        o.ratePerSecond =
            loadSeconds > 0 ? static_cast<double>(o.latency.count - o.dropped) / loadSeconds : 0;
    return out;
}

std::vector<TimelinePoint> SimulationMonitor::timeline() const
{
    std::lock_guard lock(m_mutex);
    return m_timeline;
}

} // namespace inv
