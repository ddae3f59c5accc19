// `inventory-console sandbox start|stop|status`: the local PostgreSQL and Redis, with the URLs to
// use them and the mode PostgreSQL runs in (durable, or --fast-unsafe). Main thread only.
#pragma once

#include "commandline.h"

class SandboxCommand
{
public:
    explicit SandboxCommand(const CommandLine &args);
    // Throws the engine's typed errors; CliCommands maps them to exit codes.
    int run();

private:
    const CommandLine &m_args;
};
