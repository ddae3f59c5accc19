// Keeps a process that a fault stopped (SIGSTOP) from staying stopped when the run that stopped it
// ends any other way than by resuming it: a SIGHUP, a SIGKILL, a crash. The guard is a small child
// process (a shell) that waits on a pipe whose only writer is this process; when the pipe closes,
// however this process ended, the child sends SIGCONT and exits. Create it before stopping the target;
// release() (or the destructor) resumes the target and lets the child go. One thread at a time.
#pragma once

#include <sys/types.h>

namespace inv {

class ResumeGuard
{
public:
    // Throws SandboxError if the guard process cannot be started (then do not stop the target).
    explicit ResumeGuard(pid_t target);
    ~ResumeGuard();
    ResumeGuard(const ResumeGuard &) = delete;
    ResumeGuard &operator=(const ResumeGuard &) = delete;

    // Resumes the target now and ends the guard. Idempotent.
    void release();
    pid_t guardPid() const { return m_guard; }

private:
    pid_t m_target;
    pid_t m_guard = -1;
    int m_writeEnd = -1;
};

} // namespace inv
