// What the Servers page shows of PostgreSQL at one instant: connections by state, transaction
// rates, lock waits, the buffer cache, the longest transaction and the sessions themselves, as
// PgServerSampler read them through the monitor's own connection. Plain values; any thread.
#pragma once

#include <string>
#include <vector>

namespace inv {

// One client backend from pg_stat_activity. Without pg_read_all_stats (pg_monitor) another role's
// session shows only its pid, user, application and database: `hidden` is then true.
struct PgSession
{
    int pid = 0;
    std::string user;
    std::string application;
    std::string database;
    std::string state; // active, idle, idle in transaction, …; empty when hidden
    std::string waitEventType;
    std::string waitEvent;
    double xactAgeSeconds = -1;  // -1: no transaction open, or hidden
    double queryAgeSeconds = -1; // since the current or last query started
    std::string query;
    bool hidden = false;
    bool waitingOnLock = false; // from pg_locks, which every role may read
};

// A backend waiting for a heavyweight lock, and what it waits for.
struct PgLockWait
{
    int pid = 0;
    double waitSeconds = 0;
    std::string blockedBy; // the pids that hold it up, "{4242}" as pg_blocking_pids prints them
    std::string schema;    // of the relation it waits on; empty if unknown
    std::string relation;
    std::string tid; // the locked row's ctid, "(page,tuple)", when the wait is for a row
    std::string sku; // that row's SKU, if the relation is an inventory table and it could be read
    std::string query;
};

struct PgServerStats
{
    bool available = false;
    std::string error; // why it is not available: what failed and what to do
    std::string serverVersion;
    std::string database;
    std::string role;
    // Whether the role may see every session's state and query (pg_monitor or superuser); if not,
    // `visibilityNote` says what is hidden and how to grant it.
    bool fullVisibility = false;
    std::string visibilityNote;
    // A pooler stands in between (PgConnection::pooled()): the sessions are its server connections.
    bool pooled = false;

    int maxConnections = 0;
    int active = 0, idle = 0, idleInTransaction = 0, waiting = 0, other = 0, hidden = 0;

    // Cumulative, for the monitor's database, from pg_stat_database.
    long long commits = 0, rollbacks = 0, deadlocks = 0, blocksHit = 0, blocksRead = 0;
    // Per second over the last interval; -1 before the second sample.
    double commitsPerSecond = -1, rollbacksPerSecond = -1;
    // Share of block reads served from shared buffers, 0..1: over the last interval when blocks
    // were read in it, else since the statistics were reset; -1 if nothing was ever read.
    double cacheHitRatio = -1;

    std::vector<PgLockWait> lockWaits; // longest first
    // The monitor's role may not read the inventory table, so the SKUs of locked rows are unknown.
    bool skuUnreadable = false;
    // The oldest open transaction that the role can see; pid 0 if none.
    PgSession longestTransaction;
    std::vector<PgSession> sessions; // oldest transaction first
};

} // namespace inv
