#include "sandbox/sandbox.h"

#include "cache/redisurl.h"
#include "errors.h"
#include "sandbox/postgresaccount.h"
#include "sandbox/postgresinstance.h"
#include "sandbox/process.h"
#include "sandbox/redisinstance.h"
#include "sandbox/sandboxlock.h"
#include "sandbox/sandboxstate.h"
#include "sandbox/sandboxsupport.h"

#include <cstdlib>
#include <optional>

#include <csignal>

#include <pwd.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace inv {

Sandbox::Sandbox(std::filesystem::path dir)
{
    if (dir.empty())
        dir = defaultDir();
    m_dir = fs::absolute(dir).lexically_normal();
    if (!m_dir.has_filename() && m_dir.has_parent_path() && m_dir != m_dir.root_path())
        m_dir = m_dir.parent_path();
}

std::filesystem::path Sandbox::defaultDir()
{
    const fs::path suffix = fs::path("inventory-console") / "sandbox";
    if (::geteuid() == 0)
        return fs::path("/var/lib") / suffix;
    const char *dataHome = std::getenv("XDG_DATA_HOME");
    // The XDG spec says to ignore a relative XDG_DATA_HOME.
    if (dataHome && *dataHome == '/')
        return fs::path(dataHome) / suffix;
    const char *home = std::getenv("HOME");
    std::string homeDir = home && *home ? home : "";
    if (homeDir.empty()) {
        const passwd *pw = ::getpwuid(::geteuid());
        if (pw && pw->pw_dir)
            homeDir = pw->pw_dir;
    }
    if (homeDir.empty())
        throw SandboxError(
            "cannot find a data directory for the sandbox: neither XDG_DATA_HOME nor HOME is set; "
            "pass --dir");
    return fs::path(homeDir) / ".local" / "share" / suffix;
}

namespace {
// A Redis left stopped (SIGSTOP) by a fault whose run was killed before it could resume it answers
// nothing and would look hung: resume it, and say so.
std::optional<std::string> resumeStoppedRedis(const fs::path &dir)
{
    const auto pid = RedisInstance(dir).runningPid();
    if (!pid || !Process::isStopped(*pid))
        return std::nullopt;
    ::kill(*pid, SIGCONT);
    return "the sandbox's Redis (pid " + std::to_string(*pid) +
           ") was stopped, as a redis-pause fault leaves it when its run is killed: resumed it";
}
} // namespace

SandboxStatus Sandbox::start(const Progress &progress, std::optional<bool> fastUnsafe)
{
    sandbox::createSandboxDir(m_dir, progress);
    SandboxLock lock(m_dir / "sandbox.lock", progress);
    SandboxState state = SandboxState::loadOrCreate(m_dir, progress);
    if (fastUnsafe && *fastUnsafe != state.fastUnsafe) {
        if (PostgresInstance(m_dir).isRunning(state))
            throw SandboxError(std::string("the sandbox's PostgreSQL is running ") +
                               (state.fastUnsafe ? "in fast-unsafe mode" : "durable") +
                               " and its mode changes only when it starts: run 'sandbox stop --dir " +
                               m_dir.string() + "', then start it again " +
                               (*fastUnsafe ? "with" : "without") + " --fast-unsafe");
        state.fastUnsafe = *fastUnsafe;
        state.save(m_dir);
    }
    const auto resumed = resumeStoppedRedis(m_dir);
    if (resumed)
        sandbox::report(progress, *resumed);
    PostgresInstance(m_dir).ensureRunning(state, PortPolicy::MayMove, progress);
    RedisInstance(m_dir).ensureRunning(state, PortPolicy::MayMove, progress);
    SandboxStatus out = status();
    if (resumed)
        out.mended.insert(out.mended.begin(), *resumed);
    return out;
}

void Sandbox::stop()
{
    if (!sandbox::pathExists(m_dir))
        return;
    SandboxLock lock(m_dir / "sandbox.lock", {});
    // Stop Redis even if PostgreSQL fails to stop, so that one stubborn server does not leave two.
    std::string failure;
    try {
        PostgresInstance(m_dir).shutDown();
    } catch (const SandboxError &e) {
        failure = e.what();
    }
    RedisInstance(m_dir).shutDown();
    if (!failure.empty())
        throw SandboxError(failure);
}

SandboxStatus Sandbox::status() const
{
    SandboxStatus status;
    status.dir = m_dir.string();
    status.pgOsUser = PostgresAccount::expectedName();
    const std::optional<SandboxState> state = SandboxState::read(m_dir);
    if (!state)
        return status;
    if (!state->pgOsUser.empty())
        status.pgOsUser = state->pgOsUser;
    status.pgPort = state->pgPort;
    status.fastUnsafe = state->fastUnsafe;
    status.redisPort = state->redisPort;
    if (state->pgPort > 0 && !state->pgAppPassword.empty()) {
        status.pgUrl = PostgresInstance::url(*state);
        status.pgOwnerUrl = PostgresInstance::ownerUrl(*state);
        if (!state->pgReaderPassword.empty())
            status.pgReaderUrl = PostgresInstance::readerUrl(*state);
    }
    if (state->redisPort > 0)
        status.redisUrl = RedisInstance::url(*state);
    // A sandbox from before the application had a role of its own needs a start to create it.
    status.pgRunning = !status.pgUrl.empty() && PostgresInstance(m_dir).isRunning(*state);
    if (auto resumed = resumeStoppedRedis(m_dir))
        status.mended.push_back(std::move(*resumed));
    status.redisRunning = RedisInstance(m_dir).isRunning(*state);
    return status;
}

void Sandbox::stopRedis()
{
    if (!sandbox::pathExists(m_dir))
        return;
    SandboxLock lock(m_dir / "sandbox.lock", {});
    RedisInstance(m_dir).shutDown();
}

void Sandbox::startRedis()
{
    sandbox::createSandboxDir(m_dir, {});
    SandboxLock lock(m_dir / "sandbox.lock", {});
    SandboxState state = SandboxState::loadOrCreate(m_dir, {});
    RedisInstance(m_dir).ensureRunning(state, PortPolicy::MustKeep, {});
}

void Sandbox::stopPostgres()
{
    if (!sandbox::pathExists(m_dir))
        return;
    SandboxLock lock(m_dir / "sandbox.lock", {});
    PostgresInstance(m_dir).shutDown();
}

void Sandbox::startPostgres()
{
    sandbox::createSandboxDir(m_dir, {});
    SandboxLock lock(m_dir / "sandbox.lock", {});
    SandboxState state = SandboxState::loadOrCreate(m_dir, {});
    PostgresInstance(m_dir).ensureRunning(state, PortPolicy::MustKeep, {});
}

std::optional<int> Sandbox::redisPid() const
{
    if (!sandbox::pathExists(m_dir))
        return std::nullopt;
    if (const auto pid = RedisInstance(m_dir).runningPid())
        return static_cast<int>(*pid);
    return std::nullopt;
}

std::string Sandbox::withRedisPassword(const std::string &redisUrl) const
{
    const std::optional<SandboxState> state = SandboxState::read(m_dir);
    if (!state || state->redisPassword.empty() || state->redisPort <= 0)
        return redisUrl;
    try {
        const RedisUrl url = RedisUrl::parse(redisUrl);
        const bool loopback = url.host == "127.0.0.1" || url.host == "localhost" || url.host == "::1";
        if (!loopback || url.port != state->redisPort || !url.password.empty() || !url.user.empty())
            return redisUrl;
        std::string withPassword = RedisInstance::url(*state);
        if (url.db != 0)
            withPassword += '/' + std::to_string(url.db);
        return withPassword;
    } catch (const Error &) {
        return redisUrl;
    }
}

} // namespace inv
