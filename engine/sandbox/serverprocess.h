// A server daemon that the sandbox started, known only by its pid file, its command name, the
// working directory it chdirs to and its log. Tells a live server from a stale pid file, clears
// stale pid files, and quotes the log so that a failure explains itself. Holds only paths; its
// methods block for at most the waits they document and may be called from any thread.
#pragma once

#include "sandbox/sandbox.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <sys/types.h>

namespace inv {

class ServerProcess
{
public:
    enum class State
    {
        Answering,
        Gone,
        Silent
    };

    // service names the server in messages ("PostgreSQL"); command is its /proc comm.
    ServerProcess(std::string service, std::string command, std::filesystem::path workingDir,
                  std::filesystem::path pidFile, std::filesystem::path logFile);

    // The first number in a pid file, if it holds one.
    static std::optional<pid_t> readPid(const std::filesystem::path &file);
    std::optional<pid_t> pid() const { return readPid(m_pidFile); }

    // A pid file may outlive its server and the pid be reused, so check that the process is the
    // server we started from this directory.
    bool isRunning(pid_t pid) const;
    // Waits up to 10 s for a server to answer or exit.
    State await(pid_t pid, const std::function<bool()> &answers) const;
    // Removes a pid file whose server is gone (pid set) or that holds no pid; reports either.
    void removeStalePidFile(std::optional<pid_t> pid, const Sandbox::Progress &progress) const;

    // message, followed by the last lines of the server's log.
    std::string withLog(const std::string &message) const;

    const std::filesystem::path &pidFile() const { return m_pidFile; }
    const std::filesystem::path &logFile() const { return m_logFile; }

private:
    std::string m_service;
    std::string m_command;
    std::filesystem::path m_workingDir;
    std::filesystem::path m_pidFile;
    std::filesystem::path m_logFile;
};

} // namespace inv
