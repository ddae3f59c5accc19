#include "sim/faulttargets.h"

#include "cache/redisurl.h"
#include "db/pgconnectionparameters.h"
#include "errors.h"
#include "sandbox/sandbox.h"

#include <cstdlib>

namespace inv {

namespace {
bool isLoopback(const std::string &host)
{
    return host.empty() || host == "127.0.0.1" || host == "localhost" || host == "::1" || host.front() == '/';
}

// The host and port a libpq connection string reaches, with libpq's own defaults.
std::pair<std::string, int> pgEndpoint(const std::string &conninfo)
{
    std::string host;
    std::string port;
    for (const auto &[key, value] : PgConnectionParameters::effective(conninfo)) {
        if (key == "host" || (key == "hostaddr" && host.empty()))
            host = value;
        else if (key == "port")
            port = value;
    }
    if (host.empty() && std::getenv("PGHOST"))
        host = std::getenv("PGHOST");
    if (port.empty())
        port = std::getenv("PGPORT") ? std::getenv("PGPORT") : "5432";
    return {host, std::atoi(port.c_str())};
}

} // namespace

void NemesisTargets::check(const std::vector<FaultSpec> &faults) const
{
    for (const auto &fault : faults) {
        if (!fault.needsSandbox())
            continue;
        const std::string what = std::string("--fault ") + FaultSpec::kindName(fault.kind) + " ";
        if (sandboxDir.empty())
            throw InvalidInput(what + "signals or restarts the sandbox's own " +
                               (fault.touchesRedis() ? "Redis" : "PostgreSQL") +
                               " process, and no sandbox was given: set INVENTORY_SANDBOX_DIR or pass --dir, "
                               "or use redis-client-pause and pg-terminate, which work on any server");
        const SandboxStatus status = Sandbox(sandboxDir).status();
        if (fault.touchesRedis()) {
            const RedisUrl url = RedisUrl::parse(redisUrl);
            if (!status.redisRunning || !isLoopback(url.host) || url.port != status.redisPort)
                throw InvalidInput(what + "needs the run's Redis to be the sandbox's, but the run uses " +
                                   url.display() + " and the sandbox in " + status.dir + " has " +
                                   (status.redisRunning ? "127.0.0.1:" + std::to_string(status.redisPort)
                                                        : std::string("no Redis running")) +
                                   "; against a remote Redis use redis-client-pause");
        } else {
            const auto [host, port] = pgEndpoint(pgConninfo);
            if (!status.pgRunning || !isLoopback(host) || port != status.pgPort)
                throw InvalidInput(what +
                                   "needs the run's PostgreSQL to be the sandbox's, but the run uses " +
                                   (host.empty() ? "the local socket" : host) + ":" + std::to_string(port) +
                                   " and the sandbox in " + status.dir + " has " +
                                   (status.pgRunning ? "127.0.0.1:" + std::to_string(status.pgPort)
                                                     : std::string("no PostgreSQL running")) +
                                   "; against a remote PostgreSQL use pg-terminate");
        }
    }
}

} // namespace inv
