// One simulation run from start to report: it creates fresh products (or uses a shared SKU), the
// virtual app servers, the scenario's load, the live monitor and the end-of-run checks. run()
// blocks the calling thread; stop() and snapshot() may be called from any other thread while it
// runs (the GUI polls snapshot() on a timer).
#pragma once

#include "sim/simulationconfig.h"
#include "sim/simulationmonitor.h"
#include "sim/simulationreport.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

namespace inv {

class Simulation
{
public:
    using Tick = SimulationMonitor::Tick;
    using Phase = std::function<void(const std::string &)>;

    explicit Simulation(SimulationConfig config);
    ~Simulation();

    // Throws InvalidInput for a bad configuration, DbError when PostgreSQL is unreachable and
    // ThreadStartError when a load thread cannot be created; failures of single operations during
    // the run are counted in the report instead. After it returns or throws, snapshot() is empty.
    SimulationReport run(const Tick &tick = {}, const Phase &phase = {});
    // Ends the load early; run() still checks the books and returns a report marked stopped, with
    // no verdict. Safe in a signal handler (a lock-free atomic store).
    void stop() { m_stop.request_stop(); }
    SimulationSnapshot snapshot() const;
    // Starts a fault now, in a run whose config has faultsOnDemand. Throws InvalidInput when no such
    // run is going on or the fault cannot run against its servers.
    void fireFault(const FaultSpec &fault);
    const SimulationConfig &config() const { return m_config; }
    // The start of every audit row's server id this process writes: "sim-<run id>-<process token>-".
    std::string serverIdPrefix() const;
    // Every 250 ms window's raw figures, on the monitor's thread (a load agent sends them on).
    void setWindowSink(SimulationMonitor::WindowSink sink) { m_sink = std::move(sink); }
    // Every successful read and write of the run is logged here too (a load agent drains it).
    void setObservationLog(ObservationLog *log) { m_observations = log; }

private:
    std::vector<std::string> createProducts(class InventoryService &admin, int keys,
                                            std::vector<long long> &initial,
                                            std::vector<std::int64_t> &initialVersion);

    SimulationConfig m_config;
    SimulationMonitor::WindowSink m_sink;
    ObservationLog *m_observations = nullptr;
    std::stop_source m_stop;
    std::string m_runId;
    std::string m_processToken;
    mutable std::mutex m_monitorMutex;
    SimulationMonitor *m_monitor = nullptr;
    Nemesis *m_nemesis = nullptr;
};

} // namespace inv
