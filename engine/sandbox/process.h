// Runs an external program without a shell and collects what it prints. The sandbox uses it for
// initdb, pg_ctl and redis-server: arguments go straight to exec, so paths need no quoting and
// nothing is ever interpreted by /bin/sh. Stateless and safe to call from any thread at once; each
// call blocks its caller until the program exits or its timeout kills it.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace inv {

struct ProcessResult
{
    // The program's exit status, or 128 + the signal number if a signal ended it (as a shell reports).
    int exitCode = -1;
    // Standard output and standard error, merged in the order the program wrote them.
    std::string output;
    // True when the program outlived its timeout and was killed.
    bool timedOut = false;
};

class Process
{
public:
    // Runs argv[0] (looked up on PATH) with standard input from /dev/null. A program that does not
    // exit within the timeout is killed together with its process group. Throws SandboxError only
    // when the program cannot be started at all; a failing program is reported through exitCode.
    static ProcessResult run(const std::vector<std::string> &argv,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60),
                             const std::filesystem::path &workingDir = {});

    // True while the process exists and is not a zombie. Zombies count as gone because in a
    // container nobody may reap a daemon whose parent has exited.
    static bool isAlive(pid_t pid);
    // Stopped by a signal (SIGSTOP, SIGTSTP): alive, but it answers nothing until SIGCONT.
    static bool isStopped(pid_t pid);
};

} // namespace inv
