#include "cache/redispool.h"

#include "errors.h"

namespace inv {

namespace {
long long nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

RedisPool::Lease::Lease(RedisPool *pool, std::unique_ptr<RedisConnection> connection)
    : m_pool(pool), m_connection(std::move(connection))
{}

RedisPool::Lease::Lease(Lease &&other) noexcept
    : m_pool(other.m_pool), m_connection(std::move(other.m_connection))
{}

RedisPool::Lease::~Lease()
{
    if (m_connection)
        m_pool->giveBack(std::move(m_connection));
}

RedisPool::RedisPool(RedisUrl url, int size, RedisTimeouts timeouts, std::chrono::milliseconds cooldown,
                     std::chrono::milliseconds waitTimeout)
    : m_url(std::move(url)), m_size(size), m_timeouts(timeouts), m_cooldown(cooldown),
      m_waitTimeout(waitTimeout)
{
    if (size < 1)
        throw InvalidInput("a Redis pool needs at least one connection");
}

bool RedisPool::isCoolingDown() const
{
    return nowNs() < m_openUntilNs.load(std::memory_order_relaxed);
}

void RedisPool::tripBreaker()
{
    m_tripped = true;
    m_openUntilNs.store(nowNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(m_cooldown).count(),
                        std::memory_order_relaxed);
    m_failures.fetch_add(1, std::memory_order_relaxed);
}

namespace {
CacheUnavailable unavailable()
{
    return CacheUnavailable("Redis failed moments ago; serving from PostgreSQL until it answers again");
}
} // namespace

RedisPool::Lease RedisPool::acquire()
{
    if (isCoolingDown())
        throw unavailable();
    std::unique_lock lock(m_mutex);
    if (m_tripped) {
        // Half-open: the first caller after the cool-down probes, the others fail fast meanwhile.
        if (m_probing || isCoolingDown())
            throw unavailable();
        return probe(lock);
    }
    // The breaker may open while we wait: then a connection would only lead to the same failure.
    if (!m_available.wait_for(lock, m_waitTimeout,
                              [&] { return m_tripped || !m_idle.empty() || m_opened < m_size; }))
        throw PoolTimeout("no Redis connection became free within " + std::to_string(m_waitTimeout.count()) +
                          " ms");
    if (m_tripped)
        throw unavailable();
    if (!m_idle.empty()) {
        auto connection = std::move(m_idle.back());
        m_idle.pop_back();
        return Lease(this, std::move(connection));
    }
    ++m_opened;
    lock.unlock();
    try {
        return Lease(this, std::make_unique<RedisConnection>(m_url, m_timeouts));
    } catch (const CacheError &) {
        lock.lock();
        tripBreaker();
        --m_opened;
        lock.unlock();
        m_available.notify_all();
        throw;
    }
}

RedisPool::Lease RedisPool::probe(std::unique_lock<std::mutex> &lock)
{
    // Connections opened before the failure may be dead too: the probe uses a new one.
    const int stale = static_cast<int>(m_idle.size());
    m_idle.clear();
    m_opened -= stale;
    if (m_opened >= m_size)
        throw unavailable(); // every connection is still out with a caller that will report on it
    ++m_opened;
    m_probing = true;
    m_probes.fetch_add(1, std::memory_order_relaxed);
    lock.unlock();
    std::unique_ptr<RedisConnection> connection;
    try {
        connection = std::make_unique<RedisConnection>(m_url, m_timeouts);
        // Connecting proves little: a hung server's kernel still accepts. The server must answer.
        if (!connection->command({"PING"}).isStatus("PONG"))
            throw CacheReplyError("Redis answered the probe's PING with something other than PONG");
    } catch (const CacheError &) {
        connection.reset();
        lock.lock();
        m_probing = false;
        --m_opened;
        tripBreaker();
        lock.unlock();
        m_available.notify_all();
        throw;
    }
    lock.lock();
    m_probing = false;
    m_tripped = false;
    lock.unlock();
    m_available.notify_all();
    return Lease(this, std::move(connection));
}

void RedisPool::warm()
{
    std::vector<Lease> leases;
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_opened >= m_size)
                return;
        }
        leases.push_back(acquire());
    }
}

void RedisPool::giveBack(std::unique_ptr<RedisConnection> connection)
{
    const bool broken = connection->isBroken();
    if (broken) {
        // Other idle connections to a dead server are broken too; drop them so none is reused.
        connection.reset();
    }
    {
        std::lock_guard lock(m_mutex);
        if (broken) {
            tripBreaker();
            m_opened -= 1 + static_cast<int>(m_idle.size());
            m_idle.clear();
        } else {
            m_idle.push_back(std::move(connection));
        }
    }
    m_available.notify_all();
}

} // namespace inv
