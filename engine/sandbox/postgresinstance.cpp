#include "sandbox/postgresinstance.h"

#include "db/migrations.h"
#include "db/pgconnection.h"
#include "errors.h"
#include "sandbox/postgresaccount.h"
#include "sandbox/process.h"
#include "sandbox/sandboxdatabase.h"
#include "sandbox/sandboxsupport.h"

#include <libpq-fe.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace inv {

using sandbox::report;

namespace {

const char *const kSuperuser = "inventory";
const char *const kOwner = "inventory_owner";
const char *const kApplication = "inventory_app";
const char *const kReader = "inventory_reader";
const char *const kDatabase = "inventory";

// Debian keeps each major version's server binaries apart; prefer 15, which the project targets.
fs::path postgresBinDir()
{
    const fs::path preferred = "/usr/lib/postgresql/15/bin";
    if (fs::exists(preferred / "pg_ctl"))
        return preferred;
    std::error_code ec;
    int bestVersion = -1;
    fs::path best;
    for (const auto &entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const std::string name = entry.path().filename().string();
        char *end = nullptr;
        const long version = std::strtol(name.c_str(), &end, 10);
        if (end == name.c_str() || !fs::exists(entry.path() / "bin" / "pg_ctl"))
            continue;
        if (version > bestVersion) {
            bestVersion = static_cast<int>(version);
            best = entry.path() / "bin";
        }
    }
    if (!best.empty())
        return best;
    const std::string onPath = sandbox::findOnPath("pg_ctl");
    if (!onPath.empty() && fs::exists(fs::path(onPath).parent_path() / "initdb"))
        return fs::path(onPath).parent_path();
    throw SandboxError("the PostgreSQL server programs (initdb, pg_ctl) were not found in "
                       "/usr/lib/postgresql/*/bin or on PATH; install them (apt-get install postgresql-15) "
                       "and start again");
}

void touchFile(const fs::path &path, mode_t mode)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
    if (fd < 0)
        throw SandboxError("cannot create " + path.string() + ": " + sandbox::errnoText(errno) +
                           "; check the permissions of " + path.parent_path().string());
    ::close(fd);
}

// postmaster.pid holds the port on its fourth line, which tells where a running server listens even
// if our state file says otherwise.
int postmasterPort(const fs::path &file)
{
    std::ifstream in(file);
    std::string line;
    for (int i = 0; i < 4 && std::getline(in, line); ++i) {
        if (i == 3)
            return std::atoi(line.c_str());
    }
    return 0;
}

} // namespace

PostgresInstance::PostgresInstance(fs::path sandboxDir)
    : m_dir(std::move(sandboxDir)), m_pgDir(m_dir / "pg"),
      m_server("PostgreSQL", "postgres", m_pgDir, m_pgDir / "postmaster.pid", m_dir / "pg.log")
{}

std::string PostgresInstance::url(const SandboxState &state)
{
    return std::string("postgresql://") + kApplication + ":" + state.pgAppPassword +
           "@127.0.0.1:" + std::to_string(state.pgPort) + "/" + kDatabase;
}

std::string PostgresInstance::ownerUrl(const SandboxState &state)
{
    return std::string("postgresql://") + kOwner + ":" + state.pgOwnerPassword +
           "@127.0.0.1:" + std::to_string(state.pgPort) + "/" + kDatabase;
}

std::string PostgresInstance::readerUrl(const SandboxState &state)
{
    return std::string("postgresql://") + kReader + ":" + state.pgReaderPassword +
           "@127.0.0.1:" + std::to_string(state.pgPort) + "/" + kDatabase;
}

bool PostgresInstance::isRunning(const SandboxState &state) const
{
    const auto pid = m_server.pid();
    return pid && m_server.isRunning(*pid) && SandboxDatabase::answers(state.pgPort, state.pgPassword);
}

void PostgresInstance::ensureRunning(SandboxState &state, PortPolicy policy,
                                     const Sandbox::Progress &progress) const
{
    sandbox::checkSandboxDir(m_dir);
    const fs::path bin = postgresBinDir();
    const PostgresAccount account = PostgresAccount::current();
    if (account.viaRunuser())
        report(progress, "PostgreSQL runs as the unprivileged account '" + account.name() +
                             "' (it refuses to run as root)");
    if (state.pgOsUser != account.name()) {
        state.pgOsUser = account.name();
        state.save(m_dir);
    }

    const fs::path &pidFile = m_server.pidFile();
    const fs::path &logFile = m_server.logFile();
    const fs::path runDir = m_dir / "run";

    const auto pid = m_server.pid();
    if (pid) {
        const int port = postmasterPort(pidFile) > 0 ? postmasterPort(pidFile) : state.pgPort;
        const ServerProcess::State server =
            m_server.await(*pid, [&] { return SandboxDatabase::answers(port, state.pgPassword); });
        if (server == ServerProcess::State::Silent)
            throw SandboxError(m_server.withLog(
                "PostgreSQL (pid " + std::to_string(*pid) + ") is running from " + m_pgDir.string() +
                " but does not answer on 127.0.0.1:" + std::to_string(port) +
                "; stop it with 'inventory-console sandbox stop --dir " + m_dir.string() + "' (or 'kill " +
                std::to_string(*pid) + "') and start again."));
        if (server == ServerProcess::State::Answering) {
            if (port != state.pgPort) {
                state.pgPort = port;
                state.save(m_dir);
            }
            report(progress, "PostgreSQL is already running on 127.0.0.1:" + std::to_string(port) + " (pid " +
                                 std::to_string(*pid) + ")");
            SandboxDatabase(m_dir).ensure(state, progress);
            return;
        }
    }
    m_server.removeStalePidFile(pid, progress);

    std::error_code ec;
    fs::create_directories(runDir, ec);
    if (ec)
        throw SandboxError("cannot create " + runDir.string() + ": " + ec.message() +
                           "; pick a --dir you can write to");
    removeStaleSocketLocks(runDir, progress);
    fs::permissions(runDir, fs::perms::owner_all, ec);
    touchFile(logFile, 0600);

    const bool initialised = sandbox::pathExists(m_pgDir / "PG_VERSION");
    if (!initialised) {
        if (sandbox::pathExists(m_pgDir) && !fs::is_empty(m_pgDir, ec))
            throw SandboxError(
                m_pgDir.string() +
                " exists but is not a PostgreSQL cluster (PG_VERSION is missing); move it away "
                "or delete it, or pick another --dir");
        fs::create_directories(m_pgDir, ec);
        if (ec)
            throw SandboxError("cannot create " + m_pgDir.string() + ": " + ec.message() +
                               "; pick a --dir you can write to");
        // PostgreSQL refuses a data directory that others can read.
        fs::permissions(m_pgDir, fs::perms::owner_all, ec);
    }
    if (account.viaRunuser()) {
        account.giveOwnership(runDir);
        account.giveOwnership(logFile);
        if (!initialised)
            account.giveOwnership(m_pgDir);
        const ProcessResult reach =
            Process::run(account.command({"test", "-w", m_pgDir.string()}), 30s, fs::path("/"));
        if (reach.exitCode != 0)
            throw SandboxError(
                "the account '" + account.name() + "', which runs PostgreSQL, cannot reach " +
                m_pgDir.string() + " (a parent directory is closed to it, as /root usually is); " +
                "pick a --dir the account can reach, such as /var/lib/inventory-console/sandbox " +
                "or a directory under /tmp");
    }

    if (!initialised) {
        // initdb reads the superuser's password from a file so that it never appears in a process list.
        const fs::path pwFile = m_dir / "pg-password.tmp";
        sandbox::writePrivateFile(pwFile, state.pgPassword + "\n");
        struct RemoveOnExit
        {
            fs::path path;
            ~RemoveOnExit()
            {
                std::error_code ignored;
                fs::remove(path, ignored);
            }
        } removePwFile{pwFile};
        if (account.viaRunuser())
            account.giveOwnership(pwFile);

        report(progress, "initialising PostgreSQL cluster in " + m_pgDir.string());
        const ProcessResult initdb =
            Process::run(account.command({(bin / "initdb").string(), "-D", m_pgDir.string(), "-U", kSuperuser,
                                          "--auth=scram-sha-256", "--pwfile=" + pwFile.string(), "-E", "UTF8",
                                          "--locale=C", "--no-sync"}),
                         180s, fs::path("/"));
        if (initdb.exitCode != 0)
            throw SandboxError("initdb could not create the PostgreSQL cluster in " + m_pgDir.string() +
                               " (exit " + std::to_string(initdb.exitCode) +
                               (initdb.timedOut ? ", timed out" : "") + "):\n" +
                               sandbox::trimmed(initdb.output) + "\nFix the cause above, delete " +
                               m_pgDir.string() + " and start again.");
    }

    const int port = LoopbackPorts::choose(state.pgPort, state.redisPort, "PostgreSQL", policy, progress);
    if (port != state.pgPort) {
        state.pgPort = port;
        state.save(m_dir);
    }

    report(progress, "starting PostgreSQL on 127.0.0.1:" + std::to_string(port));
    const std::string options =
        "-p " + std::to_string(port) +
        " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + runDir.string() +
        " -c max_connections=400 -c shared_buffers=128MB" +
        std::string(state.fastUnsafe ? " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                                     : "");
    if (state.fastUnsafe)
        report(progress,
               "fast-unsafe mode: fsync, synchronous_commit and full_page_writes are off; a crash can "
               "lose acknowledged writes (for demos and benchmarks only)");
    const ProcessResult started =
        Process::run(account.command({(bin / "pg_ctl").string(), "-D", m_pgDir.string(), "-l",
                                      logFile.string(), "-w", "-t", "60", "-o", options, "start"}),
                     90s, fs::path("/"));
    if (started.exitCode != 0)
        throw SandboxError(m_server.withLog(
            "PostgreSQL did not start on 127.0.0.1:" + std::to_string(port) + " (pg_ctl exit " +
            std::to_string(started.exitCode) + (started.timedOut ? ", timed out" : "") + "):\n" +
            sandbox::trimmed(started.output) +
            "\nFix the cause in the log below and start again; if the cluster is "
            "damaged, stop the sandbox and delete " +
            m_dir.string() + " to start fresh."));
    SandboxDatabase(m_dir).ensure(state, progress);
}

// PostgreSQL trusts kill(pid, 0) to tell whether a socket lock file is stale, and a zombie passes
// that test: in a container whose init does not reap, a killed server's lock blocks every restart.
// The socket directory is private to the sandbox, so clearing it while no server runs is safe.
void PostgresInstance::removeStaleSocketLocks(const fs::path &runDir, const Sandbox::Progress &progress) const
{
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(runDir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(".s.PGSQL.", 0) != 0 || !name.ends_with(".lock"))
            continue;
        const auto pid = ServerProcess::readPid(entry.path());
        if (pid && m_server.isRunning(*pid))
            continue;
        report(progress, "removing the stale PostgreSQL socket lock file " + entry.path().string() +
                             (pid ? " (pid " + std::to_string(*pid) + " is no longer running)" : ""));
        sandbox::removeFile(entry.path());
        std::error_code ignored;
        fs::remove(entry.path().parent_path() / name.substr(0, name.size() - 5), ignored);
    }
}

void PostgresInstance::shutDown() const
{
    const auto pid = m_server.pid();
    if (!pid || !m_server.isRunning(*pid)) {
        // A stale pid file would only confuse the next start.
        std::error_code ignored;
        fs::remove(m_server.pidFile(), ignored);
        return;
    }
    const ProcessResult stopped = Process::run(
        PostgresAccount::current().command({(postgresBinDir() / "pg_ctl").string(), "-D", m_pgDir.string(),
                                            "-m", "fast", "-w", "-t", "60", "stop"}),
        90s, fs::path("/"));
    if (stopped.exitCode != 0 && Process::isAlive(*pid))
        throw SandboxError(
            m_server.withLog("PostgreSQL (pid " + std::to_string(*pid) + ") did not stop (pg_ctl exit " +
                             std::to_string(stopped.exitCode) + "):\n" + sandbox::trimmed(stopped.output) +
                             "\nTry again, or end it with 'kill -INT " + std::to_string(*pid) + "'."));
}

} // namespace inv
