#include "loop/asyncredis.h"

#include "cache/redisendpoint.h"
#include "errors.h"

#include <string_view>

namespace inv {

namespace {
constexpr timeval kTimeoutCheck{0, 20 * 1000};
} // namespace

AsyncRedis::AsyncRedis(EventLoop &loop, RedisUrl url, std::chrono::milliseconds timeout)
    : m_loop(loop), m_url(std::move(url)), m_timeout(timeout)
{
    m_timer.reset(event_new(m_loop.base(), -1, EV_PERSIST, &AsyncRedis::onTimer, this));
    event_add(m_timer.get(), &kTimeoutCheck);
}

AsyncRedis::~AsyncRedis()
{
    m_timer.reset();
    // What is in flight is answered with nullptr, as after any close; a command sent from one of
    // those callbacks fails at once instead of opening a new connection.
    m_closing = true;
    close(m_lastError);
}

void AsyncRedis::open()
{
    try {
        // For redis+sentinel://, a blocking query of the Sentinels (RedisEndpoint::kSentinelWait each),
        // made only when a connection is opened.
        m_stream = std::make_unique<RedisStream>(RedisEndpoint::resolve(m_url));
    } catch (const CacheError &e) {
        m_lastError = e.what();
        return;
    }
    m_readEvent.reset(
        event_new(m_loop.base(), m_stream->fd(), EV_READ | EV_PERSIST, &AsyncRedis::onSocket, this));
    m_writeEvent.reset(event_new(m_loop.base(), m_stream->fd(), EV_WRITE, &AsyncRedis::onSocket, this));
    m_scriptSha.clear();
    m_loading = false;
    // Queued ahead of every command; a refused password fails the commands after it with NOAUTH.
    m_handshakeError.clear();
    const RedisUrl target = m_stream->url();
    for (const auto &step : RedisEndpoint::handshake(target)) {
        const bool check = RedisEndpoint::isCheck(step);
        m_checking = m_checking || check;
        send(step, [this, target, step, check](redisReply *reply) {
            if (!reply)
                return; // closed: close() answers the held commands
            if (reply->type == REDIS_REPLY_ERROR && !check)
                m_handshakeError =
                    RedisConnection::refusal(target.display(), std::string(reply->str, reply->len));
            if (const std::string why = RedisEndpoint::refusedStep(target, step, reply); !why.empty()) {
                close(why);
                return;
            }
            if (check)
                releaseHeld();
        });
    }
    pump(EV_WRITE);
}

void AsyncRedis::close(const std::string &why)
{
    ++m_generation;
    m_lastError = why;
    m_readEvent.reset();
    m_writeEvent.reset();
    m_stream.reset();
    std::deque<Sent> sent;
    sent.swap(m_sent);
    m_checking = false;
    decltype(m_held) held;
    held.swap(m_held);
    for (auto &command : sent) {
        ++m_failures;
        command.done(nullptr);
    }
    for (auto &command : held) {
        ++m_failures;
        command.second(nullptr);
    }
}

void AsyncRedis::releaseHeld()
{
    m_checking = false;
    decltype(m_held) held;
    held.swap(m_held);
    for (auto &[argv, done] : held)
        send(argv, std::move(done));
}

void AsyncRedis::command(const std::vector<std::string> &argv, Callback done)
{
    if (!m_stream && !m_closing)
        open();
    if (!m_stream) {
        ++m_failures;
        done(nullptr);
        return;
    }
    if (m_checking) {
        m_held.emplace_back(argv, std::move(done));
        return;
    }
    send(argv, std::move(done));
}

void AsyncRedis::send(const std::vector<std::string> &argv, Callback done)
{
    m_stream->append(argv);
    m_sent.push_back(Sent{std::move(done), std::chrono::steady_clock::now()});
    // Written when the loop comes round, with whatever else was queued meanwhile.
    if (m_stream->ready() && !event_pending(m_writeEvent.get(), EV_WRITE, nullptr))
        event_add(m_writeEvent.get(), nullptr);
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
    if (m_scriptSha.empty() && !m_loading && m_stream) {
        m_loading = true;
        command({"SCRIPT", "LOAD", m_scriptSource}, [this, source = m_scriptSource](redisReply *reply) {
            m_loading = false;
            if (reply && reply->type == REDIS_REPLY_STRING && source == m_scriptSource)
                m_scriptSha.assign(reply->str, reply->len);
        });
    }
}

void AsyncRedis::onSocket(evutil_socket_t, short what, void *self)
{
    static_cast<AsyncRedis *>(self)->pump(what);
}

void AsyncRedis::pump(short what)
{
    RedisStream *stream = m_stream.get();
    // A callback may close this connection (a timeout, a demoted master) and even open the next.
    const auto generation = m_generation;
    const auto same = [&] { return m_generation == generation; };
    try {
        if (!stream->ready()) {
            const auto want = stream->connect();
            if (want != RedisStream::Want::Nothing) {
                watch(want);
                return;
            }
            what = EV_READ | EV_WRITE;
        }
        auto want = RedisStream::Want::Nothing;
        if ((what & EV_WRITE) && stream->hasOutput())
            want = stream->flush();
        if (what & EV_READ) {
            if (const auto read = stream->receive(); read == RedisStream::Want::Write)
                want = read;
            while (same()) {
                redisReply *reply = stream->nextReply();
                if (!reply)
                    break;
                deliver(reply);
            }
            if (!same())
                return;
        }
        if (want == RedisStream::Want::Nothing && stream->hasOutput())
            want = RedisStream::Want::Write;
        watch(want);
    } catch (const CacheError &e) {
        if (same())
            close(e.what());
    }
}

void AsyncRedis::watch(RedisStream::Want want)
{
    // Always readable once connected, to notice replies and a close; writable while output waits.
    if (m_stream->ready() || want == RedisStream::Want::Read)
        event_add(m_readEvent.get(), nullptr);
    if (want == RedisStream::Want::Write && !event_pending(m_writeEvent.get(), EV_WRITE, nullptr))
        event_add(m_writeEvent.get(), nullptr);
}

void AsyncRedis::deliver(redisReply *raw)
{
    RedisReply reply(raw);
    if (m_sent.empty()) {
        close("Redis at " + m_url.display() + " sent a reply to nothing; the connection was dropped");
        return;
    }
    Callback done = std::move(m_sent.front().done);
    m_sent.pop_front();
    if (raw->type == REDIS_REPLY_ERROR)
        m_lastError = !m_handshakeError.empty()
                          ? m_handshakeError
                          : RedisConnection::refusal(m_url.display(), std::string(raw->str, raw->len));
    done(raw);
    // A master found through Sentinels that now refuses writes was demoted: ask them again.
    if (m_url.viaSentinel && m_stream && raw->type == REDIS_REPLY_ERROR &&
        std::string_view(raw->str, raw->len).rfind("READONLY", 0) == 0)
        close(m_lastError);
}

void AsyncRedis::onTimer(evutil_socket_t, short, void *self)
{
    auto *redis = static_cast<AsyncRedis *>(self);
    if (redis->m_sent.empty())
        return;
    if (std::chrono::steady_clock::now() - redis->m_sent.front().at <= redis->m_timeout)
        return;
    if (redis->m_stream && !redis->m_stream->ready())
        redis->close(redis->m_stream->stalled(redis->m_timeout));
    else
        redis->close("Redis at " + redis->m_url.display() + " did not answer within " +
                     std::to_string(redis->m_timeout.count()) + " ms; the connection was dropped");
}

} // namespace inv
