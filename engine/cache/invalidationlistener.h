// The link that keeps a near cache coherent: Redis's server-assisted client-side caching over RESP2.
// It owns two dedicated connections. The subscriber learns its CLIENT ID, subscribes to
// __redis__:invalidate and is read by the listener's own thread; the tracker turns on
// CLIENT TRACKING ... REDIRECT <id> BCAST PREFIX <prefix> and stays open for as long as the link is
// up, since tracking ends with its connection. Both sockets are watched: a close by the server
// (CLIENT KILL, a proxy, a server-side timeout) of either one drops the link at once. The tracker
// reads a canary key of its own every `canary` period: a different answer means the database under
// it was swapped or flushed without an invalidation (SWAPDB sends none). The subscriber is pinged
// every heartbeat. A reply missing past the command timeout (a paused or hung server), an I/O error,
// or any unexpected reply means the link dropped; the sink is told at once, both connections are
// closed, and the thread reconnects.
// The sink's callbacks run on the listener's thread; the public methods may be called from any thread.
#pragma once

#include "cache/redisconnection.h"
#include "cache/redisurl.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace inv {

// What the listener reports. Called on the listener's thread, one call at a time.
class InvalidationSink
{
public:
    virtual ~InvalidationSink() = default;
    // Keys Redis reports as changed, expired or evicted.
    virtual void onKeysInvalidated(const std::vector<std::string> &keys) = 0;
    // A flush of the database (a nil or empty invalidation): every key may have changed.
    virtual void onFlushAll() = 0;
    // Subscribed and tracking: from now on every change under the prefix is reported.
    virtual void onLinkUp() = 0;
    // Changes may go unreported from now on.
    virtual void onLinkDown() = 0;
};

struct InvalidationLinkSettings
{
    RedisTimeouts timeouts;
    // How often both connections are pinged; a missing pong after timeouts.command drops the link.
    std::chrono::milliseconds heartbeat{100};
    // The pause between two attempts to bring the link back.
    std::chrono::milliseconds retry{100};
    // How often the tracker reads its canary: the longest a swapped database goes unnoticed.
    std::chrono::milliseconds canary{2};
};

class InvalidationListener
{
public:
    // `prefix` is the tracked key prefix, such as "sim:<id>:inv:". Starts the thread at once.
    InvalidationListener(RedisUrl url, std::string prefix, InvalidationLinkSettings settings,
                         InvalidationSink &sink);
    ~InvalidationListener();
    InvalidationListener(const InvalidationListener &) = delete;
    InvalidationListener &operator=(const InvalidationListener &) = delete;

    // Whether the user of `url` may do what the link needs: SUBSCRIBE to __redis__:invalidate, and
    // CLIENT TRACKING on `prefix`. Throws CacheReplyError naming what to grant when Redis refuses
    // either (NOPERM); returns quietly otherwise, Redis unreachable included (the link keeps trying,
    // and reads fail open meanwhile). Any thread.
    static void checkAllowed(const RedisUrl &url, const std::string &prefix, RedisTimeouts timeouts);

    bool linked() const { return m_linked.load(); }
    // Times an established link dropped.
    long long disconnects() const { return m_disconnects.load(std::memory_order_relaxed); }
    // Invalidation messages received (a message may name several keys).
    long long messages() const { return m_messages.load(std::memory_order_relaxed); }

private:
    void run(std::stop_token stop);
    // Subscribes and turns tracking on; false (with both connections closed) if Redis did not agree.
    bool establish();
    // Reads invalidations and sends heartbeats until the link drops or a stop is requested.
    void serve(const std::stop_token &stop);
    // Handles one reply of the subscriber; false if it was not one a subscriber expects.
    bool handle(const redisReply *reply);
    // The tracker's connection is alive and its database still holds the canary.
    bool trackerIntact();
    void drop();

    RedisUrl m_url;
    std::string m_prefix;
    InvalidationLinkSettings m_settings;
    InvalidationSink &m_sink;
    std::unique_ptr<RedisConnection> m_subscriber;
    std::unique_ptr<RedisConnection> m_tracker;
    std::string m_canaryKey, m_canaryToken;
    bool m_canaryRefreshes = true; // GETEX is there and allowed
    std::chrono::steady_clock::time_point m_pingSentAt{};
    bool m_pongAwaited = false;
    std::atomic<bool> m_linked{false};
    std::atomic<long long> m_disconnects{0};
    std::atomic<long long> m_messages{0};
    // Last: it starts after every other member exists and stops before any is destroyed.
    std::jthread m_thread;
};

} // namespace inv
