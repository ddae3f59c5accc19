// One blocking Redis connection over a RedisStream (TCP, or TLS for rediss://), with connect and
// command timeouts so that a dead or hung server costs a bounded wait. Any I/O error marks the
// connection broken; the pool then drops it. Lua scripts run by EVALSHA, loading them on first use.
// One thread at a time.
#pragma once

#include "cache/redisreply.h"
#include "cache/redisstream.h"
#include "cache/redisurl.h"

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace inv {

// A Lua script and its SHA1 as Redis computes it; the SHA is learned on first use.
struct LuaScript
{
    const char *source;
};

struct RedisTimeouts
{
    std::chrono::milliseconds connect{100};
    std::chrono::milliseconds command{250};
};

class RedisConnection
{
public:
    RedisConnection(const RedisUrl &url, RedisTimeouts timeouts);
    RedisConnection(RedisConnection &&) = default;
    RedisConnection &operator=(RedisConnection &&) = default;

    RedisReply command(std::initializer_list<std::string_view> args);
    RedisReply command(const std::vector<std::string> &args);
    RedisReply eval(const LuaScript &script, const std::vector<std::string> &keys,
                    const std::vector<std::string> &args);

    // Pipelining: queue commands, then read their replies in order.
    void append(const std::vector<std::string> &args);
    RedisReply nextReply();

    // For a caller that waits on fd() itself (a subscriber): sends a command without reading its
    // reply; reads what has arrived without waiting (false when the connection broke); and hands
    // out a reply already read, or an empty one.
    void send(const std::vector<std::string> &args);
    bool receive();
    RedisReply bufferedReply();

    // An error reply in plain words with what to do: NOAUTH, WRONGPASS, NOPERM, READONLY, MOVED and
    // the like are the server's setup, not a passing failure. `where` is the masked URL.
    static std::string refusal(const std::string &where, const std::string &error);
    // Throws CacheReplyError, worded by refusal(), when the reply is an error.
    void throwIfError(const RedisReply &reply) const;

    bool isBroken() const { return m_broken; }
    // The socket, for a caller that polls it between commands (to notice a close by the server).
    int fd() const { return m_stream->fd(); }

private:
    RedisReply run(int argc, const char **argv, const size_t *lengths);
    // Sends what is queued and waits for the next reply, within the command timeout.
    redisReply *await(const char *what);
    void sendQueued(std::chrono::steady_clock::time_point deadline, const char *what);
    RedisReply checked(redisReply *raw);

    std::unique_ptr<RedisStream> m_stream;
    RedisTimeouts m_timeouts;
    std::unordered_map<const char *, std::string> m_scriptShas;
    std::string m_where; // the URL with its password masked, for messages
    bool m_broken = false;
    bool m_viaSentinel = false;
};

} // namespace inv
