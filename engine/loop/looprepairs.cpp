#include "loop/looprepairs.h"

#include <algorithm>

namespace inv {

LoopRepairs::LoopRepairs(EventLoop &loop, InventoryService &server)
    : m_server(server),
      m_connection(loop, server.config().pgConninfo, server.config().pgSchema,
                   {CacheRepairs::oweSql(), CacheRepairs::marksSql(), CacheRepairs::appliedSql()}),
      m_cache(loop, server), m_self(std::make_shared<LoopRepairs *>(this))
{}

LoopRepairs::~LoopRepairs()
{
    m_self.reset();
    if (m_passing)
        m_server.cacheRepairs().abandonPass();
}

template <typename Step> auto LoopRepairs::guarded(Step step)
{
    return [self = std::weak_ptr<LoopRepairs *>(m_self), step = std::move(step)](auto &&...args) mutable {
        if (self.lock())
            step(std::forward<decltype(args)>(args)...);
    };
}

void LoopRepairs::open()
{
    m_connection.open();
    if (!m_server.cacheRepairs().ready())
        m_server.cacheRepairs().cacheTrusted();
}

bool LoopRepairs::trusted()
{
    CacheRepairs &repairs = m_server.cacheRepairs();
    if (!m_passing)
        if (auto pass = repairs.claimPass())
            start(*pass);
    return repairs.trustedNow();
}

void LoopRepairs::written(const std::string &sku, std::int64_t version, bool cacheCurrent, long long writes,
                          std::function<void()> then)
{
    auto &stats = m_server.counters();
    stats.writes.fetch_add(writes, std::memory_order_relaxed);
    if (cacheCurrent) {
        then();
        return;
    }
    stats.cacheErrors.fetch_add(1, std::memory_order_relaxed);
    m_server.cacheRepairs().noteFailure();
    owe(sku, version, std::move(then));
}

void LoopRepairs::owe(const std::string &sku, std::int64_t version, std::function<void()> then)
{
    oweAttempt(sku, version, std::chrono::steady_clock::now() + m_server.cacheRepairs().settings().oweFor,
               std::chrono::milliseconds(20), std::move(then));
}

void LoopRepairs::oweAttempt(const std::string &sku, std::int64_t version,
                             std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds pause,
                             std::function<void()> then)
{
    send(Owe, {sku, std::to_string(version)},
         guarded([this, sku, version, deadline, pause, then](AsyncPgConnection::Answer answer) {
             auto &stats = m_server.counters();
             if (!answer.error) {
                 stats.repairsOwed.fetch_add(1, std::memory_order_relaxed);
                 then();
                 return;
             }
             if (answer.error->sessionEnded() && std::chrono::steady_clock::now() + pause <= deadline) {
                 m_cache.after(pause, guarded([this, sku, version, deadline, pause, then] {
                                   oweAttempt(sku, version, deadline,
                                              std::min(pause * 2, std::chrono::milliseconds(200)), then);
                               }));
                 return;
             }
             // PostgreSQL stayed away: the mark is kept in this process and stored by its next
             // pass; another process may read the older entry until then.
             m_server.cacheRepairs().keep(sku, version);
             m_server.cacheRepairs().noteFailure();
             stats.repairsLost.fetch_add(1, std::memory_order_relaxed);
             then();
         }));
}

void LoopRepairs::send(Statement statement, const std::vector<PgParam> &params,
                       AsyncPgConnection::Callback done)
{
    if (m_connection.isOpen()) {
        m_connection.send(statement, params, std::move(done));
        return;
    }
    // A closed connection is started again without waiting; this statement fails now, and its
    // caller tries again later (owe() after a pause, the pass on its next poll).
    m_connection.reconnect();
    const std::string why = m_connection.downWhy().empty()
                                ? "the repairs' PostgreSQL connection is not open yet"
                                : m_connection.downWhy();
    done(AsyncPgConnection::Answer{{}, DbError(why, "08006")});
}

void LoopRepairs::start(const CacheRepairs::Pass &pass)
{
    m_passing = true;
    m_pass = pass;
    if (!pass.ping) {
        storeKept();
        return;
    }
    m_cache.ping(guarded([this](bool answered) {
        if (!m_server.cacheRepairs().pingAnswered(m_pass, answered,
                                                  answered ? std::string() : m_cache.lastError())) {
            m_passing = false;
            return;
        }
        storeKept();
    }));
}

void LoopRepairs::storeKept()
{
    auto kept = std::make_shared<std::map<std::string, std::int64_t>>(m_server.cacheRepairs().takePending());
    if (kept->empty()) {
        applyMarks();
        return;
    }
    auto left = std::make_shared<std::size_t>(kept->size());
    auto failed = std::make_shared<bool>(false);
    for (const auto &[sku, version] : *kept)
        send(Owe, {sku, std::to_string(version)},
             guarded([this, kept, left, failed](AsyncPgConnection::Answer answer) {
                 if (answer.error)
                     *failed = true;
                 if (--*left > 0)
                     return;
                 if (!*failed) {
                     applyMarks();
                     return;
                 }
                 // Stored twice does no harm: every mark is kept again for the next pass.
                 for (const auto &[sku, version] : *kept)
                     m_server.cacheRepairs().keep(sku, version);
                 finish(false);
             }));
}

void LoopRepairs::applyMarks()
{
    send(Marks, {}, guarded([this](AsyncPgConnection::Answer answer) {
             if (answer.error) {
                 // A schema from before cache_repairs existed holds no marks.
                 finish(answer.error->sqlstate() == "42P01");
                 return;
             }
             if (answer.result.rows() == 0) {
                 finish(true);
                 return;
             }
             applyBatch(answer.result);
         }));
}

void LoopRepairs::applyBatch(const PgResult &marks)
{
    struct Batch
    {
        int left = 0;
        bool full = false;
        bool cacheFailed = false;
        bool dbFailed = false;
    };
    auto batch = std::make_shared<Batch>();
    batch->left = marks.rows();
    batch->full = marks.rows() >= CacheRepairs::kBatch;
    auto done = [this, batch] {
        if (--batch->left > 0)
            return;
        if (batch->cacheFailed)
            m_server.cacheRepairs().noteFailure();
        if (batch->cacheFailed || batch->dbFailed)
            finish(false);
        else if (batch->full)
            applyMarks();
        else
            finish(true);
    };
    for (int row = 0; row < marks.rows(); ++row) {
        const std::string sku = marks.text(row, 0);
        const std::int64_t version = marks.int64(row, 1);
        m_cache.invalidateBelow(sku, version, guarded([this, sku, version, batch, done](bool invalidated) {
                                    if (!invalidated) {
                                        batch->cacheFailed = true;
                                        done();
                                        return;
                                    }
                                    // Only the mark applied: a newer one noted meanwhile stays.
                                    send(Applied, {sku, std::to_string(version)},
                                         guarded([this, batch, done](AsyncPgConnection::Answer answer) {
                                             if (answer.error)
                                                 batch->dbFailed = true;
                                             else
                                                 m_server.cacheRepairs().noteApplied();
                                             done();
                                         }));
                                }));
    }
}

void LoopRepairs::finish(bool applied)
{
    m_passing = false;
    m_server.cacheRepairs().finishPass(m_pass, applied);
}

} // namespace inv
