// Keeps the shared cache honest across Redis outages, strategies, servers and processes. A write
// whose cache update failed leaves a durable mark in PostgreSQL (cache_repairs: the SKU and the
// version it wrote) before it is acknowledged. A server that saw Redis fail stops trusting the cache
// and reads from PostgreSQL until Redis has answered for a grace period longer than any writer needs
// to leave its mark; then it applies every mark to Redis (raise the version floor, drop older
// values), deletes them, and trusts the cache again. Every server also applies the marks it finds
// once per poll interval, so a server that saw no failure catches up within that interval, and a
// process that starts applies them before its first cache read. A pass runs on one thread at a
// time: cacheTrusted() runs it with blocking calls; the event-loop client (LoopRepairs) claims it
// with claimPass() and runs the same steps without blocking. Any thread.
#pragma once

#include "cache/stockcache.h"
#include "db/pgpool.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace inv {

struct CacheRepairSettings
{
    // Longer than a writer's cache timeout, the breaker's cool-down and the mark's insert together.
    std::chrono::milliseconds grace{2000};
    std::chrono::milliseconds pollInterval{1000};
    // How long owe() keeps trying to store a mark while PostgreSQL does not answer.
    std::chrono::milliseconds oweFor{3000};
};

class CacheRepairs
{
public:
    // Marks read and applied per round trip.
    static constexpr int kBatch = 500;
    // Idempotent: run twice (a retry after a lost connection), it changes nothing more.
    static const char *oweSql();
    static const char *marksSql();
    // Deletes the mark applied, not a newer one noted meanwhile.
    static const char *appliedSql();

    // A pass claimed by one caller, who ends it with pingAnswered() or finishPass().
    struct Pass
    {
        // The cache was distrusted: Redis must answer a PING, for the grace period, first.
        bool ping = false;
        long long failuresBefore = 0;
        long long startedNs = 0;
    };

    CacheRepairs(PgPool &pool, StockCache &cache, CacheRepairSettings settings);

    // Records that the cache may hold a value of `sku` older than `version`, in PostgreSQL, trying
    // again on a new connection for up to settings().oweFor. If PostgreSQL stays away that long,
    // keeps the mark in this process, stops trusting the cache, stores it with the next pass, and
    // throws the DbError (or PoolTimeout): until then other processes may read the older value.
    void owe(const std::string &sku, std::int64_t version);
    // Marks kept in this process because PostgreSQL did not take them in time.
    std::size_t pendingMarks() const;
    // A cache operation failed: distrust the cache until the repairs are applied. `why` is the
    // error's message when the failure has one worth saying (a refusal, a connection that failed);
    // an open circuit breaker says nothing new and keeps the last one.
    void noteFailure(const std::string &why = {});
    // A count of failures, to pass to failureSince().
    long long failureMark() const { return m_failures.load(std::memory_order_relaxed); }
    // The last failure's reason if one was noted after `mark`: what a command tells its operator.
    std::optional<std::string> failureSince(long long mark) const;
    // True if the cache may be read now. Applies the marks first when a pass is due (one thread at a
    // time; the others read from PostgreSQL meanwhile). Never throws.
    bool cacheTrusted();

    // For a caller that runs passes without blocking. True if the cache may be read now, with no pass.
    bool trustedNow() const;
    // A pass has ended since this process started (reads before it wait for it).
    bool ready() const { return m_ready.load(std::memory_order_relaxed); }
    // The next pass, if one is due and no other caller runs one.
    std::optional<Pass> claimPass();
    // After the pass's PING (when pass.ping): false ends the pass, because Redis failed or has not
    // answered for the grace period yet.
    bool pingAnswered(const Pass &pass, bool answered, const std::string &why = {});
    // Ends the pass: `applied` says every mark, kept ones included, reached Redis and was deleted.
    void finishPass(const Pass &pass, bool applied);
    // Ends a pass its caller cannot finish (it is going away).
    void abandonPass() { m_passRunning.store(false, std::memory_order_release); }
    // The marks kept in this process, handed over to be stored (keep() takes back what was not).
    std::map<std::string, std::int64_t> takePending();
    // Keeps a mark in this process (the newer version of the two if one is kept already).
    void keep(const std::string &sku, std::int64_t version);
    void noteApplied() { m_applied.fetch_add(1, std::memory_order_relaxed); }

    long long applied() const { return m_applied.load(std::memory_order_relaxed); }
    long long passes() const { return m_passes.load(std::memory_order_relaxed); }
    bool distrusting() const { return m_distrust.load(std::memory_order_relaxed); }
    const CacheRepairSettings &settings() const { return m_settings; }

private:
    // Applies every mark to Redis and deletes it. False if Redis or PostgreSQL failed on the way.
    bool applyMarks();
    static long long nowNs();
    // Stores the marks kept in this process; false if PostgreSQL failed again.
    bool storePending();

    PgPool &m_pool;
    StockCache &m_cache;
    CacheRepairSettings m_settings;
    mutable std::mutex m_pendingMutex;
    std::map<std::string, std::int64_t> m_pending; // guarded by m_pendingMutex
    std::string m_lastFailure;                     // guarded by m_pendingMutex
    // Until the first pass, which a new process runs before its first cache read, nobody reads it.
    std::atomic<bool> m_ready{false};
    std::atomic<bool> m_passRunning{false};
    std::atomic<bool> m_distrust{false};
    std::atomic<long long> m_failures{0};
    std::atomic<long long> m_healthySinceNs{0};
    std::atomic<long long> m_nextPollNs{0};
    std::atomic<long long> m_applied{0};
    std::atomic<long long> m_passes{0};
};

} // namespace inv
