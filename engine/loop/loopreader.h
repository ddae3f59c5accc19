// `versioned`'s read on one server's event loop, step for step Strategy::read and
// VersionedStrategy::readMiss without blocking the loop: the server's near cache when it has one;
// the value and its version floor from Redis in one round trip; on a miss, one fill per key in this
// server at a time (a read that arrives once the fill is reading waits for the next one, which
// cannot predate a write acknowledged to it), under a fill lease shared with the other servers: the
// value again, the row from PostgreSQL, and the version-fenced store. A reader that finds another
// server's lease reads the cache every 2 ms, 25 times, before it reads the row itself. The rows are
// read over the reader's own pipelined connections, so a read never waits behind a commit. Redis
// failing, or the cache not trusted yet after a failure, sends the read to PostgreSQL (fail-open). A
// read whose connection died under it is sent again once one is back (a read changes nothing).
// Counted in the server's ServiceStats and lock stats as a threaded read is. Loop thread only,
// construction aside.
#pragma once

#include "inventory/inventoryservice.h"
#include "loop/asyncpgconnection.h"
#include "loop/asyncredis.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace inv {

class LoopReader
{
public:
    struct Outcome
    {
        // Empty when the read failed; `error` then says why.
        std::optional<StockView> view;
        std::string error;
    };
    using Done = std::function<void(Outcome)>;

    // `connections` pipelined PostgreSQL connections for the reads that reach the database.
    LoopReader(EventLoop &loop, InventoryService &server, int connections);
    ~LoopReader();
    LoopReader(const LoopReader &) = delete;
    LoopReader &operator=(const LoopReader &) = delete;

    // Opens the connections; throws DbError when PostgreSQL cannot be reached.
    void open();
    void read(const std::string &sku, Done done);

private:
    struct Fill
    {
        bool reading = false;
        std::vector<Done> joined;
        // Arrived once the fill was reading: served by the next fill.
        std::vector<Done> next;
    };
    // MGET of value and floor; `found` gets the entry, or nullopt on a miss; `failed` a Redis failure.
    void getCached(const std::string &sku, std::function<void(std::optional<CachedStock>)> found,
                   std::function<void()> failed);
    // Counts a database read and sends it; queryRow() picks the connection with the least in flight.
    void readDatabase(const std::string &sku, Done done);
    void queryRow(const std::string &sku, Done done, int attempt);
    void queryLater(const std::string &sku, Done done, int attempt);
    void failOpen(const std::string &sku, Done done);
    void miss(const std::string &sku, Done done);
    void startFill(const std::string &sku);
    void leased(const std::string &sku, const std::string &token);
    void waitForOtherServer(const std::string &sku, int attempt);
    void endFill(const std::string &sku, const Outcome &outcome);
    void release(const std::string &sku, const std::string &token);
    void cacheFailed();
    void scheduleReopen();

    EventLoop &m_loop;
    InventoryService &m_server;
    AsyncRedis m_redis;
    std::vector<std::unique_ptr<AsyncPgConnection>> m_connections;
    std::unordered_map<std::string, Fill> m_fills;
    bool m_reopenScheduled = false;
    std::string m_downWhy;
    // Timers hold it weakly: one that fires after the reader is gone does nothing.
    std::shared_ptr<LoopReader *> m_self;
};

} // namespace inv
