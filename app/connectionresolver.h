// Finds the PostgreSQL and Redis to use, in docs/ARCHITECTURE.md's order: flags, the environment
// (INVENTORY_PG_URL, INVENTORY_REDIS_URL), saved settings, and then the local sandbox, started on
// demand. Main thread only.
#pragma once

#include "commandline.h"

#include <functional>
#include <string>

struct ResolvedConnections
{
    std::string pg;
    std::string redis;
    std::string pgOrigin;
    std::string redisOrigin;
};

class ConnectionResolver
{
public:
    using Progress = std::function<void(const std::string &)>;
    // Throws InvalidInput for a malformed string and SandboxError if the sandbox cannot start.
    static ResolvedConnections resolve(const CommandLine &args, const Progress &progress);
};
