#include "sandbox/process.h"

#include "errors.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace inv {

namespace {

using Clock = std::chrono::steady_clock;

// Owns one end of the output pipe so that every early return closes it.
class FileDescriptor
{
public:
    explicit FileDescriptor(int fd = -1) : m_fd(fd) {}
    FileDescriptor(const FileDescriptor &) = delete;
    FileDescriptor &operator=(const FileDescriptor &) = delete;
    ~FileDescriptor() { reset(); }

    int get() const { return m_fd; }
    void reset()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd;
};

class SpawnFileActions
{
public:
    SpawnFileActions() { posix_spawn_file_actions_init(&m_actions); }
    SpawnFileActions(const SpawnFileActions &) = delete;
    SpawnFileActions &operator=(const SpawnFileActions &) = delete;
    ~SpawnFileActions() { posix_spawn_file_actions_destroy(&m_actions); }
    posix_spawn_file_actions_t *get() { return &m_actions; }

private:
    posix_spawn_file_actions_t m_actions;
};

class SpawnAttributes
{
public:
    SpawnAttributes() { posix_spawnattr_init(&m_attr); }
    SpawnAttributes(const SpawnAttributes &) = delete;
    SpawnAttributes &operator=(const SpawnAttributes &) = delete;
    ~SpawnAttributes() { posix_spawnattr_destroy(&m_attr); }
    posix_spawnattr_t *get() { return &m_attr; }

private:
    posix_spawnattr_t m_attr;
};

// Returns false at end of file. Reads what is there without waiting for more.
bool readAvailable(int fd, std::string &output)
{
    std::array<char, 8192> buffer;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n > 0) {
            output.append(buffer.data(), static_cast<size_t>(n));
            continue;
        }
        if (n == 0)
            return false;
        if (errno == EINTR)
            continue;
        // EAGAIN: nothing more for now. Anything else: treat the pipe as finished.
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

int exitCodeFrom(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

ProcessResult Process::run(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                           const std::filesystem::path &workingDir)
{
    if (argv.empty() || argv.front().empty())
        throw SandboxError("cannot run an external program: no program name was given");

    int pipeFds[2];
    // O_CLOEXEC so that a program started from another thread at the same moment does not inherit
    // this pipe and keep it open.
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        throw SandboxError(std::string("cannot create a pipe to run '") + argv.front() +
                           "': " + std::strerror(errno) + "; the process may be out of file descriptors");
    FileDescriptor readEnd(pipeFds[0]);
    FileDescriptor writeEnd(pipeFds[1]);

    SpawnFileActions actions;
    posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(actions.get(), writeEnd.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), writeEnd.get(), STDERR_FILENO);
    if (!workingDir.empty())
        posix_spawn_file_actions_addchdir_np(actions.get(), workingDir.c_str());

    // A process group of its own lets a timeout kill helpers the program started (runuser starts
    // pg_ctl, which starts a shell). Servers detach with setsid, so they are not in it.
    SpawnAttributes attributes;
    sigset_t emptyMask;
    sigemptyset(&emptyMask);
    // The caller may ignore SIGPIPE or block signals; the program should start with defaults.
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal : {SIGPIPE, SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2})
        sigaddset(&defaults, signal);
    posix_spawnattr_setflags(attributes.get(),
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(attributes.get(), 0);
    posix_spawnattr_setsigmask(attributes.get(), &emptyMask);
    posix_spawnattr_setsigdefault(attributes.get(), &defaults);

    std::vector<char *> cArgv;
    cArgv.reserve(argv.size() + 1);
    for (const std::string &arg : argv)
        cArgv.push_back(const_cast<char *>(arg.c_str()));
    cArgv.push_back(nullptr);

    pid_t pid = -1;
    const int spawnError =
        posix_spawnp(&pid, argv.front().c_str(), actions.get(), attributes.get(), cArgv.data(), environ);
    writeEnd.reset();
    if (spawnError != 0) {
        std::string message = "cannot run '" + argv.front() + "': " + std::strerror(spawnError);
        if (spawnError == ENOENT)
            message += workingDir.empty() ? "; check that it is installed and on PATH"
                                          : "; check that it is installed and on PATH, and that '" +
                                                workingDir.string() + "' exists";
        throw SandboxError(message);
    }

    ProcessResult result;
    const auto deadline = Clock::now() + timeout;
    ::fcntl(readEnd.get(), F_SETFL, ::fcntl(readEnd.get(), F_GETFL) | O_NONBLOCK);
    bool pipeOpen = true;
    int status = 0;
    for (;;) {
        // Poll for exit rather than waiting for end of file: a daemon the program started may keep
        // the pipe open long after the program itself is gone.
        pid_t waited = ::waitpid(pid, &status, WNOHANG);
        if (waited == pid || (waited < 0 && errno == ECHILD)) {
            if (pipeOpen)
                readAvailable(readEnd.get(), result.output);
            result.exitCode = waited == pid ? exitCodeFrom(status) : -1;
            break;
        }

        const auto now = Clock::now();
        if (now >= deadline) {
            ::kill(-pid, SIGKILL);
            ::kill(pid, SIGKILL);
            while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
            }
            if (pipeOpen)
                readAvailable(readEnd.get(), result.output);
            result.exitCode = waited == pid ? exitCodeFrom(status) : -1;
            result.timedOut = true;
            break;
        }

        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        // Short slices once the pipe is closed, since only the exit is left to notice.
        const auto slice = std::min(remaining, std::chrono::milliseconds(pipeOpen ? 100 : 5));
        if (pipeOpen) {
            pollfd pfd{readEnd.get(), POLLIN, 0};
            const int ready = ::poll(&pfd, 1, static_cast<int>(std::max<long long>(slice.count(), 1)));
            if (ready > 0)
                pipeOpen = readAvailable(readEnd.get(), result.output);
        } else {
            std::this_thread::sleep_for(slice);
        }
    }
    return result;
}

namespace {
// The state letter of /proc/PID/stat, or 0 where there is no procfs to tell.
char processState(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!stat || !std::getline(stat, line))
        return 0;
    // The command name in parentheses may itself hold spaces or parentheses, so look after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size())
        return 0;
    return line[close + 2];
}
} // namespace

bool Process::isAlive(pid_t pid)
{
    if (pid <= 0)
        return false;
    if (::kill(pid, 0) != 0 && errno != EPERM)
        return false;
    const char state = processState(pid);
    return state != 'Z' && state != 'X'; // without procfs, kill() is all we can go by
}

bool Process::isStopped(pid_t pid)
{
    const char state = pid > 0 ? processState(pid) : 0;
    return state == 'T';
}

} // namespace inv
