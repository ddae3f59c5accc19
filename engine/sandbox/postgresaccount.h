// The OS account that the sandbox's PostgreSQL runs as: the caller's own, or 'postgres' when the
// caller is root, because PostgreSQL refuses to run as root. Commands for the server are wrapped in
// runuser when the account must be switched. A plain value; any thread may use it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace inv {

class PostgresAccount
{
public:
    // Throws SandboxError when we are root and there is no 'postgres' account.
    static PostgresAccount current();
    // The account's name without requiring it to exist, for status reports.
    static std::string expectedName();

    const std::string &name() const { return m_name; }
    // True when we are root and must switch to the account.
    bool viaRunuser() const { return m_viaRunuser; }

    // argv prefixed with runuser when the account must be switched.
    std::vector<std::string> command(std::vector<std::string> argv) const;
    // Throws SandboxError if the path cannot be handed to the account.
    void giveOwnership(const std::filesystem::path &path) const;

private:
    PostgresAccount(std::string name, uid_t uid, gid_t gid, bool viaRunuser);

    std::string m_name;
    uid_t m_uid = 0;
    gid_t m_gid = 0;
    bool m_viaRunuser = false;
};

} // namespace inv
