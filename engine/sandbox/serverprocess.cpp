#include "sandbox/serverprocess.h"

#include "sandbox/process.h"
#include "sandbox/sandboxsupport.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <utility>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace inv {

namespace {

// The last lines of a server log, so that a failed start explains itself without a second command.
std::string logTail(const fs::path &file, int lines = 20)
{
    std::ifstream in(file, std::ios::binary);
    // std::string("(") rather than "(" + ...: GCC 12 warns falsely about prepending a literal (PR 105329).
    if (!in)
        return std::string("(") + file.string() + " could not be read)";
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff start = std::max<std::streamoff>(0, size - 16384);
    in.seekg(start);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = sandbox::trimmed(text);
    if (text.empty())
        return std::string("(") + file.string() + " is empty)";
    size_t pos = text.size();
    for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i)
        pos = text.rfind('\n', pos - 1);
    if (pos != std::string::npos && pos > 0)
        text = text.substr(pos + 1);
    return text;
}

} // namespace

ServerProcess::ServerProcess(std::string service, std::string command, fs::path workingDir, fs::path pidFile,
                             fs::path logFile)
    : m_service(std::move(service)), m_command(std::move(command)), m_workingDir(std::move(workingDir)),
      m_pidFile(std::move(pidFile)), m_logFile(std::move(logFile))
{}

std::optional<pid_t> ServerProcess::readPid(const fs::path &file)
{
    std::ifstream in(file);
    long pid = 0;
    if (!(in >> pid) || pid <= 0)
        return std::nullopt;
    return static_cast<pid_t>(pid);
}

// Both servers chdir to their data directory, which tells our server from a reused pid.
bool ServerProcess::isRunning(pid_t pid) const
{
    if (!Process::isAlive(pid))
        return false;
    const std::string proc = "/proc/" + std::to_string(pid);
    std::ifstream commFile(proc + "/comm");
    std::string comm;
    if (commFile && std::getline(commFile, comm) && comm != m_command)
        return false;
    std::error_code ec;
    const fs::path cwd = fs::read_symlink(proc + "/cwd", ec);
    if (!ec) {
        const fs::path expected = fs::weakly_canonical(m_workingDir, ec);
        if (!ec && cwd != expected)
            return false;
    }
    return true;
}

// A server that was just started may still be recovering, and one that was just sent SIGKILL may not
// have exited yet, so give it a moment to settle either way.
ServerProcess::State ServerProcess::await(pid_t pid, const std::function<bool()> &answers) const
{
    State state = State::Silent;
    sandbox::waitUntil(10s, [&] {
        if (!isRunning(pid))
            state = State::Gone;
        else if (answers())
            state = State::Answering;
        return state != State::Silent;
    });
    return state;
}

void ServerProcess::removeStalePidFile(std::optional<pid_t> pid, const Sandbox::Progress &progress) const
{
    if (pid)
        sandbox::report(progress, "removing the stale " + m_service + " pid file " + m_pidFile.string() +
                                      " (pid " + std::to_string(*pid) + " is no longer running)");
    else if (sandbox::pathExists(m_pidFile))
        sandbox::report(progress, "removing the unreadable " + m_service + " pid file " + m_pidFile.string());
    else
        return;
    sandbox::removeFile(m_pidFile);
}

std::string ServerProcess::withLog(const std::string &message) const
{
    return message + "\nLast lines of " + m_logFile.string() + ":\n" + logTail(m_logFile);
}

} // namespace inv
