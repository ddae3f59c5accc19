#include "cache/redisconnection.h"

#include "cache/redisendpoint.h"
#include "errors.h"

namespace inv {

RedisConnection::RedisConnection(const RedisUrl &url, RedisTimeouts timeouts)
    : m_timeouts(timeouts), m_where(url.display())
{
    const char *hint =
        " (check --redis or INVENTORY_REDIS_URL; the console serves from PostgreSQL meanwhile)";
    try {
        const RedisUrl target = RedisEndpoint::resolve(url);
        m_where = target.display();
        m_viaSentinel = url.viaSentinel;
        m_stream = std::make_unique<RedisStream>(target);
        // A TLS handshake is a round trip or two more than a TCP connect, and the server's work: it
        // gets a command's timeout on top of the connect's.
        const auto budget = timeouts.connect + (target.tls ? timeouts.command : std::chrono::milliseconds(0));
        const auto deadline = std::chrono::steady_clock::now() + budget;
        for (auto want = m_stream->connect(); want != RedisStream::Want::Nothing; want = m_stream->connect())
            if (!m_stream->wait(want, deadline))
                throw CacheIoError(m_stream->stalled(budget));
    } catch (const CacheIoError &e) {
        m_broken = true;
        throw CacheIoError(e.what() + std::string(hint));
    }
    // The steps go out together and are answered in order. A refused password is worded by
    // refusal(); the reply never quotes the password.
    const RedisUrl &target = m_stream->url();
    const auto steps = RedisEndpoint::handshake(target);
    for (const auto &step : steps)
        m_stream->append(step);
    for (const auto &step : steps) {
        const RedisReply reply(await(step.front().c_str()));
        if (!RedisEndpoint::isCheck(step)) {
            if (reply.isError()) {
                m_broken = true;
                throwIfError(reply);
            }
            continue;
        }
        if (const std::string why = RedisEndpoint::refusedStep(target, step, reply.get()); !why.empty()) {
            m_broken = true;
            throw CacheIoError(why);
        }
    }
}

void RedisConnection::sendQueued(std::chrono::steady_clock::time_point deadline, const char *what)
{
    for (auto want = m_stream->flush(); want != RedisStream::Want::Nothing; want = m_stream->flush())
        if (!m_stream->wait(want, deadline))
            throw CacheTimeoutError(std::string("Redis did not take ") + what + " in time");
}

redisReply *RedisConnection::await(const char *what)
{
    if (m_broken)
        throw CacheIoError("the Redis connection is broken");
    try {
        const auto deadline = std::chrono::steady_clock::now() + m_timeouts.command;
        sendQueued(deadline, what);
        redisReply *reply = m_stream->nextReply();
        while (!reply) {
            const auto want = m_stream->receive();
            reply = m_stream->nextReply();
            if (!reply && !m_stream->wait(want, deadline))
                throw CacheTimeoutError(std::string("Redis did not answer ") + what + " in time");
        }
        return reply;
    } catch (const CacheError &) {
        m_broken = true;
        throw;
    }
}

RedisReply RedisConnection::checked(redisReply *raw)
{
    RedisReply reply(raw);
    // A master found through Sentinels that now refuses writes was demoted: the next connection asks
    // the Sentinels for the new one.
    if (m_viaSentinel && reply.isError() && reply.str().rfind("READONLY", 0) == 0)
        m_broken = true;
    throwIfError(reply);
    return reply;
}

void RedisConnection::throwIfError(const RedisReply &reply) const
{
    if (reply->type == REDIS_REPLY_ERROR)
        throw CacheReplyError(refusal(m_where, reply.str()));
}

std::string RedisConnection::refusal(const std::string &where, const std::string &error)
{
    const auto startsWith = [&](const char *code) { return error.rfind(code, 0) == 0; };
    std::string_view plain(error);
    while (!plain.empty() && (plain.back() == '.' || plain.back() == ' '))
        plain.remove_suffix(1);
    const std::string said = "Redis at " + where + " refused the command: " + std::string(plain) + ". ";
    if (startsWith("NOAUTH"))
        return said + "It requires a password: put it in the URL, as in redis://:PASSWORD@host:port or "
                      "redis://USER:PASSWORD@host:port (--redis or INVENTORY_REDIS_URL); for the local "
                      "sandbox, 'inventory-console sandbox status' prints the URL with its password.";
    if (startsWith("WRONGPASS"))
        return said + "The user name or password in the URL is wrong: check them in --redis or "
                      "INVENTORY_REDIS_URL; for the local sandbox, 'inventory-console sandbox status' prints "
                      "the URL with its password.";
    if (startsWith("NOPERM"))
        return said + "The Redis user may not run this command or touch this key: grant it the console's "
                      "ACL rule (README, \"Your servers\").";
    if (startsWith("READONLY"))
        return said + "This Redis is a read-only replica: give the master's address in --redis or "
                      "INVENTORY_REDIS_URL, or the Sentinels' as redis+sentinel://HOST:26379/MASTER.";
    if (startsWith("MOVED") || startsWith("ASK") || startsWith("CROSSSLOT") || startsWith("CLUSTERDOWN"))
        return said + "This Redis is a node of a Redis Cluster, which the console does not route across: "
                      "give a standalone Redis, or Sentinels as redis+sentinel://HOST:26379/MASTER.";
    if (startsWith("ERR unknown command") && where.find("26379") != std::string::npos)
        return said + "Port 26379 is Redis Sentinel's: write redis+sentinel://HOST:26379/MASTER, with the "
                      "master's name as 'redis-cli -p 26379 SENTINEL masters' lists it.";
    if (startsWith("ERR unknown command"))
        return said + "If this port is a Redis Sentinel's, write redis+sentinel://HOST:PORT/MASTER.";
    return said;
}

RedisReply RedisConnection::run(int argc, const char **argv, const size_t *lengths)
{
    if (m_broken)
        throw CacheIoError("the Redis connection is broken");
    m_stream->append(argc, argv, lengths);
    return checked(await("a command"));
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
    append(args);
    return checked(await("a command"));
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
    m_stream->append(args);
}

RedisReply RedisConnection::nextReply()
{
    // Error replies are returned, not thrown, so that the replies after them stay in step.
    return RedisReply(await("a pipelined command"));
}

void RedisConnection::send(const std::vector<std::string> &args)
{
    append(args);
    try {
        sendQueued(std::chrono::steady_clock::now() + m_timeouts.command, "a command");
    } catch (const CacheError &) {
        m_broken = true;
        throw;
    }
}

bool RedisConnection::receive()
{
    if (m_broken)
        return false;
    try {
        m_stream->receive();
        return true;
    } catch (const CacheError &) {
        m_broken = true;
        return false;
    }
}

RedisReply RedisConnection::bufferedReply()
{
    if (m_broken)
        return {};
    try {
        return RedisReply(m_stream->nextReply());
    } catch (const CacheError &) {
        m_broken = true;
        return {};
    }
}

} // namespace inv
