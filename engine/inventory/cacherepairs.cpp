#include "inventory/cacherepairs.h"

#include "errors.h"

#include <algorithm>
#include <thread>

namespace inv {

const char *CacheRepairs::oweSql()
{
    return "INSERT INTO cache_repairs (sku, version) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE "
           "SET version = greatest(cache_repairs.version, excluded.version), noted_at = clock_timestamp()";
}

const char *CacheRepairs::marksSql()
{
    static const std::string sql =
        "SELECT sku, version FROM cache_repairs ORDER BY sku LIMIT " + std::to_string(kBatch);
    return sql.c_str();
}

const char *CacheRepairs::appliedSql()
{
    return "DELETE FROM cache_repairs WHERE sku = $1 AND version <= $2";
}

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
            connection->execIdempotent(oweSql(), {sku, std::to_string(version)});
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

std::map<std::string, std::int64_t> CacheRepairs::takePending()
{
    std::map<std::string, std::int64_t> pending;
    std::lock_guard lock(m_pendingMutex);
    pending.swap(m_pending);
    return pending;
}

std::size_t CacheRepairs::pendingMarks() const
{
    std::lock_guard lock(m_pendingMutex);
    return m_pending.size();
}

bool CacheRepairs::storePending()
{
    auto pending = takePending();
    try {
        auto connection = m_pool.acquire();
        for (auto it = pending.begin(); it != pending.end(); it = pending.erase(it))
            connection->execIdempotent(oweSql(), {it->first, std::to_string(it->second)});
        return true;
    } catch (const Error &) {
        for (const auto &[sku, version] : pending)
            keep(sku, version);
        return false;
    }
}

void CacheRepairs::noteFailure(const std::string &why)
{
    if (!why.empty()) {
        std::lock_guard lock(m_pendingMutex);
        m_lastFailure = why;
    }
    m_failures.fetch_add(1, std::memory_order_relaxed);
    m_healthySinceNs.store(0, std::memory_order_relaxed);
    m_distrust.store(true, std::memory_order_relaxed);
}

std::optional<std::string> CacheRepairs::failureSince(long long mark) const
{
    if (failureMark() <= mark)
        return std::nullopt;
    std::lock_guard lock(m_pendingMutex);
    return m_lastFailure.empty() ? std::string("Redis failed (see the Servers page)") : m_lastFailure;
}

bool CacheRepairs::trustedNow() const
{
    return m_ready.load(std::memory_order_relaxed) && !m_distrust.load(std::memory_order_relaxed);
}

std::optional<CacheRepairs::Pass> CacheRepairs::claimPass()
{
    const auto due = [this] {
        return !trustedNow() || nowNs() >= m_nextPollNs.load(std::memory_order_relaxed);
    };
    if (!due() || m_passRunning.exchange(true, std::memory_order_acq_rel))
        return std::nullopt;
    // Another caller's pass may have ended between the look and the claim.
    if (!due()) {
        m_passRunning.store(false, std::memory_order_release);
        return std::nullopt;
    }
    return Pass{m_distrust.load(std::memory_order_relaxed), m_failures.load(std::memory_order_relaxed),
                nowNs()};
}

bool CacheRepairs::pingAnswered(const Pass &pass, bool answered, const std::string &why)
{
    if (!answered) {
        noteFailure(why);
        abandonPass();
        return false;
    }
    // Redis must have answered continuously for the grace period: a writer whose cache update
    // failed before it came back has left its mark by then.
    long long since = m_healthySinceNs.load(std::memory_order_relaxed);
    if (since == 0) {
        m_healthySinceNs.store(pass.startedNs, std::memory_order_relaxed);
        since = pass.startedNs;
    }
    if (pass.startedNs - since < std::chrono::nanoseconds(m_settings.grace).count()) {
        abandonPass();
        return false;
    }
    return true;
}

void CacheRepairs::finishPass(const Pass &pass, bool applied)
{
    m_nextPollNs.store(nowNs() + std::chrono::nanoseconds(m_settings.pollInterval).count(),
                       std::memory_order_relaxed);
    if (applied) {
        m_passes.fetch_add(1, std::memory_order_relaxed);
        m_ready.store(true, std::memory_order_relaxed);
        // A failure noted while the pass ran opens a new grace period.
        if (m_failures.load(std::memory_order_relaxed) == pass.failuresBefore)
            m_distrust.store(false, std::memory_order_relaxed);
    } else if (m_failures.load(std::memory_order_relaxed) == pass.failuresBefore) {
        // PostgreSQL did not answer: reads are not held for it; the next poll tries again.
        m_ready.store(true, std::memory_order_relaxed);
    }
    abandonPass();
}

bool CacheRepairs::cacheTrusted()
{
    for (;;) {
        if (auto pass = claimPass()) {
            bool answered = true;
            std::string why;
            if (pass->ping) {
                try {
                    auto connection = m_cache.pool().acquire();
                    connection->command({"PING"});
                } catch (const CacheUnavailable &) {
                    answered = false; // the breaker: the failure that opened it was noted then
                } catch (const Error &e) {
                    answered = false;
                    why = e.what();
                }
            }
            if (!pass->ping || pingAnswered(*pass, answered, why))
                finishPass(*pass, applyMarks());
            return trustedNow();
        }
        // No pass is due, or another thread runs it and the others go on as they are. Before the
        // first pass everyone waits for it: reading the database meanwhile and then an older cache
        // entry would make a reader's versions go back.
        if (ready() || !m_passRunning.load(std::memory_order_acquire))
            return trustedNow();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

bool CacheRepairs::applyMarks()
{
    if (pendingMarks() > 0 && !storePending())
        return false;
    try {
        auto connection = m_pool.acquire();
        for (;;) {
            auto marks = connection->exec(marksSql());
            const int rows = marks.rows();
            if (rows == 0)
                return true;
            for (int row = 0; row < rows; ++row) {
                const std::string sku = marks.text(row, 0);
                const std::int64_t version = marks.int64(row, 1);
                m_cache.invalidateBelow(sku, version);
                // Only the mark applied: a newer one noted meanwhile stays for the next pass.
                connection->exec(appliedSql(), {sku, std::to_string(version)});
                noteApplied();
            }
            if (rows < kBatch)
                return true;
        }
    } catch (const CacheUnavailable &) {
        noteFailure(); // the breaker: the failure that opened it was noted then
    } catch (const CacheError &e) {
        noteFailure(e.what());
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
