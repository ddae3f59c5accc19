// A pool of Redis connections with a wait timeout and a circuit breaker. After a connection fails,
// acquire() refuses at once with CacheUnavailable for a short cool-down, so that a dead Redis adds
// no more than a connect timeout to one operation and nothing to the ones after it. After the
// cool-down a single caller probes the server (a new connection and a PING, bounded by the
// timeouts) while every other caller keeps failing fast; the probe's success closes the breaker,
// its failure starts a new cool-down. Callers waiting for a free connection give up with
// CacheUnavailable when the breaker opens. Any thread may call acquire().
#pragma once

#include "cache/redisconnection.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace inv {

class RedisPool
{
public:
    class Lease
    {
    public:
        Lease(RedisPool *pool, std::unique_ptr<RedisConnection> connection);
        Lease(Lease &&other) noexcept;
        Lease &operator=(Lease &&) = delete;
        Lease(const Lease &) = delete;
        ~Lease();
        RedisConnection &operator*() { return *m_connection; }
        RedisConnection *operator->() { return m_connection.get(); }

    private:
        RedisPool *m_pool;
        std::unique_ptr<RedisConnection> m_connection;
    };

    RedisPool(RedisUrl url, int size, RedisTimeouts timeouts = {},
              std::chrono::milliseconds cooldown = std::chrono::milliseconds(500),
              std::chrono::milliseconds waitTimeout = std::chrono::seconds(5));
    RedisPool(const RedisPool &) = delete;
    RedisPool &operator=(const RedisPool &) = delete;

    // Throws CacheUnavailable while cooling down, CacheIoError if a new connection fails,
    // PoolTimeout if none frees up in time.
    Lease acquire();
    // Opens every connection now; throws CacheError if Redis is unreachable.
    void warm();
    // True while the breaker is open, that is, Redis failed less than a cool-down ago.
    bool isCoolingDown() const;
    // Counts how often the breaker opened: each is one observed outage or failure.
    long long failures() const { return m_failures.load(std::memory_order_relaxed); }
    // Counts the probes sent after a cool-down, successful or not.
    long long probes() const { return m_probes.load(std::memory_order_relaxed); }
    const RedisUrl &url() const { return m_url; }

private:
    void giveBack(std::unique_ptr<RedisConnection> connection);
    // Call with m_mutex held.
    void tripBreaker();
    Lease probe(std::unique_lock<std::mutex> &lock);

    RedisUrl m_url;
    int m_size;
    RedisTimeouts m_timeouts;
    std::chrono::milliseconds m_cooldown;
    std::chrono::milliseconds m_waitTimeout;
    std::atomic<long long> m_openUntilNs{0};
    std::atomic<long long> m_failures{0};
    std::atomic<long long> m_probes{0};
    mutable std::mutex m_mutex;
    // Guarded by m_mutex: the breaker opened and no probe has succeeded since.
    bool m_tripped = false;
    bool m_probing = false;
    std::condition_variable m_available;
    std::vector<std::unique_ptr<RedisConnection>> m_idle;
    int m_opened = 0;
};

} // namespace inv
