#include "cache/invalidationlistener.h"

#include "errors.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string_view>

#include <poll.h>

namespace inv {

namespace {
constexpr const char *kChannel = "__redis__:invalidate";
constexpr const char *kCanaryTtl = "86400"; // seconds

bool isString(const redisReply *r, const char *text)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
           r->len == std::strlen(text) && std::memcmp(r->str, text, r->len) == 0;
}

} // namespace

void InvalidationListener::checkAllowed(const RedisUrl &url, const std::string &prefix,
                                        RedisTimeouts timeouts)
{
    const std::string user = url.user.empty() ? "default" : url.user;
    const auto refused = [](const CacheReplyError &e) {
        return std::string_view(e.what()).find("NOPERM") != std::string_view::npos;
    };
    try {
        RedisConnection subscriber(url, timeouts);
        const long long id = subscriber.command({"CLIENT", "ID"}).integer();
        try {
            subscriber.command({"SUBSCRIBE", kChannel});
        } catch (const CacheReplyError &e) {
            if (!refused(e))
                throw;
            throw CacheReplyError(
                "the Redis user '" + user + "' may not SUBSCRIBE to " + kChannel +
                " (NOPERM), where --near-cache learns what changed: grant it with ACL SETUSER " + user +
                " &" + kChannel + " (README, \"Your servers\"), or run without --near-cache");
        }
        RedisConnection tracker(url, timeouts);
        try {
            tracker.command(
                {"CLIENT", "TRACKING", "on", "REDIRECT", std::to_string(id), "BCAST", "PREFIX", prefix});
        } catch (const CacheReplyError &e) {
            if (!refused(e))
                throw;
            throw CacheReplyError(
                "the Redis user '" + user + "' may not turn on CLIENT TRACKING for the keys under " + prefix +
                ", which --near-cache needs: grant it +client|tracking and the key pattern ~" + prefix +
                "* (README, \"Your servers\"), or run without --near-cache (" + e.what() + ")");
        }
    } catch (const CacheReplyError &e) {
        if (refused(e))
            throw;
        // A refusal of another kind (a password) fails every cache step alike, and is said there.
    } catch (const CacheError &) {
        // Unreachable now: the link keeps trying.
    }
}

InvalidationListener::InvalidationListener(RedisUrl url, std::string prefix,
                                           InvalidationLinkSettings settings, InvalidationSink &sink)
    : m_url(std::move(url)), m_prefix(std::move(prefix)), m_settings(settings), m_sink(sink),
      m_thread([this](std::stop_token stop) { run(std::move(stop)); })
{}

InvalidationListener::~InvalidationListener()
{
    m_thread.request_stop();
    if (m_thread.joinable())
        m_thread.join();
}

void InvalidationListener::run(std::stop_token stop)
{
    while (!stop.stop_requested()) {
        if (establish()) {
            m_linked.store(true);
            m_sink.onLinkUp();
            serve(stop);
            drop();
            if (stop.stop_requested())
                return;
            m_disconnects.fetch_add(1, std::memory_order_relaxed);
        }
        // Sleep in small steps, so that the destructor does not wait out a whole retry.
        const auto until = std::chrono::steady_clock::now() + m_settings.retry;
        while (!stop.stop_requested() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool InvalidationListener::establish()
{
    try {
        // Its handshake (AUTH, SELECT) is the connection's own; a refusal throws.
        m_subscriber = std::make_unique<RedisConnection>(m_url, m_settings.timeouts);
        auto id = m_subscriber->command({"CLIENT", "ID"});
        if (!id.isInteger())
            throw CacheReplyError("CLIENT ID failed");
        auto subscribed = m_subscriber->command({"SUBSCRIBE", kChannel});
        if (!subscribed.get() || subscribed->type != REDIS_REPLY_ARRAY || subscribed->elements < 1 ||
            !isString(subscribed->element[0], "subscribe"))
            throw CacheReplyError("SUBSCRIBE failed");
        // The tracker does AUTH and SELECT itself; tracking is by key name, whatever the database.
        m_tracker = std::make_unique<RedisConnection>(m_url, m_settings.timeouts);
        // Set before tracking starts, outside the keys a near cache keeps; other listeners of the
        // prefix get one invalidation for it, which names no product.
        m_canaryToken = std::to_string(std::random_device{}()) + std::to_string(std::random_device{}());
        m_canaryKey = m_prefix + "near-canary:" + m_canaryToken;
        if (!m_tracker->command({"SET", m_canaryKey, m_canaryToken, "EX", kCanaryTtl}).isStatus("OK"))
            throw CacheReplyError("the canary key could not be set");
        // GETEX (Redis 6.2) keeps the canary alive as long as the link; where it is missing or not
        // allowed, GET does, and the canary's expiry after a day costs one reconnection.
        m_canaryRefreshes = true;
        try {
            m_tracker->command({"GETEX", m_canaryKey, "EX", kCanaryTtl});
        } catch (const CacheReplyError &) {
            m_canaryRefreshes = false;
        }
        if (!trackerIntact())
            throw CacheReplyError("the canary key could not be read back");
        auto tracking = m_tracker->command({"CLIENT", "TRACKING", "on", "REDIRECT",
                                            std::to_string(id.integer()), "BCAST", "PREFIX", m_prefix});
        if (!tracking.isStatus("OK"))
            throw CacheReplyError("CLIENT TRACKING failed");
        m_pongAwaited = false;
        return true;
    } catch (const Error &) {
        drop();
        return false;
    }
}

void InvalidationListener::serve(const std::stop_token &stop)
{
    using Clock = std::chrono::steady_clock;
    auto nextPing = Clock::now();
    auto nextCanary = Clock::now();
    while (!stop.stop_requested()) {
        const auto now = Clock::now();
        if (now >= nextCanary) {
            if (!trackerIntact())
                return;
            nextCanary = now + m_settings.canary;
        }
        if (now >= nextPing) {
            // A server that stopped answering (SIGSTOP, a hung host) breaks nothing on the socket:
            // only a missing pong shows it.
            if (m_pongAwaited && now - m_pingSentAt > m_settings.timeouts.command)
                return;
            if (!m_pongAwaited) {
                try {
                    m_subscriber->send({"PING"});
                } catch (const Error &) {
                    return;
                }
                m_pingSentAt = now;
                m_pongAwaited = true;
            }
            nextPing = now + m_settings.heartbeat;
        }
        // Replies already read into the buffer first, then wait for the socket.
        for (;;) {
            RedisReply reply = m_subscriber->bufferedReply();
            if (m_subscriber->isBroken())
                return;
            if (!reply.get())
                break;
            if (!handle(reply.get()))
                return;
        }
        const auto wait = std::clamp<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::min(nextPing, nextCanary) - Clock::now())
                                                    .count(),
                                                1, 20);
        // The tracker is sent nothing unasked: anything readable on it is its close (or a push that
        // means tracking broke), and either drops the link.
        pollfd fds[2] = {{m_subscriber->fd(), POLLIN, 0}, {m_tracker->fd(), POLLIN, 0}};
        const int ready = ::poll(fds, 2, static_cast<int>(wait));
        if (ready < 0 && errno != EINTR)
            return;
        if (ready > 0) {
            if (fds[1].revents != 0)
                return;
            if (fds[0].revents & (POLLERR | POLLNVAL))
                return;
            if (fds[0].revents != 0 && !m_subscriber->receive())
                return; // the server closed the connection (POLLHUP reads as EOF here)
        }
    }
}

bool InvalidationListener::trackerIntact()
{
    try {
        const RedisReply reply = m_canaryRefreshes
                                     ? m_tracker->command({"GETEX", m_canaryKey, "EX", kCanaryTtl})
                                     : m_tracker->command({"GET", m_canaryKey});
        return reply.get() && reply->type == REDIS_REPLY_STRING &&
               std::string_view(reply->str, reply->len) == m_canaryToken;
    } catch (const Error &) {
        return false;
    }
}

bool InvalidationListener::handle(const redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        return false;
    const redisReply *kind = reply->element[0];
    if (isString(kind, "pong")) {
        m_pongAwaited = false;
        return true;
    }
    if (!isString(kind, "message") || reply->elements < 3)
        return isString(kind, "subscribe");
    m_messages.fetch_add(1, std::memory_order_relaxed);
    const redisReply *payload = reply->element[2];
    if (payload->type == REDIS_REPLY_NIL || (payload->type == REDIS_REPLY_ARRAY && payload->elements == 0)) {
        m_sink.onFlushAll();
        return true;
    }
    std::vector<std::string> keys;
    if (payload->type == REDIS_REPLY_STRING) {
        keys.emplace_back(payload->str, payload->len);
    } else if (payload->type == REDIS_REPLY_ARRAY) {
        keys.reserve(payload->elements);
        for (std::size_t i = 0; i < payload->elements; ++i) {
            const redisReply *key = payload->element[i];
            if (key->type == REDIS_REPLY_STRING)
                keys.emplace_back(key->str, key->len);
        }
    } else {
        // Not a shape this listener understands: flush rather than guess.
        m_sink.onFlushAll();
        return true;
    }
    m_sink.onKeysInvalidated(keys);
    return true;
}

void InvalidationListener::drop()
{
    if (m_linked.exchange(false))
        m_sink.onLinkDown();
    if (m_tracker && !m_tracker->isBroken() && !m_canaryKey.empty()) {
        try {
            m_tracker->command({"DEL", m_canaryKey});
        } catch (const Error &) {
            // It expires within the hour.
        }
    }
    m_tracker.reset();
    m_subscriber.reset();
    m_pongAwaited = false;
}

} // namespace inv
