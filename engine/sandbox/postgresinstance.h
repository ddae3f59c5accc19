// The sandbox's private PostgreSQL cluster in <dir>/pg, listening on 127.0.0.1 only: creates it with
// initdb on first start, starts and stops it with pg_ctl (as the 'postgres' account when we are root),
// recovers from stale pid files and socket locks, and creates the 'inventory' database. Holds only
// paths; call it from one thread at a time, with the directory's SandboxLock held for anything that
// changes state. Starting and stopping block for up to about a minute and a half.
#pragma once

#include "sandbox/loopbackports.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandboxstate.h"
#include "sandbox/serverprocess.h"

#include <filesystem>
#include <string>

namespace inv {

class PostgresInstance
{
public:
    explicit PostgresInstance(std::filesystem::path sandboxDir);

    // postgresql://inventory:PASSWORD@127.0.0.1:PORT/inventory
    static std::string url(const SandboxState &state);

    // Probes without changing anything.
    bool isRunning(const SandboxState &state) const;
    // Starts the server unless it already answers, and saves any port or account change in state.
    // Throws SandboxError.
    void ensureRunning(SandboxState &state, PortPolicy policy, const Sandbox::Progress &progress) const;
    // No error if it is already stopped. Throws SandboxError if it does not stop.
    void shutDown() const;

private:
    void ensureDatabase(const SandboxState &state, const Sandbox::Progress &progress) const;
    void removeStaleSocketLocks(const std::filesystem::path &runDir, const Sandbox::Progress &progress) const;

    std::filesystem::path m_dir;
    std::filesystem::path m_pgDir;
    ServerProcess m_server;
};

} // namespace inv
