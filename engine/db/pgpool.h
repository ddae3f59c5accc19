// A fixed-size pool of PostgreSQL connections, opened lazily. acquire() hands out a Lease that gives
// the connection back when it goes out of scope, rolling back any transaction left open. Waiting
// for a free connection is bounded by the wait timeout. Any thread may call acquire().
#pragma once

#include "db/pgconnection.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace inv {

class PgPool
{
public:
    class Lease
    {
    public:
        Lease(PgPool *pool, std::unique_ptr<PgConnection> connection);
        Lease(Lease &&other) noexcept;
        Lease &operator=(Lease &&) = delete;
        Lease(const Lease &) = delete;
        ~Lease();
        PgConnection &operator*() { return *m_connection; }
        PgConnection *operator->() { return m_connection.get(); }

    private:
        PgPool *m_pool;
        std::unique_ptr<PgConnection> m_connection;
    };

    PgPool(std::string conninfo, int size, std::chrono::milliseconds waitTimeout = std::chrono::seconds(10),
           std::string schema = {});
    PgPool(const PgPool &) = delete;
    PgPool &operator=(const PgPool &) = delete;

    // Throws PoolTimeout if no connection frees up in time, DbError if a new one cannot connect.
    Lease acquire();
    // Opens every connection now, so that a measured run does not pay for connecting.
    void warm();
    int size() const { return m_size; }
    int opened() const;
    const std::string &conninfo() const { return m_conninfo; }

private:
    void giveBack(std::unique_ptr<PgConnection> connection);

    std::string m_conninfo;
    std::string m_schema;
    int m_size;
    std::chrono::milliseconds m_waitTimeout;
    mutable std::mutex m_mutex;
    std::condition_variable m_available;
    std::vector<std::unique_ptr<PgConnection>> m_idle;
    int m_opened = 0;
};

} // namespace inv
