// The sandbox's private PostgreSQL cluster in <dir>/pg, listening on 127.0.0.1 only: creates it with
// initdb on first start, starts and stops it with pg_ctl (as the 'postgres' account when we are root),
// recovers from stale pid files and socket locks, creates the 'inventory' database, and keeps its
// roles apart: the superuser administers, 'inventory_owner' owns and migrates the schema, and the
// application connects as 'inventory_app', which may not alter the append-only audit log. Holds only
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

    // The application's URL: postgresql://inventory_app:PASSWORD@127.0.0.1:PORT/inventory. The role
    // is no superuser, owns nothing, and may only append to and read the audit log.
    static std::string url(const SandboxState &state);
    // The schema owner's URL (inventory_owner), which migrates and owns every table.
    static std::string ownerUrl(const SandboxState &state);
    // The read-only role's URL (inventory_reader): SELECT on inventory, inventory_audit and
    // simulation_runs, nothing else.
    static std::string readerUrl(const SandboxState &state);

    // Probes without changing anything.
    bool isRunning(const SandboxState &state) const;
    // Starts the server unless it already answers, and saves any port or account change in state.
    // Throws SandboxError.
    void ensureRunning(SandboxState &state, PortPolicy policy, const Sandbox::Progress &progress) const;
    // No error if it is already stopped. Throws SandboxError if it does not stop.
    void shutDown() const;

private:
    void removeStaleSocketLocks(const std::filesystem::path &runDir, const Sandbox::Progress &progress) const;

    std::filesystem::path m_dir;
    std::filesystem::path m_pgDir;
    ServerProcess m_server;
};

} // namespace inv
