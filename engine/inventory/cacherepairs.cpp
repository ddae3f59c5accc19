#include "inventory/cacherepairs.h"

#include "errors.h"

#include <algorithm>
#include <thread>

namespace inv {

namespace {
constexpr int kBatch = 500;
// Idempotent: run twice (a retry after a lost connection), it changes nothing more.
const char *const kOweSql =
    "INSERT INTO cache_repairs (sku, version) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE "
    "SET version = greatest(cache_repairs.version, excluded.version), noted_at = clock_timestamp()";

} // namespace

CacheRepairs::CacheRepairs(PgPool &pool, StockCache &cache, CacheRepairSettings settings)
    : m_pool(pool), m_cache(cache), m_settings(settings)
{}

long long CacheRepairs::nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void CacheRepairs::owe(const std::string &sku, std::int64_t version)
{
    const auto deadline = std::chrono::steady_clock::now() + m_settings.oweFor;
    auto pause = std::chrono::milliseconds(20);
    for (;;) {
        try {
            auto connection = m_pool.acquire();
            connection->execIdempotent(kOweSql, {sku, std::to_string(version)});
            return;
        } catch (const Error &e) {
            const auto *db = dynamic_cast<const DbError *>(&e);
            const bool transient = dynamic_cast<const PoolTimeout *>(&e) || (db && db->sessionEnded());
            if (!transient || std::chrono::steady_clock::now() + pause > deadline) {
                keep(sku, version);
                noteFailure();
                throw;
            }
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
}

void CacheRepairs::keep(const std::string &sku, std::int64_t version)
{
    std::lock_guard lock(m_pendingMutex);
    auto &kept = m_pending[sku];
    kept = std::max(kept, version);
}

std::size_t CacheRepairs::pendingMarks() const
{
    std::lock_guard lock(m_pendingMutex);
    return m_pending.size();
}

bool CacheRepairs::storePending()
{
    std::map<std::string, std::int64_t> pending;
    {
        std::lock_guard lock(m_pendingMutex);
        pending.swap(m_pending);
    }
    try {
        auto connection = m_pool.acquire();
        for (auto it = pending.begin(); it != pending.end(); it = pending.erase(it))
            connection->execIdempotent(kOweSql, {it->first, std::to_string(it->second)});
        return true;
    } catch (const Error &) {
        for (const auto &[sku, version] : pending)
            keep(sku, version);
        return false;
    }
}

void CacheRepairs::noteFailure()
{
    m_failures.fetch_add(1, std::memory_order_relaxed);
    m_healthySinceNs.store(0, std::memory_order_relaxed);
    m_distrust.store(true, std::memory_order_relaxed);
}

bool CacheRepairs::cacheTrusted()
{
    const long long now = nowNs();
    if (m_ready.load(std::memory_order_relaxed) && !m_distrust.load(std::memory_order_relaxed) &&
        now < m_nextPollNs.load(std::memory_order_relaxed))
        return true;
    // Before the first pass everyone waits for it: reading the database meanwhile and then an older
    // cache entry would make a reader's versions go back. Later passes run on one thread while the
    // others go on as they are.
    std::unique_lock lock(m_passMutex, std::defer_lock);
    if (m_ready.load(std::memory_order_relaxed)) {
        if (!lock.try_lock())
            return !m_distrust.load(std::memory_order_relaxed);
    } else {
        lock.lock();
        if (m_ready.load(std::memory_order_relaxed) && !m_distrust.load(std::memory_order_relaxed) &&
            nowNs() < m_nextPollNs.load(std::memory_order_relaxed))
            return true;
    }
    const long long failuresBefore = m_failures.load(std::memory_order_relaxed);
    if (m_distrust.load(std::memory_order_relaxed)) {
        // Redis must have answered continuously for the grace period: a writer whose cache update
        // failed before it came back has left its mark by then.
        try {
            auto connection = m_cache.pool().acquire();
            connection->command({"PING"});
        } catch (const Error &) {
            noteFailure();
            return false;
        }
        long long since = m_healthySinceNs.load(std::memory_order_relaxed);
        if (since == 0) {
            m_healthySinceNs.store(now, std::memory_order_relaxed);
            since = now;
        }
        if (now - since < std::chrono::nanoseconds(m_settings.grace).count())
            return false;
    }
    const bool applied = applyMarks();
    m_nextPollNs.store(nowNs() + std::chrono::nanoseconds(m_settings.pollInterval).count(),
                       std::memory_order_relaxed);
    if (applied) {
        m_passes.fetch_add(1, std::memory_order_relaxed);
        m_ready.store(true, std::memory_order_relaxed);
        // A failure noted while the pass ran opens a new grace period.
        if (m_failures.load(std::memory_order_relaxed) == failuresBefore)
            m_distrust.store(false, std::memory_order_relaxed);
    } else if (m_failures.load(std::memory_order_relaxed) == failuresBefore) {
        // PostgreSQL did not answer: reads are not held for it; the next poll tries again.
        m_ready.store(true, std::memory_order_relaxed);
    }
    return m_ready.load(std::memory_order_relaxed) && !m_distrust.load(std::memory_order_relaxed);
}

bool CacheRepairs::applyMarks()
{
    if (pendingMarks() > 0 && !storePending())
        return false;
    try {
        auto connection = m_pool.acquire();
        for (;;) {
            auto marks = connection->exec("SELECT sku, version FROM cache_repairs ORDER BY sku LIMIT " +
                                          std::to_string(kBatch));
            const int rows = marks.rows();
            if (rows == 0)
                return true;
            for (int row = 0; row < rows; ++row) {
                const std::string sku = marks.text(row, 0);
                const std::int64_t version = marks.int64(row, 1);
                m_cache.invalidateBelow(sku, version);
                // Only the mark applied: a newer one noted meanwhile stays for the next pass.
                connection->exec("DELETE FROM cache_repairs WHERE sku = $1 AND version <= $2",
                                 {sku, std::to_string(version)});
                m_applied.fetch_add(1, std::memory_order_relaxed);
            }
            if (rows < kBatch)
                return true;
        }
    } catch (const CacheError &) {
        noteFailure();
    } catch (const DbError &e) {
        // A schema from before cache_repairs existed holds no marks.
        if (e.sqlstate() == "42P01")
            return true;
    } catch (const Error &) {
        // PostgreSQL is down or the pool is exhausted: try again on a later read.
    }
    return false;
}

} // namespace inv
