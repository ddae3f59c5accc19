// One Redis connection, owned through RAII, with connect and command timeouts so that a dead or
// hung server costs a bounded wait. Any I/O error marks the connection broken; the pool then drops
// it. Lua scripts run by EVALSHA, loading them on first use. One thread at a time.
#pragma once

#include "cache/redisreply.h"
#include "cache/redisurl.h"

#include <hiredis/hiredis.h>

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

    bool isBroken() const { return m_broken; }
    // The socket, for a caller that polls it between commands (to notice a close by the server).
    int fd() const { return m_context->fd; }

private:
    struct Deleter
    {
        void operator()(redisContext *c) const { redisFree(c); }
    };
    RedisReply run(int argc, const char **argv, const size_t *lengths);
    [[noreturn]] void throwIoError(const char *what);
    RedisReply checked(redisReply *raw);

    std::unique_ptr<redisContext, Deleter> m_context;
    std::unordered_map<const char *, std::string> m_scriptShas;
    std::string m_where; // the URL with its password masked, for messages
    bool m_broken = false;
};

} // namespace inv
