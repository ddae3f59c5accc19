// A strategy's purchase and restock driven by one server's event loop, step for step
// Strategy::write, never blocking the loop. The commit: `versioned`, `combined`, `naive` and `locked`
// send the single conditional statement (ConditionalWrite), which takes the row lock inside one
// statement; `unsafe` checks the stock in the cache (else the row) and writes the value it computed,
// unlocked, as its threaded version does. Statements go over a few pipelined connections. Then,
// after the race delay (--race-delay-ms) as a timer, the strategy's cache step (LoopCache): the
// version-fenced store (`versioned`, `combined`), a plain SET or, for a restock, DEL (`unsafe`,
// `naive`), or the floor raise and a refill under the key's lock (`locked`). The answer is a value:
// written (or replayed), refused, or failed; a refusal costs one statement and no exception. A
// statement whose connection failed under it is in doubt: it is sent again with the same request id
// once a connection is back, until it is settled or kSettleWithin has passed. A cache step that
// failed leaves the server's durable repair mark (LoopRepairs) before the write is answered, as
// every strategy does. Loop thread only, construction aside.
#pragma once

#include "inventory/inventoryservice.h"
#include "loop/asyncpgconnection.h"
#include "loop/loopbatcher.h"
#include "loop/loopcache.h"
#include "loop/looprepairs.h"
#include "loop/loopwriteoutcome.h"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace inv {

class LoopWriter
{
public:
    using Done = LoopWriteDone;
    // Long enough to ride out a PostgreSQL restart; the request id makes every attempt safe.
    static constexpr std::chrono::seconds kSettleWithin{20};

    // `connections` pipelined connections with at most `depth` statements in flight on each.
    // `repairs` is the server's, on the same loop.
    LoopWriter(EventLoop &loop, InventoryService &server, int connections, int depth, LoopRepairs &repairs);
    ~LoopWriter();
    LoopWriter(const LoopWriter &) = delete;
    LoopWriter &operator=(const LoopWriter &) = delete;

    // Opens the connections; throws DbError when PostgreSQL cannot be reached.
    void open();
    // Purchase or restock, with a request id.
    void write(WriteRequest request, Done done);
    // Writes queued for a connection (every connection full or down).
    std::size_t queued() const { return m_queue.size(); }

private:
    struct Job
    {
        WriteRequest request;
        Done done;
        std::chrono::steady_clock::time_point queuedAt;
        StrategyKind strategy = StrategyKind::Versioned;
        // `unsafe`'s check: the stock it saw, in the cache or the row; the write is computed from it.
        std::optional<int> seen;
        int raced = 0;
        bool inDoubt = false;
        std::string lastError;
        // A batch statement (`combined`, LoopBatcher): sent with these parameters, answered raw.
        AsyncPgConnection::Callback batch;
        std::vector<PgParam> batchParams;
    };
    enum Statement
    {
        Purchase,
        Restock,
        Replay,
        Computed,
        Row,
        Batch
    };
    // write() without the batcher; `inDoubt` marks a write that may have committed already.
    void writeAlone(WriteRequest request, Done done, bool inDoubt);
    void dispatch();
    void send(AsyncPgConnection &connection, Job job);
    // `unsafe`'s check in the cache; on a miss the row is read on the job's turn (send()).
    void check(Job job);
    void sawRow(Job job, AsyncPgConnection::Answer answer);
    void answered(Job job, AsyncPgConnection::Answer answer);
    void conditionalAnswered(Job job, const PgResult &row);
    void replayEarlier(Job job);
    void updateCache(Job job, WriteResult result);
    // Reads the row for `locked`'s refill over the least busy connection; false if none is open.
    bool readRow(const std::string &sku, LoopCache::RowRead then);
    void written(Job job, const WriteResult &result, bool cacheCurrent);
    // A write replayed by its request id: its first attempt's cache step may have been lost, so the
    // mark up to its version is left before it is answered.
    void replayed(Job job, const WriteResult &result);
    AsyncPgConnection *leastBusy();
    void finish(Job &job, LoopWriteOutcome outcome);
    // A connection is down: try it again shortly, and fail the writes that waited too long.
    void scheduleReopen();
    static void onReopen(evutil_socket_t, short, void *self);

    EventLoop &m_loop;
    InventoryService &m_server;
    LoopRepairs &m_repairs;
    int m_depth;
    std::vector<std::unique_ptr<AsyncPgConnection>> m_connections;
    LoopCache m_cache;
    LoopBatcher m_batcher;
    std::deque<Job> m_queue;
    LoopEvent m_reopen;
    bool m_reopenScheduled = false;
};

} // namespace inv
