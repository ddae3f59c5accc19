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
    m_openUntilNs.store(nowNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(m_cooldown).count(),
                        std::memory_order_relaxed);
    m_failures.fetch_add(1, std::memory_order_relaxed);
}

RedisPool::Lease RedisPool::acquire()
{
    if (isCoolingDown())
        throw CacheUnavailable("Redis failed moments ago; serving from PostgreSQL until it answers again");
    std::unique_lock lock(m_mutex);
    if (!m_available.wait_for(lock, m_waitTimeout, [&] { return !m_idle.empty() || m_opened < m_size; }))
        throw PoolTimeout("no Redis connection became free within " + std::to_string(m_waitTimeout.count()) +
                          " ms");
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
        tripBreaker();
        lock.lock();
        --m_opened;
        m_available.notify_one();
        throw;
    }
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
        tripBreaker();
        // Other idle connections to a dead server are broken too; drop them so none is reused.
        connection.reset();
    }
    {
        std::lock_guard lock(m_mutex);
        if (broken) {
            m_opened -= 1 + static_cast<int>(m_idle.size());
            m_idle.clear();
        } else {
            m_idle.push_back(std::move(connection));
        }
    }
    m_available.notify_all();
}

} // namespace inv
