// An exclusive lock on a sandbox directory, held for the lifetime of the object. The CLI, the GUI and
// test scripts may all act on one directory; flock is released by the kernel when a process dies, so
// a crash never leaves the sandbox locked. The constructor blocks for up to 3 minutes while another
// process holds the lock. Use one object from one thread.
#pragma once

#include "sandbox/sandbox.h"

#include <filesystem>

namespace inv {

class SandboxLock
{
public:
    // Throws SandboxError if the lock file cannot be opened or the lock is not granted in time.
    SandboxLock(const std::filesystem::path &file, const Sandbox::Progress &progress);
    SandboxLock(const SandboxLock &) = delete;
    SandboxLock &operator=(const SandboxLock &) = delete;
    ~SandboxLock();

private:
    int m_fd;
};

} // namespace inv
