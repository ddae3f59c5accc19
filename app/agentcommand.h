// `inventory-console agent`: runs a load agent (LoadAgent) until SIGTERM or SIGINT, printing what it
// does on stderr; with --list, prints the agents registered in Redis (name, host, state, heartbeat
// age, version) and exits. Main thread only.
#pragma once

#include "commandline.h"
#include "connectionresolver.h"

class AgentCommand
{
public:
    AgentCommand(const CommandLine &args, ResolvedConnections connections);
    // Throws the engine's typed errors; CliCommands maps them to exit codes.
    int run();

private:
    int list();

    const CommandLine &m_args;
    ResolvedConnections m_connections;
};
