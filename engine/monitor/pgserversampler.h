// Reads PostgreSQL's own view of itself (pg_stat_activity, pg_stat_database, pg_locks) through a
// connection of its own, never one of the application's pools, and turns it into PgServerStats.
// Rates are differences from the previous sample. A failure never throws: the stats say what went
// wrong, and the next sample reconnects, so a server that comes back is seen again by itself. Each
// sample runs in one read-only transaction, so it costs the server one commit. One thread at a time.
#pragma once

#include "monitor/pgserverstats.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace inv {

class PgConnection;

class PgServerSampler
{
public:
    explicit PgServerSampler(std::string conninfo);
    ~PgServerSampler();
    PgServerSampler(const PgServerSampler &) = delete;
    PgServerSampler &operator=(const PgServerSampler &) = delete;

    PgServerStats sample();

    // The conninfo with the monitor's defaults where the user set none: a short connect timeout,
    // a short statement timeout and an application_name that names the monitor in pg_stat_activity.
    static std::string monitorConninfo(const std::string &conninfo);
    static constexpr const char *kApplicationName = "inventory-console monitor";

private:
    struct Counters
    {
        long long commits = 0, rollbacks = 0, blocksHit = 0, blocksRead = 0;
        std::chrono::steady_clock::time_point at;
    };
    void read(PgServerStats &stats);
    void readSessions(PgServerStats &stats);
    void readLockWaits(PgServerStats &stats);
    void readSkus(PgServerStats &stats);
    void computeRates(PgServerStats &stats);

    std::string m_conninfo;
    std::unique_ptr<PgConnection> m_connection;
    std::optional<Counters> m_last;
    bool m_skuReadable = true; // false once the role was refused the inventory table
};

} // namespace inv
