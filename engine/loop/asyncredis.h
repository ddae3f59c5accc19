// One Redis connection on an EventLoop, over a RedisStream (TCP, or TLS for rediss://) that the loop
// reads and writes when its socket is ready; commands queued in one turn of the loop go out in one
// write. command() sends without waiting; the callback gets the reply on the loop thread, or nullptr
// when the command failed: the connection broke, or Redis did not answer within the command timeout
// (a paused server, a stalled TLS handshake). After a failure the connection is closed, and the next
// command opens a new one. A reply is valid only during its callback. Loop thread only, construction
// aside.
#pragma once

#include "cache/redisconnection.h"
#include "cache/redisstream.h"
#include "cache/redisurl.h"
#include "loop/eventloop.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace inv {

class AsyncRedis
{
public:
    using Callback = std::function<void(redisReply *reply)>;

    AsyncRedis(EventLoop &loop, RedisUrl url, std::chrono::milliseconds timeout);
    ~AsyncRedis();
    AsyncRedis(const AsyncRedis &) = delete;
    AsyncRedis &operator=(const AsyncRedis &) = delete;

    void command(const std::vector<std::string> &argv, Callback done);
    // EVALSHA once the script is loaded on this connection, EVAL until then or after a NOSCRIPT.
    void eval(const LuaScript &script, const std::vector<std::string> &keys,
              const std::vector<std::string> &args, Callback done);
    long long failures() const { return m_failures; }
    // Why the last command failed, in plain words with what to do; empty before any failure.
    const std::string &lastError() const { return m_lastError; }

private:
    struct Sent
    {
        Callback done;
        std::chrono::steady_clock::time_point at;
    };
    static void onSocket(evutil_socket_t, short what, void *self);
    static void onTimer(evutil_socket_t, short, void *self);
    void open();
    void send(const std::vector<std::string> &argv, Callback done);
    // The handshake's check passed: sends the commands that waited for it, in order.
    void releaseHeld();
    // Connects, writes and reads as far as the socket allows, then waits for what it needs next.
    void pump(short what);
    void watch(RedisStream::Want want);
    void deliver(redisReply *reply);
    // Closes the connection, recording why, and answers every command in flight with nullptr.
    void close(const std::string &why);

    EventLoop &m_loop;
    RedisUrl m_url;
    std::chrono::milliseconds m_timeout;
    std::unique_ptr<RedisStream> m_stream;
    LoopEvent m_readEvent;
    LoopEvent m_writeEvent;
    bool m_closing = false;
    // Counts closes, so that a step that ran callbacks can tell its connection is gone.
    unsigned long m_generation = 0;
    LoopEvent m_timer;
    // The commands in flight, oldest first: Redis answers in order.
    std::deque<Sent> m_sent;
    // While the handshake's check (ROLE, INFO cluster) is unanswered, commands wait here instead of
    // going out behind it: a server the check declines never runs one of them.
    bool m_checking = false;
    std::deque<std::pair<std::vector<std::string>, Callback>> m_held;
    std::string m_scriptSource;
    std::string m_scriptSha;
    bool m_loading = false;
    long long m_failures = 0;
    std::string m_lastError;
    // The handshake's refusal (a wrong password): the NOAUTH of the commands after it says less.
    std::string m_handshakeError;
};

} // namespace inv
