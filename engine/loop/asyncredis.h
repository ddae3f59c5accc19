// One Redis connection on an EventLoop, through hiredis's async API and its libevent adapter.
// command() sends without waiting; the callback gets the reply on the loop thread, or nullptr when
// the command failed: the connection broke, or Redis did not answer within the command timeout (a
// paused server). After a failure the connection is closed, and the next command opens a new one.
// A reply is valid only during its callback. Loop thread only, construction aside.
#pragma once

#include "cache/redisconnection.h"
#include "cache/redisurl.h"
#include "loop/eventloop.h"

#include <hiredis/async.h>

#include <chrono>
#include <deque>
#include <functional>
#include <string>
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

private:
    struct Sent;
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);
    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onTimer(evutil_socket_t, short, void *self);
    void open();
    void send(const std::vector<std::string> &argv, Callback done);
    // Closes the connection: hiredis answers every command in flight with nullptr.
    void close();

    EventLoop &m_loop;
    RedisUrl m_url;
    std::chrono::milliseconds m_timeout;
    redisAsyncContext *m_context = nullptr;
    LoopEvent m_timer;
    // When each command in flight was sent, oldest first: Redis answers in order.
    std::deque<std::chrono::steady_clock::time_point> m_sentAt;
    std::string m_scriptSource;
    std::string m_scriptSha;
    bool m_loading = false;
    long long m_failures = 0;
};

} // namespace inv
