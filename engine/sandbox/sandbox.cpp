#include "sandbox/sandbox.h"

#include "errors.h"
#include "sandbox/process.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace inv {

struct Sandbox::State
{
    int pgPort = 0;
    int redisPort = 0;
    std::string pgPassword;
    std::string pgOsUser;
};

namespace {

const char *const kSuperuser = "inventory";
const char *const kDatabase = "inventory";

using Clock = std::chrono::steady_clock;

void report(const Sandbox::Progress &progress, const std::string &message)
{
    if (progress)
        progress(message);
}

template <typename Predicate> bool waitUntil(std::chrono::milliseconds timeout, Predicate predicate)
{
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (predicate())
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(100ms);
    }
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

// The last lines of a server log, so that a failed start explains itself without a second command.
std::string logTail(const fs::path &file, int lines = 20)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return "(" + file.string() + " could not be read)";
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff start = std::max<std::streamoff>(0, size - 16384);
    in.seekg(start);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = trimmed(text);
    if (text.empty())
        return "(" + file.string() + " is empty)";
    size_t pos = text.size();
    for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i)
        pos = text.rfind('\n', pos - 1);
    if (pos != std::string::npos && pos > 0)
        text = text.substr(pos + 1);
    return text;
}

std::string withLog(const std::string &message, const fs::path &log)
{
    return message + "\nLast lines of " + log.string() + ":\n" + logTail(log);
}

std::string randomPassword()
{
    // Letters and digits only, so that the password needs no escaping in a URL or a conninfo string.
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device device;
    std::uniform_int_distribution<size_t> pick(0, sizeof(alphabet) - 2);
    std::string password(24, ' ');
    for (char &c : password)
        c = alphabet[pick(device)];
    return password;
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

// Debian keeps each major version's server binaries apart; prefer 15, which the project targets.
fs::path postgresBinDir()
{
    const fs::path preferred = "/usr/lib/postgresql/15/bin";
    if (fs::exists(preferred / "pg_ctl"))
        return preferred;
    std::error_code ec;
    int bestVersion = -1;
    fs::path best;
    for (const auto &entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const std::string name = entry.path().filename().string();
        char *end = nullptr;
        const long version = std::strtol(name.c_str(), &end, 10);
        if (end == name.c_str() || !fs::exists(entry.path() / "bin" / "pg_ctl"))
            continue;
        if (version > bestVersion) {
            bestVersion = static_cast<int>(version);
            best = entry.path() / "bin";
        }
    }
    if (!best.empty())
        return best;
    const std::string onPath = findOnPath("pg_ctl");
    if (!onPath.empty() && fs::exists(fs::path(onPath).parent_path() / "initdb"))
        return fs::path(onPath).parent_path();
    throw SandboxError("the PostgreSQL server programs (initdb, pg_ctl) were not found in "
                       "/usr/lib/postgresql/*/bin or on PATH; install them (apt-get install postgresql-15) "
                       "and start again");
}

struct PostgresAccount
{
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    bool viaRunuser = false; // we are root and must switch to the account
};

PostgresAccount postgresAccount()
{
    if (::geteuid() == 0) {
        const passwd *pw = ::getpwnam("postgres");
        if (!pw)
            throw SandboxError(
                "PostgreSQL refuses to run as root and there is no 'postgres' account to run it "
                "as; install PostgreSQL (apt-get install postgresql), which creates the account, "
                "or run the sandbox as a normal user");
        return {pw->pw_name, pw->pw_uid, pw->pw_gid, true};
    }
    const passwd *pw = ::getpwuid(::geteuid());
    return {pw ? std::string(pw->pw_name) : std::to_string(::geteuid()), ::geteuid(), ::getegid(), false};
}

std::string expectedPostgresUser()
{
    if (::geteuid() == 0)
        return "postgres";
    const passwd *pw = ::getpwuid(::geteuid());
    return pw ? std::string(pw->pw_name) : std::to_string(::geteuid());
}

std::vector<std::string> asAccount(const PostgresAccount &account, std::vector<std::string> argv)
{
    if (!account.viaRunuser)
        return argv;
    std::string runuser = findOnPath("runuser");
    if (runuser.empty())
        runuser = fs::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
    argv.insert(argv.begin(), {runuser, "-u", account.name, "--"});
    return argv;
}

void changeOwner(const fs::path &path, const PostgresAccount &account)
{
    if (::chown(path.c_str(), account.uid, account.gid) != 0)
        throw SandboxError("cannot hand " + path.string() + " to the account '" + account.name +
                           "': " + errnoText(errno) + "; check that the directory is on a local file system");
}

void touchFile(const fs::path &path, mode_t mode)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
    if (fd < 0)
        throw SandboxError("cannot create " + path.string() + ": " + errnoText(errno) +
                           "; check the permissions of " + path.parent_path().string());
    ::close(fd);
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

std::optional<pid_t> readPidFile(const fs::path &file)
{
    std::ifstream in(file);
    long pid = 0;
    if (!(in >> pid) || pid <= 0)
        return std::nullopt;
    return static_cast<pid_t>(pid);
}

// postmaster.pid holds the port on its fourth line, which tells where a running server listens even
// if our state file says otherwise.
int postmasterPort(const fs::path &file)
{
    std::ifstream in(file);
    std::string line;
    for (int i = 0; i < 4 && std::getline(in, line); ++i) {
        if (i == 3)
            return std::atoi(line.c_str());
    }
    return 0;
}

// A pid file may outlive its server and the pid be reused, so check that the process is the server
// we started from this directory: both servers chdir to their data directory.
bool isServerProcess(pid_t pid, const std::string &command, const fs::path &workingDir)
{
    if (!Process::isAlive(pid))
        return false;
    const std::string proc = "/proc/" + std::to_string(pid);
    std::ifstream commFile(proc + "/comm");
    std::string comm;
    if (commFile && std::getline(commFile, comm) && comm != command)
        return false;
    std::error_code ec;
    const fs::path cwd = fs::read_symlink(proc + "/cwd", ec);
    if (!ec) {
        const fs::path expected = fs::weakly_canonical(workingDir, ec);
        if (!ec && cwd != expected)
            return false;
    }
    return true;
}

// PostgreSQL trusts kill(pid, 0) to tell whether a socket lock file is stale, and a zombie passes
// that test: in a container whose init does not reap, a killed server's lock blocks every restart.
// The socket directory is private to the sandbox, so clearing it while no server runs is safe.
void removeStaleSocketLocks(const fs::path &runDir, const fs::path &pgDir, const Sandbox::Progress &progress)
{
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(runDir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(".s.PGSQL.", 0) != 0 || !name.ends_with(".lock"))
            continue;
        const auto pid = readPidFile(entry.path());
        if (pid && isServerProcess(*pid, "postgres", pgDir))
            continue;
        report(progress, "removing the stale PostgreSQL socket lock file " + entry.path().string() +
                             (pid ? " (pid " + std::to_string(*pid) + " is no longer running)" : ""));
        removeFile(entry.path());
        std::error_code ignored;
        fs::remove(entry.path().parent_path() / name.substr(0, name.size() - 5), ignored);
    }
}

enum class ServerState
{
    Answering,
    Gone,
    Silent
};

// A server that was just started may still be recovering, and one that was just sent SIGKILL may not
// have exited yet, so give it a moment to settle either way.
template <typename Answers>
ServerState awaitServer(pid_t pid, const std::string &command, const fs::path &workingDir, Answers answers)
{
    ServerState state = ServerState::Silent;
    waitUntil(10s, [&] {
        if (!isServerProcess(pid, command, workingDir))
            state = ServerState::Gone;
        else if (answers())
            state = ServerState::Answering;
        return state != ServerState::Silent;
    });
    return state;
}

sockaddr_in loopback(int port)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

class Socket
{
public:
    Socket() : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;
    ~Socket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int fd() const { return m_fd; }

private:
    int m_fd;
};

// SO_REUSEADDR as the servers set it, so that connections in TIME_WAIT from a previous run do not
// make our own port look taken.
bool portIsFree(int port)
{
    Socket socket;
    if (socket.fd() < 0)
        return false;
    const int on = 1;
    ::setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_in address = loopback(port);
    return ::bind(socket.fd(), reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
}

int pickFreePort(int avoid)
{
    for (int attempt = 0; attempt < 20; ++attempt) {
        Socket socket;
        if (socket.fd() < 0)
            break;
        sockaddr_in address = loopback(0);
        if (::bind(socket.fd(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
            break;
        socklen_t length = sizeof address;
        if (::getsockname(socket.fd(), reinterpret_cast<sockaddr *>(&address), &length) != 0)
            break;
        const int port = ntohs(address.sin_port);
        if (port != avoid)
            return port;
    }
    throw SandboxError("cannot find a free TCP port on 127.0.0.1: " + errnoText(errno) +
                       "; check that the loopback interface is up");
}

bool redisAnswers(int port, std::chrono::milliseconds timeout = 1000ms)
{
    if (port <= 0)
        return false;
    Socket socket;
    if (socket.fd() < 0)
        return false;
    ::fcntl(socket.fd(), F_SETFL, ::fcntl(socket.fd(), F_GETFL) | O_NONBLOCK);
    const sockaddr_in address = loopback(port);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        if (errno != EINPROGRESS)
            return false;
        pollfd pfd{socket.fd(), POLLOUT, 0};
        if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1)
            return false;
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0)
            return false;
    }
    static const char ping[] = "PING\r\n";
    if (::send(socket.fd(), ping, sizeof ping - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof ping - 1))
        return false;
    std::string reply;
    const auto deadline = Clock::now() + timeout;
    while (reply.find("\r\n") == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left <= 0ms)
            return false;
        pollfd pfd{socket.fd(), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) != 1)
            return false;
        char buffer[64];
        const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
        if (n <= 0)
            return false;
        reply.append(buffer, static_cast<size_t>(n));
    }
    return reply.rfind("+PONG", 0) == 0;
}

struct PgConnDeleter
{
    void operator()(PGconn *conn) const { PQfinish(conn); }
};
struct PgResultDeleter
{
    void operator()(PGresult *result) const { PQclear(result); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Loopback needs neither TLS nor GSS, and negotiating them only slows every probe down.
struct PgParams
{
    std::string port;
    std::string password;
    std::vector<const char *> keywords;
    std::vector<const char *> values;

    PgParams(int portNumber, std::string pass) : port(std::to_string(portNumber)), password(std::move(pass))
    {
        keywords = {"host",    "port",       "dbname",           "user", "password", "connect_timeout",
                    "sslmode", "gssencmode", "application_name", nullptr};
        values = {"127.0.0.1", port.c_str(),     "postgres",
                  kSuperuser,  password.c_str(), "5",
                  "disable",   "disable",        "inventory-console sandbox",
                  nullptr};
    }
};

bool postgresAnswers(int port, const std::string &password)
{
    if (port <= 0)
        return false;
    PgParams params(port, password);
    return PQpingParams(params.keywords.data(), params.values.data(), 0) == PQPING_OK;
}

std::string pgError(PGconn *conn)
{
    return conn ? trimmed(PQerrorMessage(conn)) : std::string("out of memory");
}

// pg_ctl hands -o to /bin/sh, so a path with shell or GUC syntax in it would be split or worse.
void checkDirUsable(const fs::path &dir)
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

bool pathExists(const fs::path &path)
{
    std::error_code ec;
    return fs::exists(path, ec);
}

void createSandboxDir(const fs::path &dir, const Sandbox::Progress &progress)
{
    checkDirUsable(dir);
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

// The CLI, the GUI and test scripts may all act on one directory; flock is released by the kernel
// when a process dies, so a crash never leaves the sandbox locked.
class DirLock
{
public:
    DirLock(const fs::path &file, const Sandbox::Progress &progress)
        : m_fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600))
    {
        if (m_fd < 0)
            throw SandboxError("cannot open the lock file " + file.string() + ": " + errnoText(errno) +
                               "; check the permissions of " + file.parent_path().string());
        if (::flock(m_fd, LOCK_EX | LOCK_NB) == 0)
            return;
        report(progress,
               "waiting for another command that uses " + file.parent_path().string() + " to finish");
        if (!waitUntil(180s, [this] { return ::flock(m_fd, LOCK_EX | LOCK_NB) == 0; })) {
            ::close(m_fd);
            throw SandboxError("another process has held " + file.string() +
                               " for 3 minutes; wait for the other inventory-console sandbox command to "
                               "finish, or end it, and try again");
        }
    }
    DirLock(const DirLock &) = delete;
    DirLock &operator=(const DirLock &) = delete;
    ~DirLock() { ::close(m_fd); }

private:
    int m_fd;
};

int choosePort(int saved, int avoid, const std::string &service, bool mayMove,
               const Sandbox::Progress &progress)
{
    if (saved > 0 && saved != avoid && portIsFree(saved))
        return saved;
    if (saved <= 0) {
        const int port = pickFreePort(avoid);
        report(progress, service + " will listen on 127.0.0.1:" + std::to_string(port));
        return port;
    }
    if (!mayMove)
        throw SandboxError("port " + std::to_string(saved) + ", where the sandbox " + service +
                           " listens, is taken by another program; stop that program (see 'ss -ltnp "
                           "sport = :" +
                           std::to_string(saved) +
                           "') or run 'inventory-console sandbox start', which moves " + service +
                           " to a free port");
    const int port = pickFreePort(avoid);
    report(progress, "port " + std::to_string(saved) + " is taken by another program; " + service +
                         " moves to 127.0.0.1:" + std::to_string(port));
    return port;
}

} // namespace

Sandbox::Sandbox(std::filesystem::path dir)
{
    if (dir.empty())
        dir = defaultDir();
    m_dir = fs::absolute(dir).lexically_normal();
    if (!m_dir.has_filename() && m_dir.has_parent_path() && m_dir != m_dir.root_path())
        m_dir = m_dir.parent_path();
}

std::filesystem::path Sandbox::defaultDir()
{
    const fs::path suffix = fs::path("inventory-console") / "sandbox";
    if (::geteuid() == 0)
        return fs::path("/var/lib") / suffix;
    const char *dataHome = std::getenv("XDG_DATA_HOME");
    // The XDG spec says to ignore a relative XDG_DATA_HOME.
    if (dataHome && *dataHome == '/')
        return fs::path(dataHome) / suffix;
    const char *home = std::getenv("HOME");
    std::string homeDir = home && *home ? home : "";
    if (homeDir.empty()) {
        const passwd *pw = ::getpwuid(::geteuid());
        if (pw && pw->pw_dir)
            homeDir = pw->pw_dir;
    }
    if (homeDir.empty())
        throw SandboxError(
            "cannot find a data directory for the sandbox: neither XDG_DATA_HOME nor HOME is set; "
            "pass --dir");
    return fs::path(homeDir) / ".local" / "share" / suffix;
}

SandboxStatus Sandbox::start(const Progress &progress)
{
    createSandboxDir(m_dir, progress);
    DirLock lock(m_dir / "sandbox.lock", progress);
    State state = loadOrCreateState(progress);
    ensurePostgres(state, progress, PortPolicy::MayMove);
    ensureRedis(state, progress, PortPolicy::MayMove);
    return status();
}

void Sandbox::stop()
{
    if (!pathExists(m_dir))
        return;
    DirLock lock(m_dir / "sandbox.lock", {});
    // Stop Redis even if PostgreSQL fails to stop, so that one stubborn server does not leave two.
    std::string failure;
    try {
        shutDownPostgres();
    } catch (const SandboxError &e) {
        failure = e.what();
    }
    shutDownRedis();
    if (!failure.empty())
        throw SandboxError(failure);
}

SandboxStatus Sandbox::status() const
{
    SandboxStatus status;
    status.dir = m_dir.string();
    status.pgOsUser = expectedPostgresUser();
    const std::optional<State> state = readState();
    if (!state)
        return status;
    if (!state->pgOsUser.empty())
        status.pgOsUser = state->pgOsUser;
    status.pgPort = state->pgPort;
    status.redisPort = state->redisPort;
    if (state->pgPort > 0)
        status.pgUrl = std::string("postgresql://") + kSuperuser + ":" + state->pgPassword +
                       "@127.0.0.1:" + std::to_string(state->pgPort) + "/" + kDatabase;
    if (state->redisPort > 0)
        status.redisUrl = "redis://127.0.0.1:" + std::to_string(state->redisPort);

    const fs::path pgDir = m_dir / "pg";
    if (const auto pid = readPidFile(pgDir / "postmaster.pid"))
        status.pgRunning =
            isServerProcess(*pid, "postgres", pgDir) && postgresAnswers(state->pgPort, state->pgPassword);
    const fs::path redisDir = m_dir / "redis";
    if (const auto pid = readPidFile(redisDir / "redis.pid"))
        status.redisRunning =
            isServerProcess(*pid, "redis-server", redisDir) && redisAnswers(state->redisPort);
    return status;
}

void Sandbox::stopRedis()
{
    if (!pathExists(m_dir))
        return;
    DirLock lock(m_dir / "sandbox.lock", {});
    shutDownRedis();
}

void Sandbox::startRedis()
{
    createSandboxDir(m_dir, {});
    DirLock lock(m_dir / "sandbox.lock", {});
    State state = loadOrCreateState({});
    ensureRedis(state, {}, PortPolicy::MustKeep);
}

void Sandbox::stopPostgres()
{
    if (!pathExists(m_dir))
        return;
    DirLock lock(m_dir / "sandbox.lock", {});
    shutDownPostgres();
}

void Sandbox::startPostgres()
{
    createSandboxDir(m_dir, {});
    DirLock lock(m_dir / "sandbox.lock", {});
    State state = loadOrCreateState({});
    ensurePostgres(state, {}, PortPolicy::MustKeep);
}

std::optional<Sandbox::State> Sandbox::readState() const
{
    std::ifstream in(m_dir / "sandbox.conf");
    if (!in)
        return std::nullopt;
    State state;
    std::string line;
    while (std::getline(in, line)) {
        const auto equals = line.find('=');
        if (line.empty() || line[0] == '#' || equals == std::string::npos)
            continue;
        const std::string key = trimmed(line.substr(0, equals));
        const std::string value = trimmed(line.substr(equals + 1));
        if (key == "pg_port")
            state.pgPort = std::atoi(value.c_str());
        else if (key == "redis_port")
            state.redisPort = std::atoi(value.c_str());
        else if (key == "pg_password")
            state.pgPassword = value;
        else if (key == "pg_os_user")
            state.pgOsUser = value;
    }
    return state;
}

Sandbox::State Sandbox::loadOrCreateState(const Progress &progress) const
{
    const fs::path file = m_dir / "sandbox.conf";
    const bool clusterExists = pathExists(m_dir / "pg" / "PG_VERSION");
    std::optional<State> state = readState();
    if (state && !state->pgPassword.empty())
        return *state;
    if (clusterExists)
        throw SandboxError((m_dir / "pg").string() + " holds a PostgreSQL cluster but " + file.string() +
                           ", which keeps its password, is missing or incomplete; stop any server still "
                           "running from it and delete " +
                           m_dir.string() + " to start fresh, or pick another --dir");
    if (!state) {
        state = State{};
        report(progress, "writing the sandbox settings to " + file.string());
    }
    state->pgPassword = randomPassword();
    state->pgOsUser = expectedPostgresUser();
    saveState(*state);
    return *state;
}

void Sandbox::saveState(const State &state) const
{
    const fs::path file = m_dir / "sandbox.conf";
    const fs::path temporary = m_dir / "sandbox.conf.tmp";
    std::ostringstream out;
    out << "# inventory-console sandbox: ports and the password of the private PostgreSQL and Redis\n"
        << "pg_port=" << state.pgPort << "\n"
        << "redis_port=" << state.redisPort << "\n"
        << "pg_password=" << state.pgPassword << "\n"
        << "pg_os_user=" << state.pgOsUser << "\n";
    writePrivateFile(temporary, out.str());
    // Rename so that a reader never sees half a file.
    std::error_code ec;
    fs::rename(temporary, file, ec);
    if (ec)
        throw SandboxError("cannot save " + file.string() + ": " + ec.message() +
                           "; check the permissions of " + m_dir.string());
}

void Sandbox::ensurePostgres(State &state, const Progress &progress, PortPolicy policy) const
{
    checkDirUsable(m_dir);
    const fs::path bin = postgresBinDir();
    const PostgresAccount account = postgresAccount();
    if (account.viaRunuser)
        report(progress, "PostgreSQL runs as the unprivileged account '" + account.name +
                             "' (it refuses to run as root)");
    if (state.pgOsUser != account.name) {
        state.pgOsUser = account.name;
        saveState(state);
    }

    const fs::path pgDir = m_dir / "pg";
    const fs::path pidFile = pgDir / "postmaster.pid";
    const fs::path runDir = m_dir / "run";
    const fs::path logFile = m_dir / "pg.log";

    if (const auto pid = readPidFile(pidFile)) {
        const int port = postmasterPort(pidFile) > 0 ? postmasterPort(pidFile) : state.pgPort;
        const ServerState server =
            awaitServer(*pid, "postgres", pgDir, [&] { return postgresAnswers(port, state.pgPassword); });
        if (server == ServerState::Silent)
            throw SandboxError(
                withLog("PostgreSQL (pid " + std::to_string(*pid) + ") is running from " + pgDir.string() +
                            " but does not answer on 127.0.0.1:" + std::to_string(port) +
                            "; stop it with 'inventory-console sandbox stop --dir " + m_dir.string() +
                            "' (or 'kill " + std::to_string(*pid) + "') and start again.",
                        logFile));
        if (server == ServerState::Answering) {
            if (port != state.pgPort) {
                state.pgPort = port;
                saveState(state);
            }
            report(progress, "PostgreSQL is already running on 127.0.0.1:" + std::to_string(port) + " (pid " +
                                 std::to_string(*pid) + ")");
            ensureDatabase(state, progress);
            return;
        }
        report(progress, "removing the stale PostgreSQL pid file " + pidFile.string() + " (pid " +
                             std::to_string(*pid) + " is no longer running)");
        removeFile(pidFile);
    } else if (pathExists(pidFile)) {
        report(progress, "removing the unreadable PostgreSQL pid file " + pidFile.string());
        removeFile(pidFile);
    }

    std::error_code ec;
    fs::create_directories(runDir, ec);
    if (ec)
        throw SandboxError("cannot create " + runDir.string() + ": " + ec.message() +
                           "; pick a --dir you can write to");
    removeStaleSocketLocks(runDir, pgDir, progress);
    fs::permissions(runDir, fs::perms::owner_all, ec);
    touchFile(logFile, 0600);

    const bool initialised = pathExists(pgDir / "PG_VERSION");
    if (!initialised) {
        if (pathExists(pgDir) && !fs::is_empty(pgDir, ec))
            throw SandboxError(
                pgDir.string() +
                " exists but is not a PostgreSQL cluster (PG_VERSION is missing); move it away "
                "or delete it, or pick another --dir");
        fs::create_directories(pgDir, ec);
        if (ec)
            throw SandboxError("cannot create " + pgDir.string() + ": " + ec.message() +
                               "; pick a --dir you can write to");
        // PostgreSQL refuses a data directory that others can read.
        fs::permissions(pgDir, fs::perms::owner_all, ec);
    }
    if (account.viaRunuser) {
        changeOwner(runDir, account);
        changeOwner(logFile, account);
        if (!initialised)
            changeOwner(pgDir, account);
        const ProcessResult reach =
            Process::run(asAccount(account, {"test", "-w", pgDir.string()}), 30s, fs::path("/"));
        if (reach.exitCode != 0)
            throw SandboxError(
                "the account '" + account.name + "', which runs PostgreSQL, cannot reach " + pgDir.string() +
                " (a parent directory is closed to it, as /root usually is); " +
                "pick a --dir the account can reach, such as /var/lib/inventory-console/sandbox " +
                "or a directory under /tmp");
    }

    if (!initialised) {
        // initdb reads the superuser's password from a file so that it never appears in a process list.
        const fs::path pwFile = m_dir / "pg-password.tmp";
        writePrivateFile(pwFile, state.pgPassword + "\n");
        struct RemoveOnExit
        {
            fs::path path;
            ~RemoveOnExit()
            {
                std::error_code ignored;
                fs::remove(path, ignored);
            }
        } removePwFile{pwFile};
        if (account.viaRunuser)
            changeOwner(pwFile, account);

        report(progress, "initialising PostgreSQL cluster in " + pgDir.string());
        const ProcessResult initdb = Process::run(
            asAccount(account, {(bin / "initdb").string(), "-D", pgDir.string(), "-U", kSuperuser,
                                "--auth=scram-sha-256", "--pwfile=" + pwFile.string(), "-E", "UTF8",
                                "--locale=C", "--no-sync"}),
            180s, fs::path("/"));
        if (initdb.exitCode != 0)
            throw SandboxError("initdb could not create the PostgreSQL cluster in " + pgDir.string() +
                               " (exit " + std::to_string(initdb.exitCode) +
                               (initdb.timedOut ? ", timed out" : "") + "):\n" + trimmed(initdb.output) +
                               "\nFix the cause above, delete " + pgDir.string() + " and start again.");
    }

    const int port =
        choosePort(state.pgPort, state.redisPort, "PostgreSQL", policy == PortPolicy::MayMove, progress);
    if (port != state.pgPort) {
        state.pgPort = port;
        saveState(state);
    }

    report(progress, "starting PostgreSQL on 127.0.0.1:" + std::to_string(port));
    const std::string options =
        "-p " + std::to_string(port) +
        " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + runDir.string() +
        " -c max_connections=400 -c fsync=off -c synchronous_commit=off"
        " -c full_page_writes=off -c shared_buffers=128MB";
    const ProcessResult started =
        Process::run(asAccount(account, {(bin / "pg_ctl").string(), "-D", pgDir.string(), "-l",
                                         logFile.string(), "-w", "-t", "60", "-o", options, "start"}),
                     90s, fs::path("/"));
    if (started.exitCode != 0)
        throw SandboxError(withLog("PostgreSQL did not start on 127.0.0.1:" + std::to_string(port) +
                                       " (pg_ctl exit " + std::to_string(started.exitCode) +
                                       (started.timedOut ? ", timed out" : "") + "):\n" +
                                       trimmed(started.output) +
                                       "\nFix the cause in the log below and start again; if the cluster is "
                                       "damaged, stop the sandbox and delete " +
                                       m_dir.string() + " to start fresh.",
                                   logFile));
    ensureDatabase(state, progress);
}

void Sandbox::ensureDatabase(const State &state, const Progress &progress) const
{
    PgParams params(state.pgPort, state.pgPassword);
    PgConnPtr conn(PQconnectdbParams(params.keywords.data(), params.values.data(), 0));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
        throw SandboxError("cannot connect to the sandbox PostgreSQL on 127.0.0.1:" +
                           std::to_string(state.pgPort) + " as '" + kSuperuser + "': " + pgError(conn.get()) +
                           "\nIf the password in " + (m_dir / "sandbox.conf").string() +
                           " no longer matches the cluster, stop the sandbox and delete " + m_dir.string() +
                           " to start fresh.");
    const PgResultPtr found(PQexec(conn.get(), "SELECT 1 FROM pg_database WHERE datname = 'inventory'"));
    if (!found || PQresultStatus(found.get()) != PGRES_TUPLES_OK)
        throw SandboxError("cannot list the databases of the sandbox PostgreSQL: " + pgError(conn.get()) +
                           "\nCheck " + (m_dir / "pg.log").string() + " and start again.");
    if (PQntuples(found.get()) > 0)
        return;
    report(progress, std::string("creating database '") + kDatabase + "'");
    const PgResultPtr created(PQexec(conn.get(), "CREATE DATABASE inventory"));
    if (!created || PQresultStatus(created.get()) != PGRES_COMMAND_OK) {
        const char *sqlstate = created ? PQresultErrorField(created.get(), PG_DIAG_SQLSTATE) : nullptr;
        // 42P04: another process created it between our check and our CREATE.
        if (sqlstate && std::string(sqlstate) == "42P04")
            return;
        throw SandboxError(std::string("cannot create the database '") + kDatabase +
                           "': " + pgError(conn.get()) + "\nCheck " + (m_dir / "pg.log").string() +
                           " and start again.");
    }
}

void Sandbox::ensureRedis(State &state, const Progress &progress, PortPolicy policy) const
{
    checkDirUsable(m_dir);
    const std::string server = findOnPath("redis-server");
    if (server.empty())
        throw SandboxError(
            "redis-server was not found on PATH; install it (apt-get install redis-server) and "
            "start again");

    const fs::path redisDir = m_dir / "redis";
    const fs::path pidFile = redisDir / "redis.pid";
    const fs::path logFile = m_dir / "redis.log";

    if (const auto pid = readPidFile(pidFile)) {
        const ServerState server =
            awaitServer(*pid, "redis-server", redisDir, [&] { return redisAnswers(state.redisPort); });
        if (server == ServerState::Silent)
            throw SandboxError(
                withLog("Redis (pid " + std::to_string(*pid) + ") is running from " + redisDir.string() +
                            " but does not answer PING on 127.0.0.1:" + std::to_string(state.redisPort) +
                            "; stop it with 'inventory-console sandbox stop --dir " + m_dir.string() +
                            "' (or 'kill " + std::to_string(*pid) + "') and start again.",
                        logFile));
        if (server == ServerState::Answering) {
            report(progress, "Redis is already running on 127.0.0.1:" + std::to_string(state.redisPort) +
                                 " (pid " + std::to_string(*pid) + ")");
            return;
        }
        report(progress, "removing the stale Redis pid file " + pidFile.string() + " (pid " +
                             std::to_string(*pid) + " is no longer running)");
        removeFile(pidFile);
    } else if (pathExists(pidFile)) {
        report(progress, "removing the unreadable Redis pid file " + pidFile.string());
        removeFile(pidFile);
    }

    std::error_code ec;
    fs::create_directories(redisDir, ec);
    if (ec)
        throw SandboxError("cannot create " + redisDir.string() + ": " + ec.message() +
                           "; pick a --dir you can write to");

    const int port =
        choosePort(state.redisPort, state.pgPort, "Redis", policy == PortPolicy::MayMove, progress);
    if (port != state.redisPort) {
        state.redisPort = port;
        saveState(state);
    }

    report(progress, "starting Redis on 127.0.0.1:" + std::to_string(port));
    const ProcessResult started =
        Process::run({server, "--port", std::to_string(port), "--bind", "127.0.0.1", "--daemonize", "yes",
                      "--pidfile", pidFile.string(), "--dir", redisDir.string(), "--logfile",
                      logFile.string(), "--save", "", "--appendonly", "no", "--protected-mode", "no"},
                     30s, redisDir);
    if (started.exitCode != 0)
        throw SandboxError(withLog("Redis did not start on 127.0.0.1:" + std::to_string(port) +
                                       " (redis-server exit " + std::to_string(started.exitCode) + "):\n" +
                                       trimmed(started.output) + "\nFix the cause and start again.",
                                   logFile));
    // redis-server daemonises before it binds, so its exit status says nothing about the port.
    bool died = false;
    const bool answered = waitUntil(10s, [&] {
        if (redisAnswers(port, 500ms))
            return true;
        const auto pid = readPidFile(pidFile);
        died = pid && !Process::isAlive(*pid);
        return died;
    });
    if (!answered || died)
        throw SandboxError(withLog("Redis did not answer PING on 127.0.0.1:" + std::to_string(port) +
                                       (died ? " (it exited)" : " within 10 s") +
                                       "; fix the cause in the log below and start again.",
                                   logFile));
}

void Sandbox::shutDownPostgres() const
{
    const fs::path pgDir = m_dir / "pg";
    const fs::path pidFile = pgDir / "postmaster.pid";
    const auto pid = readPidFile(pidFile);
    if (!pid || !isServerProcess(*pid, "postgres", pgDir)) {
        // A stale pid file would only confuse the next start.
        std::error_code ignored;
        fs::remove(pidFile, ignored);
        return;
    }
    const ProcessResult stopped =
        Process::run(asAccount(postgresAccount(), {(postgresBinDir() / "pg_ctl").string(), "-D",
                                                   pgDir.string(), "-m", "fast", "-w", "-t", "60", "stop"}),
                     90s, fs::path("/"));
    if (stopped.exitCode != 0 && Process::isAlive(*pid))
        throw SandboxError(
            withLog("PostgreSQL (pid " + std::to_string(*pid) + ") did not stop (pg_ctl exit " +
                        std::to_string(stopped.exitCode) + "):\n" + trimmed(stopped.output) +
                        "\nTry again, or end it with 'kill -INT " + std::to_string(*pid) + "'.",
                    m_dir / "pg.log"));
}

void Sandbox::shutDownRedis() const
{
    const fs::path redisDir = m_dir / "redis";
    const fs::path pidFile = redisDir / "redis.pid";
    const auto pid = readPidFile(pidFile);
    std::error_code ignored;
    if (!pid || !isServerProcess(*pid, "redis-server", redisDir)) {
        fs::remove(pidFile, ignored);
        return;
    }
    // With no save points configured, SIGTERM makes Redis shut down at once without writing a dump.
    ::kill(*pid, SIGTERM);
    if (!waitUntil(10s, [&] { return !Process::isAlive(*pid); })) {
        ::kill(*pid, SIGKILL);
        if (!waitUntil(5s, [&] { return !Process::isAlive(*pid); }))
            throw SandboxError(withLog("Redis (pid " + std::to_string(*pid) +
                                           ") did not exit after SIGTERM and SIGKILL; check it with 'ps " +
                                           std::to_string(*pid) + "' and end it by hand.",
                                       m_dir / "redis.log"));
    }
    fs::remove(pidFile, ignored);
}

} // namespace inv
