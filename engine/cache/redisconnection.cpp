#include "cache/redisconnection.h"

#include "cache/redisendpoint.h"
#include "errors.h"

#include <cerrno>

namespace inv {

RedisConnection::RedisConnection(const RedisUrl &url, RedisTimeouts timeouts) : m_where(url.display())
{
    m_context.reset(RedisEndpoint::connect(url, timeouts.connect, timeouts.command));
    if (!m_context)
        throw CacheIoError("cannot allocate a Redis context");
    if (m_context->err) {
        std::string reason = m_context->errstr;
        m_broken = true;
        throw CacheIoError(
            "cannot connect to Redis at " + url.display() + ": " + reason +
            " (check --redis or INVENTORY_REDIS_URL; the console serves from PostgreSQL meanwhile)");
    }
    for (const auto &step : RedisEndpoint::handshake(url)) {
        try {
            command(step);
        } catch (const CacheReplyError &e) {
            if (step.front() != "AUTH")
                throw;
            // The reply never quotes the password, but say what to do about it.
            throw CacheReplyError(std::string(e.what()) + " (Redis at " + m_where +
                                  " did not accept the user name and password in the URL: check them in "
                                  "--redis or INVENTORY_REDIS_URL; for the local sandbox, 'inventory-console "
                                  "sandbox status' prints the URL with its password)");
        }
    }
}

void RedisConnection::throwIoError(const char *what)
{
    m_broken = true;
    std::string reason = m_context ? m_context->errstr : "no context";
    if (m_context && m_context->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
        throw CacheTimeoutError(std::string("Redis did not answer ") + what + " in time");
    throw CacheIoError(std::string("Redis connection failed during ") + what + ": " + reason);
}

RedisReply RedisConnection::checked(redisReply *raw)
{
    if (!raw)
        throwIoError("a command");
    RedisReply reply(raw);
    if (reply->type == REDIS_REPLY_ERROR) {
        const std::string error = reply.str();
        if (error.rfind("NOAUTH", 0) == 0)
            throw CacheReplyError(
                "Redis at " + m_where + " refused the command: " + error +
                " It requires a password: put it in the URL, as in redis://:PASSWORD@host:port "
                "or redis://USER:PASSWORD@host:port (--redis or INVENTORY_REDIS_URL); for the "
                "local sandbox, 'inventory-console sandbox status' prints the URL with its "
                "password.");
        throw CacheReplyError("Redis refused the command: " + error);
    }
    return reply;
}

RedisReply RedisConnection::run(int argc, const char **argv, const size_t *lengths)
{
    if (m_broken)
        throw CacheIoError("the Redis connection is broken");
    return checked(static_cast<redisReply *>(redisCommandArgv(m_context.get(), argc, argv, lengths)));
}

RedisReply RedisConnection::command(std::initializer_list<std::string_view> args)
{
    const char *argv[16];
    size_t lengths[16];
    int argc = 0;
    for (auto a : args) {
        if (argc == 16)
            throw Error("too many Redis arguments");
        argv[argc] = a.data();
        lengths[argc] = a.size();
        ++argc;
    }
    return run(argc, argv, lengths);
}

RedisReply RedisConnection::command(const std::vector<std::string> &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto &a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    return run(static_cast<int>(args.size()), argv.data(), lengths.data());
}

RedisReply RedisConnection::eval(const LuaScript &script, const std::vector<std::string> &keys,
                                 const std::vector<std::string> &args)
{
    auto &sha = m_scriptShas[script.source];
    if (sha.empty())
        sha = command({"SCRIPT", "LOAD", script.source}).str();
    std::vector<std::string> argv;
    argv.reserve(3 + keys.size() + args.size());
    argv.push_back("EVALSHA");
    argv.push_back(sha);
    argv.push_back(std::to_string(keys.size()));
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    try {
        return command(argv);
    } catch (const CacheReplyError &e) {
        // A restarted or flushed server forgets loaded scripts.
        if (std::string_view(e.what()).find("NOSCRIPT") == std::string_view::npos)
            throw;
        sha = command({"SCRIPT", "LOAD", script.source}).str();
        argv[1] = sha;
        return command(argv);
    }
}

void RedisConnection::append(const std::vector<std::string> &args)
{
    if (m_broken)
        throw CacheIoError("the Redis connection is broken");
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (const auto &a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(m_context.get(), static_cast<int>(args.size()), argv.data(), lengths.data()) !=
        REDIS_OK)
        throwIoError("queueing a command");
}

RedisReply RedisConnection::nextReply()
{
    void *raw = nullptr;
    if (redisGetReply(m_context.get(), &raw) != REDIS_OK)
        throwIoError("a pipelined command");
    // Error replies are returned, not thrown, so that the replies after them stay in step.
    return RedisReply(static_cast<redisReply *>(raw));
}

} // namespace inv
