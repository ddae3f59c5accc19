// `inventory-console simulate`: builds a SimulationConfig from the flags, runs it with a live
// progress line on a terminal, writes the report, and returns 0 if every SLO passed and 1 if not.
// SIGINT or SIGTERM stops the load: the partial report (stopped: true, no verdict) is still written
// and the exit code is 3; a second signal ends the process at once. Main thread only.
#pragma once

#include "commandline.h"
#include "connectionresolver.h"

class SimulateCommand
{
public:
    SimulateCommand(const CommandLine &args, ResolvedConnections connections);
    // Throws the engine's typed errors; CliCommands maps them to exit codes.
    int run();

private:
    // Removes the spaces (schemas and keys) of runs that no process runs any more, kept ones too.
    int cleanup();

    const CommandLine &m_args;
    ResolvedConnections m_connections;
};
