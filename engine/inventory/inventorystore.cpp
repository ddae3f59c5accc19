#include "inventory/inventorystore.h"

#include "errors.h"
#include "inventory/conditionalwrite.h"
#include "inventory/quantity.h"

#include <climits>

namespace inv {

namespace {
constexpr const char *kUpdateWithAudit = R"sql(
WITH u AS (
    UPDATE inventory SET stock = $2, version = version + 1, updated_at = clock_timestamp()
    WHERE sku = $1 AND ($9::bigint IS NULL OR version = $9) RETURNING stock, version)
INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, server_id, reason, actor,
                             request_id, reverses)
SELECT $1, $3, $4, $5, u.stock, u.version, $6, $7, coalesce($8, session_user), $10, $11::bigint FROM u
RETURNING id, stock_after, version)sql";

PgParam optionalRequestId(const WriteRequest &request)
{
    return request.requestId.empty() ? PgParam() : PgParam(request.requestId);
}

PgParam optionalReverses(const WriteRequest &request)
{
    return request.reverses ? PgParam(std::to_string(*request.reverses)) : PgParam();
}

PgParam optionalReason(const std::string &reason)
{
    return reason.empty() ? PgParam() : PgParam(reason);
}

// Only an absolute change is compared with the version the caller saw; a relative one applies anyway.
PgParam expectedVersion(const WriteRequest &request)
{
    if (request.action != Action::Adjust || !request.expectVersion)
        return PgParam();
    return PgParam(std::to_string(*request.expectVersion));
}

int auditQuantity(const WriteRequest &request, int before, int after)
{
    return request.action == Action::Adjust ? after - before : request.quantity;
}

} // namespace

int InventoryStore::computeAfter(const WriteRequest &request, int before)
{
    switch (request.action) {
    case Action::Purchase:
        if (before < request.quantity)
            throw InsufficientStock(request.sku, before, request.quantity);
        return before - request.quantity;
    case Action::Restock:
        if (static_cast<long long>(before) + request.quantity > INT_MAX)
            throw InvalidInput("restocking " + std::to_string(request.quantity) + " would take '" +
                               request.sku + "' past the largest storable stock (2147483647)");
        return before + request.quantity;
    case Action::Adjust:
        return request.quantity;
    }
    return before;
}

InventoryStore::InventoryStore(PgPool &pool, std::string serverId, std::string actor)
    : m_pool(pool), m_serverId(std::move(serverId)), m_actor(std::move(actor))
{}

PgParam InventoryStore::optionalActor() const
{
    return m_actor.empty() ? PgParam() : PgParam(m_actor);
}

std::optional<StockRecord> InventoryStore::fetch(const std::string &sku)
{
    m_reads.fetch_add(1, std::memory_order_relaxed);
    auto connection = m_pool.acquire();
    auto result =
        connection->execIdempotent("SELECT sku, name, stock, version, to_char(updated_at AT TIME ZONE 'UTC', "
                                   "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM inventory WHERE sku = $1",
                                   {sku});
    if (result.rows() == 0)
        return std::nullopt;
    return StockRecord{result.text(0, 0), result.text(0, 1), result.int32(0, 2), result.int64(0, 3),
                       result.text(0, 4)};
}

std::vector<StockRecord> InventoryStore::list(const std::string &filter, int limit)
{
    auto connection = m_pool.acquire();
    auto result = connection->exec(
        "SELECT sku, name, stock, version, to_char(updated_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM inventory "
        // strpos, not ILIKE: a % or _ typed into the filter is plain text.
        "WHERE $1 = '' OR strpos(lower(sku), lower($1)) > 0 OR strpos(lower(name), lower($1)) > 0 "
        "ORDER BY sku LIMIT $2",
        {filter, std::to_string(limit)});
    std::vector<StockRecord> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int r = 0; r < result.rows(); ++r)
        out.push_back({result.text(r, 0), result.text(r, 1), result.int32(r, 2), result.int64(r, 3),
                       result.text(r, 4)});
    return out;
}

long long InventoryStore::count(const std::string &filter)
{
    auto connection = m_pool.acquire();
    return connection
        ->exec("SELECT count(*) FROM inventory "
               "WHERE $1 = '' OR strpos(lower(sku), lower($1)) > 0 OR strpos(lower(name), lower($1)) > 0",
               {filter})
        .int64(0, 0);
}

std::optional<WriteResult> InventoryStore::replay(const WriteRequest &request)
{
    auto connection = m_pool.acquire();
    return ConditionalWrite::readReplay(connection->exec(ConditionalWrite::replaySql(), {request.requestId}),
                                        request);
}

template <typename Write> WriteResult InventoryStore::once(const WriteRequest &request, Write write)
{
    Quantity::checkWriteText(request);
    if (request.requestId.empty())
        return write();
    // The write goes first, so that a first attempt costs no extra round trip. A retry of a write
    // that committed shows up as one of three failures, each rolled back: its audit row's id is
    // taken (23505), or the stock or version it finds is the one its first attempt left.
    try {
        return write();
    } catch (const DbError &e) {
        if (e.sqlstate() != "23505")
            throw;
        if (auto earlier = replay(request))
            return *earlier;
        throw;
    } catch (const InsufficientStock &) {
        if (auto earlier = replay(request))
            return *earlier;
        throw;
    } catch (const VersionConflict &) {
        if (auto earlier = replay(request))
            return *earlier;
        throw;
    }
}

const char *InventoryStore::computedSql()
{
    return kUpdateWithAudit;
}

std::vector<PgParam> InventoryStore::computedParams(const WriteRequest &request, int before, int after) const
{
    return {request.sku,
            std::to_string(after),
            actionName(request.action),
            std::to_string(auditQuantity(request, before, after)),
            std::to_string(before),
            m_serverId,
            optionalReason(request.reason),
            optionalActor(),
            expectedVersion(request),
            optionalRequestId(request),
            optionalReverses(request)};
}

WriteResult InventoryStore::readComputed(const PgResult &written, int before)
{
    return WriteResult{before, written.int32(0, 1), written.int64(0, 2), written.int64(0, 0)};
}

WriteResult InventoryStore::applyWithRowLock(const WriteRequest &request)
{
    return once(request, [&] { return applyWithRowLockOnce(request); });
}

WriteResult InventoryStore::applyWithRowLockOnce(const WriteRequest &request)
{
    auto connection = m_pool.acquire();
    PgTransaction tx(*connection);
    auto current =
        connection->exec("SELECT stock, version FROM inventory WHERE sku = $1 FOR UPDATE", {request.sku});
    if (current.rows() == 0)
        throw UnknownSku(request.sku);
    const int before = current.int32(0, 0);
    if (request.action == Action::Adjust && request.expectVersion &&
        *request.expectVersion != current.int64(0, 1))
        throw VersionConflict(request.sku, *request.expectVersion, current.int64(0, 1), before);
    const int after = computeAfter(request, before);
    auto written = connection->exec(kUpdateWithAudit, computedParams(request, before, after));
    tx.commit();
    return readComputed(written, before);
}

WriteResult InventoryStore::applyConditional(const WriteRequest &request)
{
    if (request.action == Action::Adjust)
        return applyWithRowLock(request);
    Quantity::checkWriteText(request);
    // The statement finds an earlier write with the same request id itself when it writes nothing:
    // only a retry that fits again fails, on the request id's unique index.
    try {
        return applyConditionalOnce(request);
    } catch (const DbError &e) {
        if (e.sqlstate() != "23505" || request.requestId.empty())
            throw;
        if (auto earlier = replay(request))
            return *earlier;
        throw;
    }
}

WriteResult InventoryStore::applyConditionalOnce(const WriteRequest &request)
{
    auto connection = m_pool.acquire();
    // A refusal is decided on the row's latest version, but the statement's snapshot may be older:
    // a concurrent writer can win the row in between. Then the statement runs again, so that the
    // refusal reports what is really there, and the write goes ahead if it now fits.
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
        const ConditionalAnswer answer = ConditionalWrite::read(
            connection->exec(ConditionalWrite::sql(request.action),
                             ConditionalWrite::params(request, m_serverId, optionalActor())),
            request);
        switch (answer.kind) {
        case ConditionalAnswer::Kind::Written:
            return answer.result;
        case ConditionalAnswer::Kind::UnknownSku:
            throw UnknownSku(request.sku);
        case ConditionalAnswer::Kind::Refused:
            computeAfter(request, answer.stockSeen); // throws the refusal with the stock seen
            break;
        case ConditionalAnswer::Kind::Raced:
            break;
        }
        if (attempt == kAttempts)
            throw DbError("the stock of '" + request.sku + "' kept changing under concurrent writes (" +
                              std::to_string(kAttempts) + " attempts); nothing was written, try again",
                          "40001");
    }
}

WriteResult InventoryStore::writeComputed(const WriteRequest &request, int stockBefore, int stockAfter)
{
    return once(request, [&] { return writeComputedOnce(request, stockBefore, stockAfter); });
}

WriteResult InventoryStore::writeComputedOnce(const WriteRequest &request, int stockBefore, int stockAfter)
{
    auto connection = m_pool.acquire();
    auto written = connection->exec(kUpdateWithAudit, computedParams(request, stockBefore, stockAfter));
    if (written.rows() == 0) {
        const auto now = fetch(request.sku);
        if (!now)
            throw UnknownSku(request.sku);
        throw VersionConflict(request.sku, request.expectVersion.value_or(0), now->version, now->stock);
    }
    return readComputed(written, stockBefore);
}

StockRecord InventoryStore::addProduct(const std::string &sku, const std::string &name, int stock)
{
    auto connection = m_pool.acquire();
    auto result = connection->exec("INSERT INTO inventory (sku, name, stock, version, updated_at) "
                                   "VALUES ($1, $2, $3, 1, clock_timestamp()) ON CONFLICT (sku) DO NOTHING "
                                   "RETURNING version",
                                   {sku, name, std::to_string(stock)});
    if (result.rows() == 0)
        throw InvalidInput("SKU '" + sku + "' already exists: use 'restock' to change its stock");
    return StockRecord{sku, name, stock, result.int64(0, 0), {}};
}

} // namespace inv
