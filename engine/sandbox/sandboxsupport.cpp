#include "sandbox/sandboxsupport.h"

#include "errors.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace inv::sandbox {

void report(const Sandbox::Progress &progress, const std::string &message)
{
    if (progress)
        progress(message);
}

std::string errnoText(int error)
{
    return std::strerror(error);
}

std::string trimmed(const std::string &text)
{
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    const auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

std::string findOnPath(const std::string &program)
{
    const char *path = std::getenv("PATH");
    std::stringstream entries(path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
    std::string entry;
    std::error_code ec;
    while (std::getline(entries, entry, ':')) {
        const fs::path candidate = fs::path(entry.empty() ? "." : entry) / program;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate, ec))
            return candidate.string();
    }
    return {};
}

bool pathExists(const fs::path &path)
{
    std::error_code ec;
    return fs::exists(path, ec);
}

void writePrivateFile(const fs::path &path, const std::string &contents)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw SandboxError("cannot write " + path.string() + ": " + errnoText(errno) +
                           "; check the permissions of " + path.parent_path().string());
    // The file may predate us with looser permissions, and it holds a password.
    ::fchmod(fd, 0600);
    size_t written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int error = errno;
            ::close(fd);
            throw SandboxError("cannot write " + path.string() + ": " + errnoText(error) +
                               "; check that the disk is not full");
        }
        written += static_cast<size_t>(n);
    }
    ::close(fd);
}

void removeFile(const fs::path &path)
{
    std::error_code ec;
    fs::remove(path, ec);
    if (ec)
        throw SandboxError("cannot remove " + path.string() + ": " + ec.message() +
                           "; remove it by hand and start again");
}

// pg_ctl hands -o to /bin/sh, so a path with shell or GUC syntax in it would be split or worse.
void checkSandboxDir(const fs::path &dir)
{
    const std::string text = dir.string();
    const auto bad = std::find_if(text.begin(), text.end(), [](char c) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        return !plain && std::string_view("/._-+@:").find(c) == std::string_view::npos;
    });
    if (bad != text.end())
        throw SandboxError("the sandbox directory '" + text + "' contains '" + std::string(1, *bad) +
                           "', which cannot be passed safely to the PostgreSQL server; pick a --dir made of "
                           "letters, digits and / . _ - + @ : only");
    const std::string socketPath = (dir / "run" / ".s.PGSQL.65535").string();
    if (socketPath.size() >= sizeof(sockaddr_un::sun_path))
        throw SandboxError("the sandbox directory '" + text + "' is too long for PostgreSQL's Unix socket (" +
                           std::to_string(socketPath.size()) + " characters for " + socketPath +
                           ", at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                           "); pick a shorter --dir");
}

void createSandboxDir(const fs::path &dir, const Sandbox::Progress &progress)
{
    checkSandboxDir(dir);
    if (pathExists(dir))
        return;
    report(progress, "creating the sandbox directory " + dir.string());
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw SandboxError("cannot create the sandbox directory " + dir.string() + ": " + ec.message() +
                           "; pick a --dir you can write to");
    // As root the postgres account must be able to pass through, whatever the umask says.
    if (::geteuid() == 0)
        fs::permissions(dir, fs::perms(0755), ec);
}

} // namespace inv::sandbox
