// The sandbox cluster's database and roles: creates the 'inventory' database, keeps its roles apart
// (the superuser administers, 'inventory_owner' owns and migrates the schema, the console and the
// simulations connect as the operator role 'inventory_app', which may only append to and read the
// audit log, and 'inventory_reader' may only read), migrates the schema as the owner and grants
// each role what it needs. Talks to the cluster as its
// superuser over loopback. One thread at a time, with the sandbox's lock held.
#pragma once

#include "sandbox/sandbox.h"
#include "sandbox/sandboxstate.h"

#include <filesystem>
#include <string>

namespace inv {

class SandboxDatabase
{
public:
    explicit SandboxDatabase(std::filesystem::path sandboxDir);

    // True if the cluster on this loopback port accepts the superuser's connections.
    static bool answers(int port, const std::string &password);
    // Creates what is missing and re-applies the grants. Throws SandboxError saying what to do.
    void ensure(const SandboxState &state, const Sandbox::Progress &progress) const;

private:
    void ensureRoles(const SandboxState &state, const Sandbox::Progress &progress) const;

    std::filesystem::path m_dir;
};

} // namespace inv
