// `inventory-console simulate`: builds a SimulationConfig from the flags, runs it with a live
// progress line on a terminal, writes the report, and returns 0 if every SLO passed and 1 if not.
// SIGINT or SIGTERM stops the load: the partial report (stopped: true, no verdict) is still written
// and the exit code is 3; a second signal ends the process at once. With --sweep it runs a LoadSweep
// instead, prints its table and knee (and the --reference peers' results), and returns 0 once the
// sweep is done; with --agents it spreads the run over load agents (AgentCoordinator). Main thread
// only.
#pragma once

#include "commandline.h"
#include "connectionresolver.h"

#include "sim/loadsweep.h"
#include "sim/simulationconfig.h"
#include "sim/sweepreference.h"

#include <vector>

class SimulateCommand
{
public:
    SimulateCommand(const CommandLine &args, ResolvedConnections connections);
    // Throws the engine's typed errors; CliCommands maps them to exit codes.
    int run();

private:
    // The configuration the flags give; validated unless a sweep will validate each step's.
    inv::SimulationConfig configFor(const std::string &scenarioName) const;
    int runOnce(const inv::SimulationConfig &config);
    int runSweep(inv::LoadSweep &sweep);
    // simulate --agents: the same run spread over load agents, merged here.
    int runOnAgents(const inv::SimulationConfig &config, const std::string &selection);
    void writeReport(const std::string &text) const;
    // Removes the spaces (schemas and keys) of runs that no process runs any more, kept ones too.
    int cleanup();

    const CommandLine &m_args;
    ResolvedConnections m_connections;
    // --reference: the peers' results a sweep's report lists beside its steps.
    std::vector<inv::SweepReference> m_references;
};
