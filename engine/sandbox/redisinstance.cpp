#include "sandbox/redisinstance.h"

#include "errors.h"
#include "sandbox/loopbacksocket.h"
#include "sandbox/process.h"
#include "sandbox/sandboxsupport.h"

#include <cerrno>
#include <csignal>
#include <sstream>
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

enum class Answer
{
    None,
    Authenticated,
    // The server answers but has no password: one started before the sandbox's Redis had one.
    NoPasswordSet,
    WrongPassword
};

// A raw AUTH and PING, so that probing needs neither a client library nor a connection pool.
Answer redisAnswer(int port, const std::string &password, std::chrono::milliseconds timeout = 1000ms)
{
    if (port <= 0)
        return Answer::None;
    LoopbackSocket socket;
    if (socket.fd() < 0)
        return Answer::None;
    ::fcntl(socket.fd(), F_SETFL, ::fcntl(socket.fd(), F_GETFL) | O_NONBLOCK);
    const sockaddr_in address = LoopbackSocket::address(port);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        if (errno != EINPROGRESS)
            return Answer::None;
        pollfd pfd{socket.fd(), POLLOUT, 0};
        if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1)
            return Answer::None;
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0)
            return Answer::None;
    }
    // RESP arrays, so that the password needs no quoting.
    std::string request;
    if (!password.empty())
        request += "*2\r\n$4\r\nAUTH\r\n$" + std::to_string(password.size()) + "\r\n" + password + "\r\n";
    request += "*1\r\n$4\r\nPING\r\n";
    if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
        return Answer::None;
    const std::size_t lines = password.empty() ? 1 : 2;
    std::string reply;
    const auto deadline = sandbox::Clock::now() + timeout;
    auto complete = [&] {
        std::size_t found = 0;
        for (auto at = reply.find("\r\n"); at != std::string::npos; at = reply.find("\r\n", at + 2))
            ++found;
        return found >= lines;
    };
    while (!complete()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - sandbox::Clock::now());
        if (left <= 0ms)
            return Answer::None;
        pollfd pfd{socket.fd(), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) != 1)
            return Answer::None;
        char buffer[256];
        const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
        if (n <= 0)
            return Answer::None;
        reply.append(buffer, static_cast<size_t>(n));
    }
    if (password.empty())
        return reply.rfind("+PONG", 0) == 0 ? Answer::Authenticated : Answer::None;
    if (reply.rfind("+OK\r\n+PONG", 0) == 0)
        return Answer::Authenticated;
    // "-ERR AUTH <password> called without any password configured for the default user"
    if (reply.find("without any password configured") != std::string::npos)
        return Answer::NoPasswordSet;
    if (reply.rfind("-WRONGPASS", 0) == 0 || reply.rfind("-ERR invalid password", 0) == 0)
        return Answer::WrongPassword;
    return Answer::None;
}

bool redisAnswers(int port, const std::string &password, std::chrono::milliseconds timeout = 1000ms)
{
    return redisAnswer(port, password, timeout) == Answer::Authenticated;
}

// A value in redis.conf, quoted so that a path with spaces or quotes stays one argument.
std::string configValue(const std::string &value)
{
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + '"';
}

} // namespace

std::string RedisInstance::url(const SandboxState &state)
{
    return "redis://" + (state.redisPassword.empty() ? std::string() : ":" + state.redisPassword + "@") +
           "127.0.0.1:" + std::to_string(state.redisPort);
}

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
    return pid && m_server.isRunning(*pid) && redisAnswers(state.redisPort, state.redisPassword);
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

    auto pid = m_server.pid();
    if (pid && m_server.isRunning(*pid) && !state.redisPassword.empty() &&
        redisAnswer(state.redisPort, state.redisPassword) == Answer::NoPasswordSet) {
        report(progress, "restarting Redis (pid " + std::to_string(*pid) +
                             "), which an older version started without a password, to require one");
        shutDown();
        pid = m_server.pid();
    }
    if (pid) {
        const ServerProcess::State running =
            m_server.await(*pid, [&] { return redisAnswers(state.redisPort, state.redisPassword); });
        if (running == ServerProcess::State::Silent)
            throw SandboxError(m_server.withLog(
                "Redis (pid " + std::to_string(*pid) + ") is running from " + m_redisDir.string() +
                " but does not answer PING on 127.0.0.1:" + std::to_string(state.redisPort) +
                " with the password in " + (m_dir / "sandbox.conf").string() +
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
    writeConfig(state, port);
    // Everything, the password included, comes from the private config file: nothing secret on the
    // command line, which every local user can read in the process list.
    const ProcessResult started = Process::run({server, (m_dir / "redis.conf").string()}, 30s, m_redisDir);
    if (started.exitCode != 0)
        throw SandboxError(m_server.withLog("Redis did not start on 127.0.0.1:" + std::to_string(port) +
                                            " (redis-server exit " + std::to_string(started.exitCode) +
                                            "):\n" + sandbox::trimmed(started.output) +
                                            "\nFix the cause and start again."));
    // redis-server daemonises before it binds, so its exit status says nothing about the port.
    bool died = false;
    const bool answered = sandbox::waitUntil(10s, [&] {
        if (redisAnswers(port, state.redisPassword, 500ms))
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

void RedisInstance::writeConfig(const SandboxState &state, int port) const
{
    std::ostringstream config;
    config << "# inventory-console sandbox: rewritten at every start from sandbox.conf\n"
           << "port " << port << "\n"
           << "bind 127.0.0.1\n"
           << "protected-mode no\n"
           << "daemonize yes\n"
           << "pidfile " << configValue(m_server.pidFile().string()) << "\n"
           << "dir " << configValue(m_redisDir.string()) << "\n"
           << "logfile " << configValue(m_server.logFile().string()) << "\n"
           << "save \"\"\n"
           << "appendonly no\n";
    if (!state.redisPassword.empty())
        config << "requirepass " << configValue(state.redisPassword) << "\n";
    sandbox::writePrivateFile(m_dir / "redis.conf", config.str());
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
