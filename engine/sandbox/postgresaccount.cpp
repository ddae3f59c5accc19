#include "sandbox/postgresaccount.h"

#include "errors.h"
#include "sandbox/sandboxsupport.h"

#include <cerrno>
#include <utility>

#include <pwd.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace inv {

PostgresAccount::PostgresAccount(std::string name, uid_t uid, gid_t gid, bool viaRunuser)
    : m_name(std::move(name)), m_uid(uid), m_gid(gid), m_viaRunuser(viaRunuser)
{}

PostgresAccount PostgresAccount::current()
{
    if (::geteuid() == 0) {
        const passwd *pw = ::getpwnam("postgres");
        if (!pw)
            throw SandboxError(
                "PostgreSQL refuses to run as root and there is no 'postgres' account to run it "
                "as; install PostgreSQL (apt-get install postgresql), which creates the account, "
                "or run the sandbox as a normal user");
        return {pw->pw_name, pw->pw_uid, pw->pw_gid, true};
    }
    const passwd *pw = ::getpwuid(::geteuid());
    return {pw ? std::string(pw->pw_name) : std::to_string(::geteuid()), ::geteuid(), ::getegid(), false};
}

std::string PostgresAccount::expectedName()
{
    if (::geteuid() == 0)
        return "postgres";
    const passwd *pw = ::getpwuid(::geteuid());
    return pw ? std::string(pw->pw_name) : std::to_string(::geteuid());
}

std::vector<std::string> PostgresAccount::command(std::vector<std::string> argv) const
{
    if (!m_viaRunuser)
        return argv;
    std::string runuser = sandbox::findOnPath("runuser");
    if (runuser.empty())
        runuser = fs::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
    argv.insert(argv.begin(), {runuser, "-u", m_name, "--"});
    return argv;
}

void PostgresAccount::giveOwnership(const fs::path &path) const
{
    if (::chown(path.c_str(), m_uid, m_gid) != 0)
        throw SandboxError("cannot hand " + path.string() + " to the account '" + m_name +
                           "': " + sandbox::errnoText(errno) +
                           "; check that the directory is on a local file system");
}

} // namespace inv
