#include "loop/asyncredis.h"

#include "cache/redisendpoint.h"

#include <hiredis/adapters/libevent.h>

#include <string_view>

namespace inv {

namespace {
constexpr timeval kTimeoutCheck{0, 20 * 1000};
} // namespace

struct AsyncRedis::Sent
{
    AsyncRedis *owner;
    Callback done;
};

AsyncRedis::AsyncRedis(EventLoop &loop, RedisUrl url, std::chrono::milliseconds timeout)
    : m_loop(loop), m_url(std::move(url)), m_timeout(timeout)
{
    m_timer.reset(event_new(m_loop.base(), -1, EV_PERSIST, &AsyncRedis::onTimer, this));
    event_add(m_timer.get(), &kTimeoutCheck);
}

AsyncRedis::~AsyncRedis()
{
    m_timer.reset();
    close();
}

void AsyncRedis::open()
{
    m_context = RedisEndpoint::connectAsync(m_url);
    if (!m_context)
        return;
    if (m_context->err) {
        redisAsyncFree(m_context);
        m_context = nullptr;
        return;
    }
    m_context->data = this;
    redisLibeventAttach(m_context, m_loop.base());
    redisAsyncSetConnectCallback(m_context, &AsyncRedis::onConnect);
    redisAsyncSetDisconnectCallback(m_context, &AsyncRedis::onDisconnect);
    m_scriptSha.clear();
    m_loading = false;
    // Queued ahead of every command; a refused password fails the commands after it with NOAUTH.
    for (const auto &step : RedisEndpoint::handshake(m_url))
        send(step, [](redisReply *) {});
}

void AsyncRedis::close()
{
    if (!m_context)
        return;
    redisAsyncContext *context = m_context;
    m_context = nullptr;
    context->data = nullptr;
    redisAsyncFree(context);
    m_sentAt.clear();
}

void AsyncRedis::command(const std::vector<std::string> &argv, Callback done)
{
    if (!m_context)
        open();
    if (!m_context) {
        ++m_failures;
        done(nullptr);
        return;
    }
    send(argv, std::move(done));
}

void AsyncRedis::send(const std::vector<std::string> &argv, Callback done)
{
    std::vector<const char *> pointers;
    std::vector<size_t> lengths;
    for (const auto &a : argv) {
        pointers.push_back(a.data());
        lengths.push_back(a.size());
    }
    auto *sent = new Sent{this, std::move(done)};
    if (redisAsyncCommandArgv(m_context, &AsyncRedis::onReply, sent, static_cast<int>(argv.size()),
                              pointers.data(), lengths.data()) != REDIS_OK) {
        Callback failed = std::move(sent->done);
        delete sent;
        ++m_failures;
        failed(nullptr);
        return;
    }
    m_sentAt.push_back(std::chrono::steady_clock::now());
}

void AsyncRedis::eval(const LuaScript &script, const std::vector<std::string> &keys,
                      const std::vector<std::string> &args, Callback done)
{
    if (m_scriptSource != script.source) {
        m_scriptSource = script.source;
        m_scriptSha.clear();
    }
    std::vector<std::string> argv{m_scriptSha.empty() ? "EVAL" : "EVALSHA",
                                  m_scriptSha.empty() ? m_scriptSource : m_scriptSha,
                                  std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    const bool bySha = !m_scriptSha.empty();
    command(argv, [this, argv, bySha, done = std::move(done)](redisReply *reply) mutable {
        if (bySha && reply && reply->type == REDIS_REPLY_ERROR &&
            std::string_view(reply->str, reply->len).find("NOSCRIPT") != std::string_view::npos) {
            // A restarted or flushed server forgot the script: send it whole.
            m_scriptSha.clear();
            argv[0] = "EVAL";
            argv[1] = m_scriptSource;
            command(argv, std::move(done));
            return;
        }
        done(reply);
    });
    if (m_scriptSha.empty() && !m_loading && m_context) {
        m_loading = true;
        command({"SCRIPT", "LOAD", m_scriptSource}, [this, source = m_scriptSource](redisReply *reply) {
            m_loading = false;
            if (reply && reply->type == REDIS_REPLY_STRING && source == m_scriptSource)
                m_scriptSha.assign(reply->str, reply->len);
        });
    }
}

void AsyncRedis::onReply(redisAsyncContext *context, void *reply, void *privdata)
{
    auto *sent = static_cast<Sent *>(privdata);
    AsyncRedis *owner = sent->owner;
    Callback done = std::move(sent->done);
    delete sent;
    // Replies arrive in order; when the context is being freed, they all arrive as nullptr.
    if (!owner->m_sentAt.empty())
        owner->m_sentAt.pop_front();
    if (!reply || context->err)
        ++owner->m_failures;
    done(context->err ? nullptr : static_cast<redisReply *>(reply));
}

void AsyncRedis::onConnect(const redisAsyncContext *context, int status)
{
    // A failed connect frees the context itself, after answering what was queued with nullptr.
    if (status != REDIS_OK && context->data)
        static_cast<AsyncRedis *>(context->data)->m_context = nullptr;
}

void AsyncRedis::onDisconnect(const redisAsyncContext *context, int)
{
    if (context->data)
        static_cast<AsyncRedis *>(context->data)->m_context = nullptr;
}

void AsyncRedis::onTimer(evutil_socket_t, short, void *self)
{
    auto *redis = static_cast<AsyncRedis *>(self);
    if (redis->m_sentAt.empty())
        return;
    if (std::chrono::steady_clock::now() - redis->m_sentAt.front() > redis->m_timeout)
        redis->close();
}

} // namespace inv
