// One server's repair marks and repair passes (CacheRepairs) on its event loop, never blocking it.
// A write whose cache step failed, and a replay whose first attempt's cache step may have been lost,
// leave a durable mark before they are answered: owe() stores it over the repairs' own PostgreSQL
// connection, again on a new connection for up to CacheRepairSettings::oweFor, and then keeps it in
// the process for the next pass, as CacheRepairs::owe does on a thread. A read asks trusted(), which
// starts the server's pass when one is due, claimed from CacheRepairs so that one caller runs it at
// a time: after a failure the PING (Redis must answer for the grace period), then the marks kept in
// the process stored, then every mark applied to Redis (the version floor raised) and deleted, a
// batch at a time. Marks and passes have their own connections: no read and no write waits behind
// them. Loop thread only, construction aside.
#pragma once

#include "inventory/inventoryservice.h"
#include "loop/asyncpgconnection.h"
#include "loop/loopcache.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace inv {

class LoopRepairs
{
public:
    LoopRepairs(EventLoop &loop, InventoryService &server);
    ~LoopRepairs();
    LoopRepairs(const LoopRepairs &) = delete;
    LoopRepairs &operator=(const LoopRepairs &) = delete;

    // Opens the connection and, before the load, the pass a new process owes before its first cache
    // read. Throws DbError when PostgreSQL cannot be reached.
    void open();
    // True if the cache may be read now; starts the pass when one is due.
    bool trusted();
    // After `writes` committed writes up to `version`: counts them and, if their cache step failed,
    // notes the failure and owes the mark. `then` runs once the mark is stored or kept.
    void written(const std::string &sku, std::int64_t version, bool cacheCurrent, long long writes,
                 std::function<void()> then);
    // Leaves the mark for `sku` up to `version`; `then` runs once it is stored or kept.
    void owe(const std::string &sku, std::int64_t version, std::function<void()> then);
    bool passing() const { return m_passing; }

private:
    enum Statement
    {
        Owe,
        Marks,
        Applied
    };
    void oweAttempt(const std::string &sku, std::int64_t version,
                    std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds pause,
                    std::function<void()> then);
    // Sends on the connection; when it is closed, starts it again and answers the statement with a
    // connection failure.
    void send(Statement statement, const std::vector<PgParam> &params, AsyncPgConnection::Callback done);
    void start(const CacheRepairs::Pass &pass);
    void storeKept();
    void applyMarks();
    void applyBatch(const PgResult &marks);
    void finish(bool applied);
    // `step` with a guard: it does nothing once these repairs are gone.
    template <typename Step> auto guarded(Step step);

    InventoryService &m_server;
    AsyncPgConnection m_connection;
    LoopCache m_cache;
    CacheRepairs::Pass m_pass;
    bool m_passing = false;
    // Declared last, so released first: callbacks answered while the rest is destroyed do nothing.
    std::shared_ptr<LoopRepairs *> m_self;
};

} // namespace inv
