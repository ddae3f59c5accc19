#include "cache/redisstream.h"

#include "errors.h"

#include <openssl/err.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace inv {

namespace {

// SSL_write writes with write(), which raises SIGPIPE when the server has gone; a library must not
// kill its program for that. SIGPIPE is blocked on this thread for the write, and one that the
// write raised is taken back before it is unblocked (as libpq does around its own TLS writes).
class SigpipeGuard
{
public:
    SigpipeGuard()
    {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        sigset_t pending;
        sigpending(&pending);
        m_wasPending = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe, &m_old);
    }
    ~SigpipeGuard()
    {
        if (m_broken && !m_wasPending) {
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            const timespec now{0, 0};
            while (sigtimedwait(&pipe, nullptr, &now) < 0 && errno == EINTR) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }
    SigpipeGuard(const SigpipeGuard &) = delete;
    SigpipeGuard &operator=(const SigpipeGuard &) = delete;
    void broken() { m_broken = true; }

private:
    sigset_t m_old{};
    bool m_wasPending = false;
    bool m_broken = false;
};

void setOption(int fd, int level, int name, int value)
{
    setsockopt(fd, level, name, &value, sizeof value);
}

} // namespace

RedisStream::RedisStream(const RedisUrl &url) : m_url(url), m_reader(redisReaderCreate())
{
    if (!m_reader)
        throw CacheIoError("cannot allocate a Redis reply reader");
    // Before the connect starts, and with it its owner's deadline: reading the trust store is local work.
    if (url.tls)
        RedisTls::prepare(url);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    const std::string port = std::to_string(url.port);
    if (const int status = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); status != 0)
        throw CacheIoError("cannot connect to Redis at " + url.display() + ": cannot resolve '" + url.host +
                           "': " + gai_strerror(status));
    std::string error = "no address";
    for (addrinfo *address = found; address; address = address->ai_next) {
        const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                address->ai_protocol);
        if (fd < 0) {
            error = std::strerror(errno);
            continue;
        }
        if (::connect(fd, address->ai_addr, address->ai_addrlen) == 0 || errno == EINPROGRESS) {
            m_fd = fd;
            break;
        }
        error = std::strerror(errno);
        ::close(fd);
    }
    freeaddrinfo(found);
    if (m_fd < 0)
        throw CacheIoError("cannot connect to Redis at " + url.display() + ": " + error);
}

RedisStream::~RedisStream()
{
    m_tls.reset();
    if (m_fd >= 0)
        ::close(m_fd);
}

void RedisStream::fail(const std::string &what)
{
    throw CacheIoError(what);
}

RedisStream::Want RedisStream::connect()
{
    if (m_ready)
        return Want::Nothing;
    if (!m_tcpConnected) {
        pollfd writable{m_fd, POLLOUT, 0};
        if (::poll(&writable, 1, 0) == 0)
            return Want::Write;
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
            error = errno;
        if (error != 0)
            fail("cannot connect to Redis at " + m_url.display() + ": " + std::strerror(error));
        m_tcpConnected = true;
        setOption(m_fd, IPPROTO_TCP, TCP_NODELAY, 1);
        // Keep-alive as hiredis sets it, so that a vanished host is noticed on an idle connection.
        setOption(m_fd, SOL_SOCKET, SO_KEEPALIVE, 1);
        setOption(m_fd, IPPROTO_TCP, TCP_KEEPIDLE, 15);
        setOption(m_fd, IPPROTO_TCP, TCP_KEEPINTVL, 5);
        setOption(m_fd, IPPROTO_TCP, TCP_KEEPCNT, 3);
        if (m_url.tls)
            m_tls = RedisTls::open(m_url, m_fd);
    }
    if (m_tls) {
        ERR_clear_error();
        SigpipeGuard guard;
        const int done = SSL_connect(m_tls.get());
        if (done != 1) {
            switch (SSL_get_error(m_tls.get(), done)) {
            case SSL_ERROR_WANT_READ:
                return Want::Read;
            case SSL_ERROR_WANT_WRITE:
                return Want::Write;
            default:
                guard.broken();
                fail(RedisTls::handshakeFailure(m_url, m_tls.get()));
            }
        }
    }
    m_ready = true;
    return Want::Nothing;
}

void RedisStream::append(int argc, const char **argv, const size_t *lengths)
{
    char *command = nullptr;
    const int length = redisFormatCommandArgv(&command, argc, argv, lengths);
    if (length < 0)
        throw CacheIoError("cannot format a Redis command (out of memory)");
    m_output.append(command, static_cast<std::size_t>(length));
    redisFreeCommand(command);
}

void RedisStream::append(const std::vector<std::string> &argv)
{
    std::vector<const char *> pointers;
    std::vector<size_t> lengths;
    pointers.reserve(argv.size());
    lengths.reserve(argv.size());
    for (const auto &a : argv) {
        pointers.push_back(a.data());
        lengths.push_back(a.size());
    }
    append(static_cast<int>(argv.size()), pointers.data(), lengths.data());
}

RedisStream::Want RedisStream::flush()
{
    while (m_sent < m_output.size()) {
        const char *data = m_output.data() + m_sent;
        const std::size_t left = m_output.size() - m_sent;
        if (m_tls) {
            ERR_clear_error();
            SigpipeGuard guard;
            const int written =
                SSL_write(m_tls.get(), data, static_cast<int>(std::min<std::size_t>(left, 1 << 20)));
            if (written <= 0) {
                switch (SSL_get_error(m_tls.get(), written)) {
                case SSL_ERROR_WANT_WRITE:
                    return Want::Write;
                case SSL_ERROR_WANT_READ:
                    return Want::Read;
                default:
                    guard.broken();
                    fail(closedMessage(
                        "failed while sending: " +
                        RedisTls::errorQueue(errno ? std::strerror(errno) : "the connection closed")));
                }
            }
            m_sent += static_cast<std::size_t>(written);
            continue;
        }
        const ssize_t written = ::send(m_fd, data, left, MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return Want::Write;
            fail(closedMessage(std::string("failed while sending: ") + std::strerror(errno)));
        }
        m_sent += static_cast<std::size_t>(written);
    }
    m_output.clear();
    m_sent = 0;
    return Want::Nothing;
}

std::string RedisStream::closedMessage(const std::string &detail) const
{
    std::string message = "Redis at " + m_url.display() + " " + detail;
    if (m_answered)
        return message;
    if (!m_url.tls)
        return message + " before answering (if that port speaks TLS, use rediss://)";
    if (m_url.certFile.empty())
        return message + " right after the TLS handshake, before answering (if the server requires a client "
                         "certificate, pass ?cert=FILE&key=FILE)";
    return message +
           " right after the TLS handshake, before answering (check that the server's CA signed "
           "the client certificate '" +
           m_url.certFile + "')";
}

RedisStream::Want RedisStream::receive()
{
    char buffer[16384];
    for (;;) {
        if (m_tls) {
            ERR_clear_error();
            const int got = SSL_read(m_tls.get(), buffer, sizeof buffer);
            if (got <= 0) {
                switch (SSL_get_error(m_tls.get(), got)) {
                case SSL_ERROR_WANT_READ:
                    return Want::Read;
                case SSL_ERROR_WANT_WRITE:
                    return Want::Write;
                case SSL_ERROR_ZERO_RETURN:
                    fail(closedMessage("closed the connection"));
                default: {
                    const std::string queue = RedisTls::errorQueue("");
                    if (queue.find("certificate required") != std::string::npos)
                        fail("Redis at " + m_url.display() + " requires a client certificate (" + queue +
                             "): pass ?cert=FILE&key=FILE");
                    if (!queue.empty())
                        fail(closedMessage("failed: " + queue));
                    fail(closedMessage(errno ? std::string("failed: ") + std::strerror(errno)
                                             : std::string("closed the connection")));
                }
                }
            }
            if (redisReaderFeed(m_reader.get(), buffer, static_cast<size_t>(got)) != REDIS_OK)
                fail("Redis at " + m_url.display() + " sent what is not RESP: " + m_reader->errstr);
            continue;
        }
        const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (got == 0)
            fail(closedMessage("closed the connection"));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return Want::Read;
            fail(closedMessage(std::string("failed while reading: ") + std::strerror(errno)));
        }
        if (redisReaderFeed(m_reader.get(), buffer, static_cast<size_t>(got)) != REDIS_OK)
            fail("Redis at " + m_url.display() + " sent what is not RESP: " + m_reader->errstr);
        if (static_cast<std::size_t>(got) < sizeof buffer)
            return Want::Read; // the socket is drained: no need to ask it again
    }
}

redisReply *RedisStream::nextReply()
{
    void *reply = nullptr;
    if (redisReaderGetReply(m_reader.get(), &reply) != REDIS_OK)
        fail("Redis at " + m_url.display() + " sent what is not RESP: " + m_reader->errstr);
    m_answered = m_answered || reply != nullptr;
    return static_cast<redisReply *>(reply);
}

std::string RedisStream::stalled(std::chrono::milliseconds waited) const
{
    const std::string within = std::to_string(waited.count()) + " ms";
    if (!m_tcpConnected || !m_tls)
        return "cannot connect to Redis at " + m_url.display() + ": no answer within " + within;
    return "the TLS handshake with Redis at " + m_url.display() + " got no answer within " + within +
           " (if that port does not speak TLS, use redis:// instead of rediss://; a paused or overloaded "
           "server answers nothing either)";
}

bool RedisStream::wait(Want want, std::chrono::steady_clock::time_point deadline) const
{
    if (want == Want::Nothing)
        return true;
    if (want == Want::Read && m_tls && SSL_pending(m_tls.get()) > 0)
        return true;
    for (;;) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd ready{m_fd, static_cast<short>(want == Want::Read ? POLLIN : POLLOUT), 0};
        const int status = ::poll(&ready, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
        if (status > 0)
            return true; // readable, writable, or closed: the next step says which
        if (status < 0 && errno != EINTR)
            return true;
    }
}

} // namespace inv
