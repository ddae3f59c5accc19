#include "sandbox/redisinstance.h"

#include "errors.h"
#include "sandbox/loopbacksocket.h"
#include "sandbox/process.h"
#include "sandbox/sandboxsupport.h"

#include <cerrno>
#include <csignal>
#include <string>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace inv {

using sandbox::report;

namespace {

// A raw PING, so that probing needs neither a client library nor a connection pool.
bool redisAnswers(int port, std::chrono::milliseconds timeout = 1000ms)
{
    if (port <= 0)
        return false;
    LoopbackSocket socket;
    if (socket.fd() < 0)
        return false;
    ::fcntl(socket.fd(), F_SETFL, ::fcntl(socket.fd(), F_GETFL) | O_NONBLOCK);
    const sockaddr_in address = LoopbackSocket::address(port);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        if (errno != EINPROGRESS)
            return false;
        pollfd pfd{socket.fd(), POLLOUT, 0};
        if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1)
            return false;
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0)
            return false;
    }
    static const char ping[] = "PING\r\n";
    if (::send(socket.fd(), ping, sizeof ping - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof ping - 1))
        return false;
    std::string reply;
    const auto deadline = sandbox::Clock::now() + timeout;
    while (reply.find("\r\n") == std::string::npos) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - sandbox::Clock::now());
        if (left <= 0ms)
            return false;
        pollfd pfd{socket.fd(), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) != 1)
            return false;
        char buffer[64];
        const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
        if (n <= 0)
            return false;
        reply.append(buffer, static_cast<size_t>(n));
    }
    return reply.rfind("+PONG", 0) == 0;
}

} // namespace

RedisInstance::RedisInstance(fs::path sandboxDir)
    : m_dir(std::move(sandboxDir)), m_redisDir(m_dir / "redis"),
      m_server("Redis", "redis-server", m_redisDir, m_redisDir / "redis.pid", m_dir / "redis.log")
{}

std::optional<pid_t> RedisInstance::runningPid() const
{
    const auto pid = m_server.pid();
    if (pid && m_server.isRunning(*pid))
        return pid;
    return std::nullopt;
}

bool RedisInstance::isRunning(const SandboxState &state) const
{
    const auto pid = m_server.pid();
    return pid && m_server.isRunning(*pid) && redisAnswers(state.redisPort);
}

void RedisInstance::ensureRunning(SandboxState &state, PortPolicy policy,
                                  const Sandbox::Progress &progress) const
{
    sandbox::checkSandboxDir(m_dir);
    const std::string server = sandbox::findOnPath("redis-server");
    if (server.empty())
        throw SandboxError(
            "redis-server was not found on PATH; install it (apt-get install redis-server) and "
            "start again");

    const fs::path &pidFile = m_server.pidFile();
    const fs::path &logFile = m_server.logFile();

    const auto pid = m_server.pid();
    if (pid) {
        const ServerProcess::State running =
            m_server.await(*pid, [&] { return redisAnswers(state.redisPort); });
        if (running == ServerProcess::State::Silent)
            throw SandboxError(m_server.withLog(
                "Redis (pid " + std::to_string(*pid) + ") is running from " + m_redisDir.string() +
                " but does not answer PING on 127.0.0.1:" + std::to_string(state.redisPort) +
                "; stop it with 'inventory-console sandbox stop --dir " + m_dir.string() + "' (or 'kill " +
                std::to_string(*pid) + "') and start again."));
        if (running == ServerProcess::State::Answering) {
            report(progress, "Redis is already running on 127.0.0.1:" + std::to_string(state.redisPort) +
                                 " (pid " + std::to_string(*pid) + ")");
            return;
        }
    }
    m_server.removeStalePidFile(pid, progress);

    std::error_code ec;
    fs::create_directories(m_redisDir, ec);
    if (ec)
        throw SandboxError("cannot create " + m_redisDir.string() + ": " + ec.message() +
                           "; pick a --dir you can write to");

    const int port = LoopbackPorts::choose(state.redisPort, state.pgPort, "Redis", policy, progress);
    if (port != state.redisPort) {
        state.redisPort = port;
        state.save(m_dir);
    }

    report(progress, "starting Redis on 127.0.0.1:" + std::to_string(port));
    const ProcessResult started =
        Process::run({server, "--port", std::to_string(port), "--bind", "127.0.0.1", "--daemonize", "yes",
                      "--pidfile", pidFile.string(), "--dir", m_redisDir.string(), "--logfile",
                      logFile.string(), "--save", "", "--appendonly", "no", "--protected-mode", "no"},
                     30s, m_redisDir);
    if (started.exitCode != 0)
        throw SandboxError(m_server.withLog("Redis did not start on 127.0.0.1:" + std::to_string(port) +
                                            " (redis-server exit " + std::to_string(started.exitCode) +
                                            "):\n" + sandbox::trimmed(started.output) +
                                            "\nFix the cause and start again."));
    // redis-server daemonises before it binds, so its exit status says nothing about the port.
    bool died = false;
    const bool answered = sandbox::waitUntil(10s, [&] {
        if (redisAnswers(port, 500ms))
            return true;
        const auto current = m_server.pid();
        died = current && !Process::isAlive(*current);
        return died;
    });
    if (!answered || died)
        throw SandboxError(m_server.withLog("Redis did not answer PING on 127.0.0.1:" + std::to_string(port) +
                                            (died ? " (it exited)" : " within 10 s") +
                                            "; fix the cause in the log below and start again."));
}

void RedisInstance::shutDown() const
{
    const auto pid = m_server.pid();
    std::error_code ignored;
    if (!pid || !m_server.isRunning(*pid)) {
        fs::remove(m_server.pidFile(), ignored);
        return;
    }
    // With no save points configured, SIGTERM makes Redis shut down at once without writing a dump.
    ::kill(*pid, SIGTERM);
    if (!sandbox::waitUntil(10s, [&] { return !Process::isAlive(*pid); })) {
        ::kill(*pid, SIGKILL);
        if (!sandbox::waitUntil(5s, [&] { return !Process::isAlive(*pid); }))
            throw SandboxError(
                m_server.withLog("Redis (pid " + std::to_string(*pid) +
                                 ") did not exit after SIGTERM and SIGKILL; check it with 'ps " +
                                 std::to_string(*pid) + "' and end it by hand."));
    }
    fs::remove(m_server.pidFile(), ignored);
}

} // namespace inv
