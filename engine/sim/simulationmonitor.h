// Watches a running simulation: every 250 ms it merges the workers' histograms into a window (by
// differencing cumulative copies, so workers never stop), reads the servers' counters, samples
// the hottest keys in the database and the cache, counts the database's backends waiting on a lock,
// and appends a timeline point. A GUI polls snapshot() from its own thread; the CLI gets the same
// points through the tick callback, which runs on the monitor's thread.
#pragma once

#include "metrics/latencyhistogram.h"
#include "sim/scenario.h"
#include "sim/simulationreport.h"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace inv {

struct SimulationSnapshot
{
    bool running = false;
    double elapsedSeconds = 0;
    double progress = 0;
    std::vector<TimelinePoint> timeline;
};

class SimulationMonitor
{
public:
    using Tick = std::function<void(const TimelinePoint &, double progress)>;
    static constexpr std::chrono::milliseconds kWindow{250};

    // The monitor samples through its own pools so that it never takes a connection from a worker.
    SimulationMonitor(SimulationContext &context, const Scenario &scenario, ConsistencyChecker &checker,
                      std::vector<int> hotKeys, PgPool &db, RedisPool &cache, Tick tick);
    ~SimulationMonitor();

    void start();
    // Stops ticking and records one last window.
    void stop();
    SimulationSnapshot snapshot() const;
    std::vector<TimelinePoint> timeline() const;

    // Whole-run merges, valid after stop().
    const HistogramCounts &readTotals() const { return m_readTotal; }
    const HistogramCounts &writeTotals() const { return m_writeTotal; }
    // Lock waits since start(), so that a warm-up before it is left out; valid after stop().
    HistogramCounts measuredLockWaits() const { return m_lockTotal.since(m_lockBaseline); }

private:
    struct Counters
    {
        std::uint64_t successes = 0, rejections = 0, errors = 0, dropped = 0;
        long long hits = 0, reads = 0, lockBusy = 0;
    };
    void loop(std::stop_token stop);
    void collect();
    Counters counters() const;
    HistogramCounts lockWaitTotals() const;
    // Backends waiting on a lock in the database now; -1 when it cannot be read.
    long long pgLockWaits() const;

    SimulationContext &m_context;
    const Scenario &m_scenario;
    ConsistencyChecker &m_checker;
    std::vector<int> m_hotKeys;
    PgPool &m_db;
    RedisPool &m_cache;
    Tick m_tick;
    SimClock::time_point m_started;
    // When the last window ended: windows are divided by their real length, which differs from
    // kWindow for a skipped window and for the last one.
    SimClock::time_point m_lastCollect;
    HistogramCounts m_readTotal, m_writeTotal, m_lockTotal, m_lockBaseline;
    Counters m_last;
    int m_ticks = 0;
    long long m_lastDivergent = 0;
    mutable std::mutex m_mutex;
    std::vector<TimelinePoint> m_timeline;
    bool m_running = false;
    std::condition_variable_any m_wake;
    std::jthread m_thread;
};

} // namespace inv
