#include "sim/simulationmonitor.h"

#include "errors.h"

#include <algorithm>

namespace inv {

SimulationMonitor::SimulationMonitor(SimulationContext &context, const Scenario &scenario,
                                     ConsistencyChecker &checker, std::vector<int> hotKeys, PgPool &db,
                                     RedisPool &cache, Tick tick)
    : m_context(context), m_scenario(scenario), m_checker(checker), m_hotKeys(std::move(hotKeys)), m_db(db),
      m_cache(cache), m_tick(std::move(tick))
{
    m_timeline.reserve(4 * 3600);
}

SimulationMonitor::~SimulationMonitor()
{
    m_thread.request_stop();
}

void SimulationMonitor::start()
{
    m_started = SimClock::now();
    m_lastCollect = m_started;
    m_last = counters();
    m_lockTotal = lockWaitTotals();
    m_lockBaseline = m_lockTotal;
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
        c.errors += w.errors();
        c.dropped += w.dropped();
    }
    for (const auto &server : m_context.servers()) {
        c.hits += server->stats().cacheHits.load(std::memory_order_relaxed);
        c.reads += server->stats().reads.load(std::memory_order_relaxed);
        c.lockBusy += server->lockStats().busy.load(std::memory_order_relaxed);
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
    HistogramCounts reads, writes;
    for (const auto &w : m_context.workers()) {
        reads.add(w.reads);
        writes.add(w.writes);
    }
    const HistogramCounts lockWaits = lockWaitTotals();
    const HistogramCounts readWindow = reads.since(m_readTotal);
    const HistogramCounts writeWindow = writes.since(m_writeTotal);
    const HistogramCounts lockWindow = lockWaits.since(m_lockTotal);
    const Counters c = counters();
    const double seconds = std::chrono::duration<double>(now - m_started).count();
    const double windowSeconds = std::max(1e-3, std::chrono::duration<double>(now - m_lastCollect).count());
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
    // Sampling the database and the cache costs two round trips: once a second is enough.
    if (m_ticks++ % 4 == 0 && !m_hotKeys.empty()) {
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

    m_readTotal = std::move(reads);
    m_writeTotal = std::move(writes);
    m_lockTotal = lockWaits;
    m_last = c;
    {
        std::lock_guard lock(m_mutex);
        m_timeline.push_back(p);
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
    return s;
}

std::vector<TimelinePoint> SimulationMonitor::timeline() const
{
    std::lock_guard lock(m_mutex);
    return m_timeline;
}

} // namespace inv
