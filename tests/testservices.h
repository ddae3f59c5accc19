// Shared by the integration tests: the real PostgreSQL and Redis that ./test.sh starts, found
// through INVENTORY_PG_URL and INVENTORY_REDIS_URL. Under ./test.sh (INVENTORY_REQUIRE_SERVICES=1)
// a missing service fails the test; elsewhere it skips it. Test threads only.
#pragma once

#include "db/pgconnection.h"
#include "inventory/inventoryservice.h"
#include "sandbox/sandbox.h"
#include "sim/simulationconfig.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>

namespace testservices {

// The value a loop's callback set, or the test stops with `what`: an answer that never comes fails
// the test at once instead of holding the suite until ctest's timeout.
template <typename T>
T answered(std::future<T> future, const char *what, std::chrono::seconds within = std::chrono::seconds(30))
{
    if (future.wait_for(within) != std::future_status::ready)
        qFatal("no answer within %lld s: %s", static_cast<long long>(within.count()), what);
    return future.get();
}

inline std::string env(const char *name)
{
    const char *value = std::getenv(name);
    return value ? value : "";
}

inline std::string pgUrl()
{
    return env("INVENTORY_PG_URL");
}

inline std::string redisUrl()
{
    return env("INVENTORY_REDIS_URL");
}

// The schema owner's URL, for tests that need DDL: the application's role may not change the schema.
inline std::string ownerUrl()
{
    const std::string owner = env("INVENTORY_PG_OWNER_URL");
    return owner.empty() ? pgUrl() : owner;
}

// The read-only role's URL (INVENTORY_PG_READER_URL, which `sandbox status` prints).
inline std::string readerUrl()
{
    return env("INVENTORY_PG_READER_URL");
}

inline bool servicesRequired()
{
    return env("INVENTORY_REQUIRE_SERVICES") == "1";
}

// Appends an audit row as the program does, with the change of the product it records, in one
// statement (the database refuses an audit row that records no change). Returns the row's id.
inline long long appendAudit(inv::PgConnection &db, const std::string &sku, const std::string &action,
                             int quantity, const std::string &reason, const std::string &actor = {})
{
    return db
        .exec(
            "WITH d AS (SELECT CASE WHEN $2 = 'purchase' THEN -$3::int ELSE $3::int END AS delta), "
            "u AS (UPDATE inventory SET stock = stock + d.delta, version = version + 1 FROM d "
            "WHERE sku = $1 RETURNING stock, version, d.delta) "
            "INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, reason, "
            "actor) SELECT $1, $2, $3::int, u.stock - u.delta, u.stock, u.version, $4, "
            "coalesce($5, session_user) FROM u RETURNING id",
            {sku, action, std::to_string(quantity), reason,
             actor.empty() ? inv::PgParam() : inv::PgParam(actor)})
        .int64(0, 0);
}

// The pid of the backend, other than `holder`'s, that waits on a lock while running a statement
// containing `statementPart`, once there is one; empty after 3 s without.
inline std::string lockWaiter(inv::PgConnection &db, inv::PgConnection &holder,
                              const std::string &statementPart)
{
    const std::string holderPid = holder.exec("SELECT pg_backend_pid()").text(0, 0);
    for (int i = 0; i < 300; ++i) {
        auto r = db.exec("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> $1 "
                         "AND datname = current_database() AND strpos(query, $2) > 0",
                         {holderPid, statementPart});
        if (r.rows() == 1)
            return r.text(0, 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
}

// A SKU no other test or earlier run has used: the audit log is append-only, so tests never reuse rows.
inline std::string uniqueSku(const std::string &prefix)
{
    static std::atomic<int> counter{0};
    static const unsigned long long run = std::random_device{}();
    return prefix + "-" + std::to_string(run % 1000000) + "-" + std::to_string(counter.fetch_add(1));
}

inline std::unique_ptr<inv::InventoryService>
makeService(inv::StrategyKind strategy, int connections = 4, std::chrono::milliseconds raceDelay = {},
            std::chrono::milliseconds ttl = std::chrono::seconds(30), const std::string &serverId = {})
{
    inv::ServiceConfig config;
    config.pgConninfo = pgUrl();
    config.redisUrl = redisUrl();
    config.strategy = strategy;
    config.pgConnections = connections;
    config.redisConnections = connections;
    config.raceDelay = raceDelay;
    config.cacheTtl = ttl;
    config.serverId = serverId;
    auto service = std::make_unique<inv::InventoryService>(config);
    service->migrate();
    return service;
}

// A small simulation against the test services; each test sets its scenario's own parameters.
inline inv::SimulationConfig simulationConfig(inv::ScenarioKind scenario, inv::StrategyKind strategy,
                                              int connections, std::uint64_t seed)
{
    inv::SimulationConfig config;
    config.scenario = scenario;
    config.strategy = strategy;
    config.pgConninfo = pgUrl();
    config.redisUrl = redisUrl();
    config.servers = 2;
    config.connections = connections;
    config.seed = seed;
    return config;
}

// One row of the audit log's totals for a SKU.
struct AuditTotals
{
    long long rows = 0;
    long long purchased = 0;
    long long restocked = 0;
    long long adjusted = 0;
};

inline AuditTotals auditTotals(inv::PgConnection &db, const std::string &sku)
{
    auto r = db.exec("SELECT count(*), "
                     "coalesce(sum(quantity) FILTER (WHERE action = 'purchase'), 0), "
                     "coalesce(sum(quantity) FILTER (WHERE action = 'restock'), 0), "
                     "coalesce(sum(quantity) FILTER (WHERE action = 'adjust'), 0) "
                     "FROM inventory_audit WHERE sku = $1",
                     {sku});
    return AuditTotals{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.int64(0, 3)};
}

inline int dbStock(inv::PgConnection &db, const std::string &sku)
{
    return db.exec("SELECT stock FROM inventory WHERE sku = $1", {sku}).int32(0, 0);
}

} // namespace testservices

// Fails under ./test.sh, skips elsewhere, when the services are not configured.
#define REQUIRE_SERVICES()                                                                                   \
    do {                                                                                                     \
        if (testservices::pgUrl().empty() || testservices::redisUrl().empty()) {                             \
            if (testservices::servicesRequired())                                                            \
                QFAIL("INVENTORY_PG_URL and INVENTORY_REDIS_URL must be set (./test.sh sets them)");         \
            QSKIP("no PostgreSQL/Redis configured: run ./test.sh");                                          \
        }                                                                                                    \
    } while (false)
