#include "sandbox/resumeguard.h"

#include "errors.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace inv {

namespace {
[[noreturn]] void refuse(int error)
{
    throw SandboxError(std::string("cannot start the guard that resumes a paused server: ") +
                       std::strerror(error) + "; the fault was not started");
}
} // namespace

ResumeGuard::ResumeGuard(pid_t target) : m_target(target)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        refuse(errno);
    // A shell, spawned rather than forked (nothing of this multi-threaded process runs in the
    // child), in a session of its own and deaf to the signals that end a run, so that a Ctrl+C or a
    // hang-up that ends the run does not end its guard first. Its standard input is the pipe's read
    // end; the write end is this process's alone (close-on-exec), so `read` returns when this
    // process closes it or dies, however it dies.
    const std::string script =
        "trap '' HUP INT TERM QUIT PIPE; read -r _; kill -CONT " + std::to_string(target) + " 2>/dev/null";
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
    const char *argv[] = {"sh", "-c", script.c_str(), nullptr};
    pid_t child = -1;
    const int error =
        ::posix_spawn(&child, "/bin/sh", &actions, &attributes, const_cast<char **>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(fds[0]);
    if (error != 0) {
        ::close(fds[1]);
        refuse(error);
    }
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
