// Runs one simulation over load agents (simulate --agents): picks the agents alive in Redis,
// refuses those of another version or database, prepares the run's space and its product, sends
// the run command with each agent's share and a start time on the Redis clock, then merges the
// agents' 250 ms windows exactly (histograms bucket by bucket) into one time line as they arrive.
// An agent whose heartbeat expires is marked lost and the run goes on with the others. At the end
// it checks the books against the database: the stock, every audit row of the run (a lost agent's
// too), the chain of versions, and each agent's acknowledged writes against its audit rows. The
// flash-sale and mixed scenarios; stale reads are checked across agents on the Redis clock
// (CrossAgentCheck). Calling thread only; stop() from any thread.
#pragma once

#include "agents/agentmerge.h"
#include "agents/agentprotocol.h"
#include "sim/simulationmonitor.h"
#include "sim/simulationreport.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace inv {

class AgentCoordinator
{
public:
    using Tick = SimulationMonitor::Tick;
    using Say = std::function<void(const std::string &)>;

    // `selection` is "all", a count, or names separated by commas. `version` is this build's.
    AgentCoordinator(SimulationConfig config, std::string selection, std::string version);

    // The agents the selection names, alive and compatible; throws InvalidInput saying which is
    // missing, of another version, or writing to another database.
    std::vector<AgentInfo> pick() const;
    // Throws InvalidInput for a bad selection or configuration, and what pick() throws.
    SimulationReport run(const Tick &tick = {}, const Say &say = {});
    void stop() { m_stop.store(true); }
    // The run as merged so far: each agent's state and counts, the total and per-agent time lines.
    // Any thread; empty before run() has sent the command.
    AgentsSnapshot snapshot() const;

    // How long an agent may take from the command to its first record before it counts as lost.
    static constexpr std::chrono::seconds kStartWithin{15};
    // Lead time between the command and the load's start, for the agents to open their servers.
    static constexpr std::chrono::milliseconds kLeadTime{2000};

private:
    SimulationConfig m_config;
    std::string m_selection;
    std::string m_version;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mergeMutex;
    std::shared_ptr<AgentMerge> m_merge;
};

} // namespace inv
