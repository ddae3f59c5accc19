// A strategy's read on one server's event loop, step for step Strategy::read and the strategy's
// readMiss without blocking the loop: the server's near cache when it has one; the value and its
// version floor from Redis in one round trip; on a miss, the strategy's fill. `versioned` and
// `combined` make one fill per key in this server at a time (a read that arrives once the fill is
// reading waits for the next one, which cannot predate a write acknowledged to it), under a fill
// lease shared with the other servers: the value again, the row from PostgreSQL, and the
// version-fenced store; a reader that finds another server's lease reads the cache every 2 ms, 25
// times, before it reads the row itself. `locked` fills under the key's lock the same way, without
// coalescing, and waits 2 ms, 50 times. `unsafe` and `naive` read the row and store it with a plain
// SET, lease-free and unfenced: the herd and the stale fill they exist to show. The race delay
// (--race-delay-ms) is a timer between the row and the store. The rows are read over the reader's
// own pipelined connections, so a read never waits behind a commit. Redis failing, or the cache not
// trusted yet after a failure, sends the read to PostgreSQL (fail-open). A read whose connection
// died under it is sent again once one is back (a read changes nothing). Counted in the server's
// ServiceStats and lock stats as a threaded read is. Loop thread only, construction aside.
#pragma once

#include "inventory/inventoryservice.h"
#include "loop/asyncpgconnection.h"
#include "loop/loopcache.h"
#include "loop/looprepairs.h"

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
    // `repairs` is the server's, on the same loop.
    LoopReader(EventLoop &loop, InventoryService &server, int connections, LoopRepairs &repairs);
    ~LoopReader();
    LoopReader(const LoopReader &) = delete;
    LoopReader &operator=(const LoopReader &) = delete;

    // Opens the connections; throws DbError when PostgreSQL cannot be reached.
    void open();
    void read(const std::string &sku, Done done);
    // A connection is starting (after one failed), without holding the loop.
    bool connecting() const;

private:
    struct Fill
    {
        bool reading = false;
        std::vector<Done> joined;
        // Arrived once the fill was reading: served by the next fill.
        std::vector<Done> next;
    };
    // Counts a database read and sends it; queryRow() picks the connection with the least in flight.
    void readDatabase(const std::string &sku, Done done);
    void queryRow(const std::string &sku, Done done, int attempt);
    void queryLater(const std::string &sku, Done done, int attempt);
    void failOpen(const std::string &sku, Done done);
    // A miss, by the server's strategy: versioned and combined coalesce and lease (startFill),
    // unsafe and naive fill with a plain SET (plainFill), locked under the key's lock (lockedFill).
    void miss(const std::string &sku, Done done);
    void startFill(const std::string &sku);
    void leased(const std::string &sku, const LockHandle &lease);
    void endFill(const std::string &sku, const Outcome &outcome);
    void plainFill(const std::string &sku, Done done);
    void lockedFill(const std::string &sku, Done done);
    // Reads the cache every `pause` while another holds the key's lease or lock, then the row.
    void awaitValue(const std::string &sku, std::chrono::milliseconds pause, int attemptsLeft, Done done);
    void scheduleReopen();

    EventLoop &m_loop;
    InventoryService &m_server;
    LoopRepairs &m_repairs;
    LoopCache m_cache;
    std::vector<std::unique_ptr<AsyncPgConnection>> m_connections;
    std::unordered_map<std::string, Fill> m_fills;
    bool m_reopenScheduled = false;
    std::string m_downWhy;
    // Timers hold it weakly: one that fires after the reader is gone does nothing.
    std::shared_ptr<LoopReader *> m_self;
};

} // namespace inv
