// `versioned`'s purchase and restock driven by one server's event loop: the conditional statement
// (ConditionalWrite) over a few pipelined connections, then the version-fenced cache update
// (StockCache::setIfNewerCall) over hiredis's async API, never blocking the loop on the way. The
// answer is a value: written (or replayed), refused, or failed; a refusal costs one statement and
// no exception. A statement whose connection failed under it is in doubt: it is sent again with the
// same request id once a connection is back, until it is settled or kSettleWithin has passed. A
// cache update that failed leaves the server's durable repair mark (InventoryService::loopWritten),
// as every strategy does. Loop thread only, construction aside.
#pragma once

#include "inventory/inventoryservice.h"
#include "loop/asyncpgconnection.h"
#include "loop/asyncredis.h"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace inv {

struct LoopWriteOutcome
{
    enum class Kind
    {
        Written,
        Refused,
        Failed
    };
    Kind kind = Kind::Failed;
    // Written: the result, marked replayed when an earlier attempt had committed it.
    WriteResult result;
    // Refused: the stock the statement found.
    int stockSeen = 0;
    // Failed: what went wrong.
    std::string error;
    // A connection failed under the write at least once: it was settled by sending it again.
    bool inDoubt = false;
};

class LoopWriter
{
public:
    using Done = std::function<void(LoopWriteOutcome)>;
    // Long enough to ride out a PostgreSQL restart; the request id makes every attempt safe.
    static constexpr std::chrono::seconds kSettleWithin{20};

    // `connections` pipelined connections with at most `depth` statements in flight on each.
    LoopWriter(EventLoop &loop, InventoryService &server, int connections, int depth);
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
        int raced = 0;
        bool inDoubt = false;
        std::string lastError;
    };
    enum Statement
    {
        Purchase,
        Restock,
        Replay
    };
    void dispatch();
    void send(AsyncPgConnection &connection, Job job);
    void answered(Job job, AsyncPgConnection::Answer answer);
    void replayEarlier(Job job);
    void updateCache(Job job, WriteResult result);
    void finish(Job &job, LoopWriteOutcome outcome);
    // A connection is down: try it again shortly, and fail the writes that waited too long.
    void scheduleReopen();
    static void onReopen(evutil_socket_t, short, void *self);

    EventLoop &m_loop;
    InventoryService &m_server;
    int m_depth;
    std::vector<std::unique_ptr<AsyncPgConnection>> m_connections;
    AsyncRedis m_redis;
    std::deque<Job> m_queue;
    LoopEvent m_reopen;
    bool m_reopenScheduled = false;
};

} // namespace inv
