#include "db/pgpool.h"

#include "errors.h"

namespace inv {

PgPool::Lease::Lease(PgPool *pool, std::unique_ptr<PgConnection> connection)
    : m_pool(pool), m_connection(std::move(connection))
{}

PgPool::Lease::Lease(Lease &&other) noexcept
    : m_pool(other.m_pool), m_connection(std::move(other.m_connection))
{}

PgPool::Lease::~Lease()
{
    if (!m_connection)
        return;
    if (m_connection->inTransaction())
        m_connection->rollback();
    m_pool->giveBack(std::move(m_connection));
}

PgPool::PgPool(std::string conninfo, int size, std::chrono::milliseconds waitTimeout, std::string schema)
    : m_conninfo(std::move(conninfo)), m_schema(std::move(schema)), m_size(size), m_waitTimeout(waitTimeout)
{
    if (size < 1)
        throw InvalidInput("a PostgreSQL pool needs at least one connection");
    m_idle.reserve(static_cast<std::size_t>(size));
}

PgPool::Lease PgPool::acquire()
{
    std::unique_lock lock(m_mutex);
    const bool ready =
        m_available.wait_for(lock, m_waitTimeout, [&] { return !m_idle.empty() || m_opened < m_size; });
    if (!ready)
        throw PoolTimeout("no PostgreSQL connection became free within " +
                          std::to_string(m_waitTimeout.count()) + " ms (pool of " + std::to_string(m_size) +
                          "); lower the load or raise --connections");
    if (!m_idle.empty()) {
        auto connection = std::move(m_idle.back());
        m_idle.pop_back();
        return Lease(this, std::move(connection));
    }
    ++m_opened;
    lock.unlock();
    try {
        return Lease(this, std::make_unique<PgConnection>(m_conninfo, m_schema));
    } catch (...) {
        lock.lock();
        --m_opened;
        m_available.notify_one();
        throw;
    }
}

void PgPool::warm()
{
    std::vector<Lease> leases;
    while (opened() < m_size)
        leases.push_back(acquire());
}

int PgPool::opened() const
{
    std::lock_guard lock(m_mutex);
    return m_opened;
}

void PgPool::giveBack(std::unique_ptr<PgConnection> connection)
{
    {
        std::lock_guard lock(m_mutex);
        m_idle.push_back(std::move(connection));
    }
    m_available.notify_one();
}

} // namespace inv
