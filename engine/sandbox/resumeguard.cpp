#include "sandbox/resumeguard.h"

#include "errors.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace inv {

namespace {
// In the child of a multi-threaded process: async-signal-safe calls only.
[[noreturn]] void guard(int readEnd, pid_t target)
{
    // Out of the run's process group and deaf to the signals that end a run, so that a Ctrl+C or a
    // hang-up that ends the run does not end its guard first.
    ::setsid();
    struct sigaction ignore
    {};
    ignore.sa_handler = SIG_IGN;
    for (int signal : {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGPIPE})
        ::sigaction(signal, &ignore, nullptr);
    // Other pipes' write ends, inherited from the parent, would keep their readers waiting.
    if (readEnd > 3)
        ::close_range(3, static_cast<unsigned>(readEnd) - 1, 0);
    ::close_range(static_cast<unsigned>(readEnd) + 1, ~0U, 0);
    char byte = 0;
    while (::read(readEnd, &byte, 1) < 0 && errno == EINTR) {
    }
    ::kill(target, SIGCONT);
    ::_exit(0);
}
} // namespace

ResumeGuard::ResumeGuard(pid_t target) : m_target(target)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw SandboxError(std::string("cannot start the guard that resumes a paused server: ") +
                           std::strerror(errno) + "; the fault was not started");
    const pid_t child = ::fork();
    if (child < 0) {
        const int error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw SandboxError(std::string("cannot start the guard that resumes a paused server: ") +
                           std::strerror(error) + "; the fault was not started");
    }
    if (child == 0)
        guard(fds[0], target);
    ::close(fds[0]);
    m_guard = child;
    m_writeEnd = fds[1];
}

ResumeGuard::~ResumeGuard()
{
    release();
}

void ResumeGuard::release()
{
    if (m_guard < 0)
        return;
    ::kill(m_target, SIGCONT);
    ::close(m_writeEnd); // the guard sends SIGCONT once more, harmlessly, and exits
    while (::waitpid(m_guard, nullptr, 0) < 0 && errno == EINTR) {
    }
    m_guard = -1;
    m_writeEnd = -1;
}

} // namespace inv
