// Watches a running simulation: every 250 ms it merges the workers' histograms into a window (by
// differencing cumulative copies, so workers never stop), reads the servers' counters, samples
// the hottest keys in the database and the cache, counts the database's backends waiting on a lock,
// and appends a timeline point, with per-operation statistics (read, purchase, restock) from the
// merged histograms and the run's events on the same time line (a Sentinel failover among them). A
// GUI polls snapshot() from its own thread; the CLI gets the same points through the tick callback,
// which runs on the monitor's thread.
#pragma once

#include "cache/sentinelwatch.h"
#include "metrics/latencyhistogram.h"
#include "sim/scenario.h"
#include "sim/simulationreport.h"

#include <array>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace inv {

class Nemesis;

struct SimulationSnapshot
{
    bool running = false;
    double elapsedSeconds = 0;
    double progress = 0;
    std::vector<TimelinePoint> timeline;
    std::vector<TimelineEvent> events;
    // As of the latest window: read, purchase, restock, then "all".
    std::vector<OperationStats> operations;
};

// One 250 ms window's raw figures, for a process that sends them on to be merged (a load agent).
struct MonitorWindow
{
    SimClock::time_point begin;
    SimClock::time_point end;
    std::array<HistogramCounts, kOperationKinds> latency;
    long long successes = 0, rejections = 0, errors = 0, dropped = 0, reads = 0, hits = 0, lockBusy = 0;
};

class SimulationMonitor
{
public:
    using Tick = std::function<void(const TimelinePoint &, double progress)>;
    using WindowSink = std::function<void(const MonitorWindow &)>;
    static constexpr std::chrono::milliseconds kWindow{250};

    // The monitor samples through its own pools so that it never takes a connection from a worker.
    SimulationMonitor(SimulationContext &context, const Scenario &scenario, ConsistencyChecker &checker,
                      std::vector<int> hotKeys, PgPool &db, RedisPool &cache, Tick tick);
    ~SimulationMonitor();

    // The run's faults, whose windows the monitor measures; set before start().
    void setNemesis(const Nemesis *nemesis);
    // Gets every window's raw figures on the monitor's thread; set before start().
    void setWindowSink(WindowSink sink) { m_sink = std::move(sink); }
    void start();
    SimClock::time_point started() const { return m_started; }
    // The nemesis's outcomes with what the run saw during each fault; valid after stop().
    std::vector<FaultOutcome> faultOutcomes() const;
    // Stops ticking and records one last window.
    void stop();
    SimulationSnapshot snapshot() const;
    std::vector<TimelinePoint> timeline() const;
    // The context's events, in seconds since start(), in time order.
    std::vector<TimelineEvent> events() const;

    // Whole-run merges, valid after stop().
    const HistogramCounts &totals(OperationKind kind) const
    {
        return m_totals[static_cast<std::size_t>(kind)];
    }
    const HistogramCounts &readTotals() const { return totals(OperationKind::Read); }
    HistogramCounts writeTotals() const;
    // Per operation over the whole run, rates over `loadSeconds`; valid after stop().
    std::vector<OperationStats> operationTotals(double loadSeconds) const;
    static LatencySummary summarize(const HistogramCounts &counts);
    // Lock waits since start(), so that a warm-up before it is left out; valid after stop().
    HistogramCounts measuredLockWaits() const { return m_lockTotal.since(m_lockBaseline); }

private:
    struct Counters
    {
        std::uint64_t successes = 0, rejections = 0, errors = 0, dropped = 0;
        std::array<std::uint64_t, kOperationKinds> errorsBy{}, droppedBy{};
        long long hits = 0, reads = 0, lockBusy = 0, failOpenReads = 0;
    };
    // Adds a window to every fault it overlaps (a fault shorter than half a second counts for that long).
    void accountFaults(double begin, double end, const HistogramCounts &reads, const Counters &c);
    // The per-operation rows from cumulative totals, each rate from its window's served count.
    std::vector<OperationStats> operationStats(const std::array<HistogramCounts, kOperationKinds> &windows,
                                               const Counters &c, double windowSeconds) const;
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
    WindowSink m_sink;
    SimClock::time_point m_started;
    // When the last window ended: windows are divided by their real length, which differs from
    // kWindow for a skipped window and for the last one.
    SimClock::time_point m_lastCollect;
    std::array<HistogramCounts, kOperationKinds> m_totals;
    HistogramCounts m_lockTotal, m_lockBaseline;
    Counters m_last;
    int m_ticks = 0;
    // For redis+sentinel://, the master the Sentinels name; a change is a failover event.
    SentinelWatch m_sentinels;
    long long m_lastDivergent = 0;
    mutable std::mutex m_mutex;
    std::vector<TimelinePoint> m_timeline;
    std::vector<OperationStats> m_operations;
    bool m_running = false;
    const Nemesis *m_nemesis = nullptr;
    std::vector<HistogramCounts> m_faultReads;
    std::vector<FaultOutcome> m_faultSeen;
    std::condition_variable_any m_wake;
    std::jthread m_thread;
};

} // namespace inv
