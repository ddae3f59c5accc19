// The ports, the PostgreSQL and Redis passwords and the PostgreSQL OS account of one sandbox, kept in
// <dir>/sandbox.conf so that URLs stay stable across restarts. A plain value; the file functions
// block briefly on disk I/O and may be called from any thread, but writers must hold the
// directory's SandboxLock.
#pragma once

#include "sandbox/sandbox.h"

#include <filesystem>
#include <optional>
#include <string>

namespace inv {

struct SandboxState
{
    int pgPort = 0;
    int redisPort = 0;
    std::string pgPassword;       // the cluster's superuser, for the sandbox's own administration
    std::string pgOwnerPassword;  // the schema owner, which migrates
    std::string pgAppPassword;    // the operator role (inventory_app), which may only use the tables
    std::string pgReaderPassword; // the read-only role (inventory_reader)
    std::string redisPassword;    // Redis' requirepass, given to redis-server in a private config file
    std::string pgOsUser;
    // PostgreSQL without fsync, synchronous commit and full-page writes: fast, but a crash can lose
    // acknowledged writes or corrupt the cluster. Off unless asked for; kept across restarts.
    bool fastUnsafe = false;

    // Nothing if the directory has no state file yet.
    static std::optional<SandboxState> read(const std::filesystem::path &dir);
    // Creates the file with fresh passwords on first use, and adds the passwords (roles, Redis) a file
    // from an older version lacks. Throws SandboxError if a cluster exists whose password has been lost.
    static SandboxState loadOrCreate(const std::filesystem::path &dir, const Sandbox::Progress &progress);
    // Throws SandboxError if the file cannot be written.
    void save(const std::filesystem::path &dir) const;
};

} // namespace inv
