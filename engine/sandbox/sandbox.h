// Starts and stops a private PostgreSQL and Redis on loopback for demos and tests, with everything
// (cluster, Redis working directory, logs and a small state file) kept under one directory. Ports
// are picked free at first start and reused afterwards, so URLs stay stable across restarts.
// As root, PostgreSQL runs as the unprivileged 'postgres' account because it refuses to run as
// root. Call a Sandbox from one thread at a time; its methods block for up to a minute while the
// servers start or stop. Separate processes working on the same directory are serialised by a
// lock file, so the CLI and a test script cannot start the same servers twice.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace inv {

struct SandboxStatus
{
    std::string dir;
    bool pgRunning = false;
    bool redisRunning = false;
    int pgPort = 0;
    int redisPort = 0;
    // The operator's URL, which the console and the simulations use: a role that may read and write
    // the tables, append to the audit log and nothing else
    // (postgresql://inventory_app:PASSWORD@127.0.0.1:PORT/inventory).
    std::string pgUrl;
    // The schema owner's URL, for migrations and DDL; the sandbox migrates with it at every start.
    std::string pgOwnerUrl;
    // The read-only role's URL (inventory_reader), for reports and dashboards.
    std::string pgReaderUrl;
    // redis://:PASSWORD@127.0.0.1:PORT (the sandbox's Redis requires a password); without one only
    // for a sandbox made before Redis had one, until its next start.
    std::string redisUrl;
    std::string pgOsUser;    // the OS account PostgreSQL runs as ("postgres" when we are root)
    bool fastUnsafe = false; // PostgreSQL runs without fsync (sandbox start --fast-unsafe)
    // What start or status found wrong and mended, in a sentence each (a stopped Redis resumed).
    std::vector<std::string> mended;
};

class Sandbox
{
public:
    // An empty dir means defaultDir(). A relative one is made absolute now, against the current directory.
    explicit Sandbox(std::filesystem::path dir);

    // $XDG_DATA_HOME/inventory-console/sandbox, else ~/.local/share/inventory-console/sandbox. As
    // root, /var/lib/inventory-console/sandbox, because root's home is not traversable by postgres.
    static std::filesystem::path defaultDir();

    using Progress = std::function<void(const std::string &)>;

    // Starts whatever is not running yet; starting twice does no harm. Recovers from stale pid files
    // and from a saved port that another program has taken meanwhile. Throws SandboxError.
    // fastUnsafe chooses PostgreSQL's durability (unset: keep the saved mode, durable at first);
    // changing it while PostgreSQL runs is refused, as it applies only when the server starts.
    SandboxStatus start(const Progress &progress = {}, std::optional<bool> fastUnsafe = std::nullopt);
    // Shuts both servers down cleanly; no error if they are already stopped. Throws SandboxError.
    void stop();
    // Reads the state and probes the servers without changing anything.
    SandboxStatus status() const;

    // For fault-injection tests: stop or start one service, keeping its port so that clients can
    // reconnect to the same URL. Starting throws SandboxError if the port was taken meanwhile.
    void stopRedis();
    void startRedis();
    void stopPostgres();
    void startPostgres();
    // The sandbox's redis-server process, for faults that signal it (SIGSTOP, SIGKILL); nothing if
    // it is not running.
    std::optional<int> redisPid() const;

    // A Redis URL saved without its password (settings keep none) gets the sandbox's password back if
    // it names this sandbox's Redis on loopback; any other URL comes back unchanged.
    std::string withRedisPassword(const std::string &redisUrl) const;

private:
    std::filesystem::path m_dir;
};

} // namespace inv
