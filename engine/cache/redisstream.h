// One connection's bytes to a Redis server: a non-blocking TCP socket (TCP_NODELAY, keep-alive), with
// TLS over it when the URL is rediss://, and RESP framing by hiredis (its command formatter and its
// reply reader, which work on any byte stream). The transport of every Redis connection of the
// engine: RedisConnection waits on it with poll(), AsyncRedis with its event loop, so that TLS is
// here once for both. Failures throw CacheIoError in plain words (a refused connection, a
// certificate that does not verify, with what to pass). One thread at a time.
#pragma once

#include "cache/redistls.h"
#include "cache/redisurl.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace inv {

class RedisStream
{
public:
    // What the stream waits for before it can go on.
    enum class Want
    {
        Nothing,
        Read,
        Write
    };

    // Resolves the host and starts the TCP connect without waiting for it.
    explicit RedisStream(const RedisUrl &url);
    ~RedisStream();
    RedisStream(const RedisStream &) = delete;
    RedisStream &operator=(const RedisStream &) = delete;

    // Goes on with the connect and the TLS handshake: Nothing once the stream is ready for commands.
    Want connect();
    bool ready() const { return m_ready; }

    // Queues one command; flush() sends it.
    void append(int argc, const char **argv, const size_t *lengths);
    void append(const std::vector<std::string> &argv);
    bool hasOutput() const { return m_sent < m_output.size(); }
    // Writes what the socket takes: Nothing when all is sent, else what to wait for first.
    Want flush();
    // Reads what has arrived, without waiting: Read when there was nothing more to read (wait for
    // the socket), Write when TLS must write before it can read. Throws when the server closed.
    Want receive();
    // A complete reply already received, or nullptr; the caller frees it (RedisReply).
    redisReply *nextReply();

    int fd() const { return m_fd; }
    const RedisUrl &url() const { return m_url; }

    // Why a connect that is not done yet within `waited` failed, in plain words: no TCP answer, or
    // no answer to the TLS handshake (a port that does not speak TLS, or a paused server).
    std::string stalled(std::chrono::milliseconds waited) const;

    // Blocks until the socket is ready for `want`, or the deadline passes (false).
    bool wait(Want want, std::chrono::steady_clock::time_point deadline) const;

private:
    struct ReaderDeleter
    {
        void operator()(redisReader *r) const { redisReaderFree(r); }
    };
    [[noreturn]] void fail(const std::string &what);
    // "Redis at URL <detail>", with what to check when the server never answered on this stream.
    std::string closedMessage(const std::string &detail) const;

    RedisUrl m_url;
    int m_fd = -1;
    bool m_tcpConnected = false;
    bool m_ready = false;
    bool m_answered = false; // a reply was read: the server speaks RESP on this transport
    RedisTls::Session m_tls;
    std::unique_ptr<redisReader, ReaderDeleter> m_reader;
    std::string m_output;
    std::size_t m_sent = 0;
};

} // namespace inv
