// The sandbox's private redis-server, working in <dir>/redis and listening on 127.0.0.1 only, with
// persistence off and a password (requirepass) that it reads from <dir>/redis.conf, mode 0600, so
// that the password never shows in a process list: starts it as a daemon, probes it with AUTH and
// PING, recovers from stale pid files, restarts a server from an older sandbox that runs without a
// password, and stops it with SIGTERM (SIGKILL if it lingers). Holds only paths; call it from one thread at a
// time, with the directory's SandboxLock held for anything that changes state. Starting and stopping block
// for up to about 15 s.
#pragma once

#include "sandbox/loopbackports.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandboxstate.h"
#include "sandbox/serverprocess.h"

#include <filesystem>
#include <optional>
#include <string>

namespace inv {

class RedisInstance
{
public:
    explicit RedisInstance(std::filesystem::path sandboxDir);

    // redis://:PASSWORD@127.0.0.1:PORT, or without the password for a state from an older version.
    static std::string url(const SandboxState &state);

    // Probes without changing anything.
    bool isRunning(const SandboxState &state) const;
    // Starts the server unless it already answers, and saves a port change in state. Throws SandboxError.
    void ensureRunning(SandboxState &state, PortPolicy policy, const Sandbox::Progress &progress) const;
    // No error if it is already stopped. Throws SandboxError if it survives SIGKILL.
    void shutDown() const;
    // The server's pid, if its pid file names a live redis-server started from this directory.
    std::optional<pid_t> runningPid() const;

private:
    void writeConfig(const SandboxState &state, int port) const;

    std::filesystem::path m_dir;
    std::filesystem::path m_redisDir;
    ServerProcess m_server;
};

} // namespace inv
