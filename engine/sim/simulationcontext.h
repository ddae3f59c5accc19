// What the scenarios share while they drive load: the virtual app servers, the run's SKUs, the
// per-worker metrics, the consistency books, the visibility probe and the stop token. read() and
// write() perform one measured operation; any worker thread calls them for its own index. Any thread
// may mark an event on the run's time line (a phase change); the monitor publishes them.
#pragma once

#include "inventory/inventoryservice.h"
#include "metrics/workermetrics.h"
#include "sim/consistencychecker.h"
#include "sim/observationlog.h"
#include "sim/simulationconfig.h"
#include "sim/visibilityprobe.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace inv {

using SimClock = std::chrono::steady_clock;

class SimulationContext
{
public:
    // Every write carries the request id "<requestIdPrefix>w<worker>-<n>", so that a write whose
    // acknowledgement was lost can be retried without selling twice.
    SimulationContext(const SimulationConfig &config, std::vector<std::unique_ptr<InventoryService>> &servers,
                      ConsistencyChecker &checker, VisibilityProbe &probe, std::stop_token stop,
                      int workerCount, std::string requestIdPrefix = "sim-");

    const SimulationConfig &config() const { return m_config; }
    int workerCount() const { return static_cast<int>(m_workers.size()); }
    int keyCount() const { return static_cast<int>(m_checker.skus().size()); }
    const std::string &keySku(int key) const { return m_checker.skus()[static_cast<std::size_t>(key)]; }
    InventoryService &serverFor(int worker)
    {
        return *m_servers[static_cast<std::size_t>(worker) % m_servers.size()];
    }
    std::vector<std::unique_ptr<InventoryService>> &servers() { return m_servers; }
    const std::vector<WorkerMetrics> &workers() const { return m_workers; }
    std::stop_token stopToken() const { return m_stop; }
    bool stopRequested() const { return m_stop.stop_requested(); }

    // Latency runs from `intended` (the scheduled start in open loop, the real start otherwise).
    std::optional<StockView> read(int worker, int key, SimClock::time_point intended);
    bool write(int worker, int key, Action action, int quantity, SimClock::time_point intended);
    // The pieces of read(), for a client that reads without blocking (the event loop): taken as the
    // read starts, and booked when its answer arrives. A worker's calls come from one thread at a time.
    struct ReadStart
    {
        std::int64_t floor = 0;
        SimClock::time_point startedAt;
        bool inWindow = false;
    };
    ReadStart readStarts(int worker, int key);
    void readAnswered(int worker, int key, const ReadStart &start, const StockView &view,
                      SimClock::time_point intended);
    void readFailed(int worker, SimClock::time_point intended, const std::exception &error);
    // The pieces of write(), for a client that sends the request itself (the event loop): the
    // request with the worker's next request id, and the bookkeeping of its answer. A worker's
    // calls come from one thread at a time.
    WriteRequest newRequest(int worker, int key, Action action, int quantity);
    void written(int worker, int key, const WriteRequest &request, const WriteResult &result,
                 SimClock::time_point intended);
    void refused(int worker, OperationKind kind, SimClock::time_point intended);
    void failed(int worker, OperationKind kind, SimClock::time_point intended, const std::exception &error);
    // A write that was in doubt and was settled (or not) by the client's own retries; committed when
    // the retry found the first attempt's commit.
    void settledElsewhere(bool settled, bool committed);
    // An operation that could not start within the maximum lag: counted, and recorded in its
    // histogram at its lag so that the percentiles are not cut off at the lag.
    void dropped(int worker, OperationKind kind, SimClock::time_point intended);
    // A purchase the buyer did not make because the stock it read was too low.
    void rejected(int worker);

    struct Event
    {
        SimClock::time_point at;
        std::string label;
    };
    void addEvent(std::string label, SimClock::time_point at = SimClock::now());
    std::vector<Event> events() const;

    std::vector<std::string> errorSamples() const;

    // Writes whose connection failed mid-way (in doubt), those settled by a retry with the same
    // request id, and those the retry found already committed.
    long long inDoubt() const { return m_inDoubt.load(std::memory_order_relaxed); }
    long long inDoubtResolved() const { return m_inDoubtResolved.load(std::memory_order_relaxed); }
    long long inDoubtCommitted() const { return m_inDoubtCommitted.load(std::memory_order_relaxed); }
    // A failure after which the client cannot know whether the write committed: the connection
    // broke or the server ended the session (57P01 when an administrator terminated the backend).
    static bool leavesWriteInDoubt(const std::exception &error);
    // Reads that began inside a near cache's invalidation window, and the stale ones among them.
    long long readsInWindow() const { return m_readsInWindow.load(std::memory_order_relaxed); }
    long long staleReadsInWindow() const { return m_staleInWindow.load(std::memory_order_relaxed); }
    // Every successful read and write is also logged here when set (a load agent's runs).
    void setObservationLog(ObservationLog *log) { m_observations = log; }

private:
    // Retries an in-doubt write with its request id until it is settled or the deadline passes.
    WriteResult settleInDoubt(InventoryService &server, const WriteRequest &request);
    void recordError(int worker, OperationKind kind, const std::exception &error);
    // The first time the stock of a key reaches 0, or a purchase is refused: "sold out", once.
    void soldOut();

    const SimulationConfig &m_config;
    std::vector<std::unique_ptr<InventoryService>> &m_servers;
    ConsistencyChecker &m_checker;
    VisibilityProbe &m_probe;
    std::stop_token m_stop;
    std::vector<WorkerMetrics> m_workers;
    std::atomic<long long> m_writeCounter{0};
    std::string m_requestIdPrefix;
    // Per worker, touched by that worker only.
    std::vector<long long> m_writeSequence;
    std::atomic<long long> m_inDoubt{0}, m_inDoubtResolved{0}, m_inDoubtCommitted{0};
    std::atomic<long long> m_readsInWindow{0}, m_staleInWindow{0};
    mutable std::mutex m_errorMutex;
    std::vector<std::string> m_errorSamples;
    std::atomic<bool> m_soldOut{false};
    ObservationLog *m_observations = nullptr;
    mutable std::mutex m_eventMutex;
    std::vector<Event> m_events;
};

} // namespace inv
