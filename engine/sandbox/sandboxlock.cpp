#include "sandbox/sandboxlock.h"

#include "errors.h"
#include "sandbox/sandboxsupport.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace inv {

SandboxLock::SandboxLock(const std::filesystem::path &file, const Sandbox::Progress &progress)
    : m_fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600))
{
    if (m_fd < 0)
        throw SandboxError("cannot open the lock file " + file.string() + ": " + sandbox::errnoText(errno) +
                           "; check the permissions of " + file.parent_path().string());
    if (::flock(m_fd, LOCK_EX | LOCK_NB) == 0)
        return;
    sandbox::report(progress,
                    "waiting for another command that uses " + file.parent_path().string() + " to finish");
    if (!sandbox::waitUntil(180s, [this] { return ::flock(m_fd, LOCK_EX | LOCK_NB) == 0; })) {
        ::close(m_fd);
        throw SandboxError("another process has held " + file.string() +
                           " for 3 minutes; wait for the other inventory-console sandbox command to "
                           "finish, or end it, and try again");
    }
}

SandboxLock::~SandboxLock()
{
    ::close(m_fd);
}

} // namespace inv
