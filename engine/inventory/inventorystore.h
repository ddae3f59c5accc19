// PostgreSQL access for inventory: reads, the three ways the strategies write, and product
// creation. Every write inserts its audit row in the same transaction. Every statement is
// parameterized. Any thread; each call leases its own connection from the pool.
#pragma once

#include "db/pgpool.h"
#include "inventory/stockrecord.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace inv {

class InventoryStore
{
public:
    // The actor is recorded in every audit row; empty records the database role (session_user).
    InventoryStore(PgPool &pool, std::string serverId, std::string actor = {});

    std::optional<StockRecord> fetch(const std::string &sku);
    // Products whose SKU or name contains `filter` (case-insensitive), in SKU order, at most `limit`.
    std::vector<StockRecord> list(const std::string &filter, int limit);
    long long count(const std::string &filter);

    // BEGIN; SELECT ... FOR UPDATE; check; UPDATE + audit; COMMIT. Throws InsufficientStock or
    // UnknownSku after rolling back.
    WriteResult applyWithRowLock(const WriteRequest &request);
    // One conditional statement: UPDATE ... WHERE stock >= qty RETURNING, with the audit insert in
    // the same statement. Purchase and restock only.
    WriteResult applyConditional(const WriteRequest &request);
    // Every write with a request id is idempotent: a retry with the same id (after a lost
    // acknowledgement, say) returns the first result, marked replayed, and writes nothing.
    // Writes a value computed from an earlier, unlocked read: the lost update of the unsafe demo.
    WriteResult writeComputed(const WriteRequest &request, int stockBefore, int stockAfter);

    // The stock after the request on `before`; throws InsufficientStock, or InvalidInput past the
    // largest storable stock. An adjust sets the stock it names.
    static int computeAfter(const WriteRequest &request, int before);
    // The statement that writes a computed stock and its audit row (writeComputed, applyWithRowLock),
    // its parameters and its reading, for a client that sends it itself. It writes no row, and
    // returns none, when the row is missing or an adjust's expected version is not the row's.
    static const char *computedSql();
    std::vector<PgParam> computedParams(const WriteRequest &request, int before, int after) const;
    static WriteResult readComputed(const PgResult &written, int before);

    // Throws InvalidInput if the SKU exists already.
    StockRecord addProduct(const std::string &sku, const std::string &name, int stock);

    long long reads() const { return m_reads.load(std::memory_order_relaxed); }
    PgPool &pool() { return m_pool; }
    const std::string &serverId() const { return m_serverId; }
    const std::string &actor() const { return m_actor; }

private:
    // The result of the earlier write with this request's id, if there is one; throws InvalidInput
    // if that write was a different change.
    std::optional<WriteResult> replay(const WriteRequest &request);
    // Runs a write at most once per request id: a retry gets the first attempt's result. The earlier
    // result is looked up only when the write fails, never on the first attempt's path.
    template <typename Write> WriteResult once(const WriteRequest &request, Write write);
    WriteResult applyWithRowLockOnce(const WriteRequest &request);
    WriteResult applyConditionalOnce(const WriteRequest &request);
    WriteResult writeComputedOnce(const WriteRequest &request, int stockBefore, int stockAfter);
    PgParam optionalActor() const;
    PgPool &m_pool;
    std::string m_serverId;
    std::string m_actor;
    std::atomic<long long> m_reads{0};
};

} // namespace inv
