#include "inventory/conditionalwrite.h"

#include "errors.h"
#include "inventory/quantity.h"

namespace inv {

namespace {
// $1 sku, $2 quantity, $3 server, $4 reason, $5 actor, $6 request id, $7 the audit row a reversal
// compensates. The earlier write is looked up only when this one wrote nothing, so that a retry of a
// refused purchase that did commit the first time gets that first result; a retry that fits again
// hits the request id's unique index.
std::string statement(const std::string &action, const std::string &change, const std::string &fits,
                      const std::string &before)
{
    return "WITH cur AS (SELECT stock FROM inventory WHERE sku = $1),\n"
           "u AS (\n"
           "    UPDATE inventory SET stock = stock " +
           change +
           " $2, version = version + 1,\n"
           "        updated_at = clock_timestamp()\n"
           "    WHERE sku = $1 AND " +
           fits +
           " RETURNING stock, version),\n"
           "a AS (\n"
           "    INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, "
           "server_id,\n"
           "                                 reason, actor, request_id, reverses)\n"
           "    SELECT $1, '" +
           action + "', $2, " + before +
           ", u.stock, u.version, $3, $4, coalesce($5, session_user), $6, $7::bigint\n"
           "    FROM u RETURNING id),\n"
           "p AS (\n"
           "    SELECT id, sku, action, quantity, stock_before, stock_after, version FROM inventory_audit\n"
           "    WHERE $6::text IS NOT NULL AND request_id = $6 AND NOT EXISTS (SELECT FROM u))\n"
           "SELECT cur.stock, u.stock, u.version, a.id, p.id, p.sku, p.action, p.quantity, p.stock_before,\n"
           "       p.stock_after, p.version\n"
           "FROM cur LEFT JOIN u ON true LEFT JOIN a ON true LEFT JOIN p ON true";
}

const std::string kPurchase = statement("purchase", "-", "stock >= $2", "u.stock + $2");
const std::string kRestock = statement("restock", "+", "stock <= 2147483647 - $2", "u.stock - $2");

const std::string kReplay = "SELECT id, sku, action, quantity, stock_before, stock_after, version "
                            "FROM inventory_audit WHERE request_id = $1";

enum Column
{
    Seen,
    Stock,
    Version,
    AuditId,
    Prior
};

// The earlier write's audit row, from `column` on: id, sku, action, quantity, stock_before,
// stock_after, version.
WriteResult earlierResult(const PgResult &row, int column, const WriteRequest &request)
{
    const bool same = row.text(0, column + 1) == request.sku &&
                      row.text(0, column + 2) == actionName(request.action) &&
                      (request.action == Action::Adjust ? row.int32(0, column + 5) == request.quantity
                                                        : row.int32(0, column + 3) == request.quantity);
    if (!same)
        throw InvalidInput("request id '" + Quantity::printable(request.requestId) +
                           "' was used already for a different change (audit #" + row.text(0, column) + ": " +
                           row.text(0, column + 2) + " " + row.text(0, column + 3) + " of '" +
                           row.text(0, column + 1) +
                           "'); give a new id for a new change. Nothing was written");
    WriteResult result{row.int32(0, column + 4), row.int32(0, column + 5), row.int64(0, column + 6),
                       row.int64(0, column)};
    result.replayed = true;
    return result;
}
} // namespace

namespace ConditionalWrite {

const std::string &sql(Action action)
{
    return action == Action::Restock ? kRestock : kPurchase;
}

std::vector<PgParam> params(const WriteRequest &request, const std::string &serverId, const PgParam &actor)
{
    return {request.sku,
            std::to_string(request.quantity),
            serverId,
            request.reason.empty() ? PgParam() : PgParam(request.reason),
            actor,
            request.requestId.empty() ? PgParam() : PgParam(request.requestId),
            request.reverses ? PgParam(std::to_string(*request.reverses)) : PgParam()};
}

ConditionalAnswer read(const PgResult &row, const WriteRequest &request)
{
    ConditionalAnswer answer;
    if (row.rows() == 0) {
        answer.kind = ConditionalAnswer::Kind::UnknownSku;
        return answer;
    }
    answer.stockSeen = row.int32(0, Seen);
    if (!row.isNull(0, Stock)) {
        const int after = row.int32(0, Stock);
        const int before =
            request.action == Action::Purchase ? after + request.quantity : after - request.quantity;
        answer.result = WriteResult{before, after, row.int64(0, Version), row.int64(0, AuditId)};
        return answer;
    }
    if (!row.isNull(0, Prior)) {
        answer.result = earlierResult(row, Prior, request);
        return answer;
    }
    // The UPDATE judged the row's latest version; the snapshot's stock may be older than that.
    const bool fitsInSnapshot =
        request.action == Action::Purchase
            ? answer.stockSeen >= request.quantity
            : static_cast<long long>(answer.stockSeen) + request.quantity <= 2147483647LL;
    answer.kind = fitsInSnapshot ? ConditionalAnswer::Kind::Raced : ConditionalAnswer::Kind::Refused;
    return answer;
}

const std::string &replaySql()
{
    return kReplay;
}

std::optional<WriteResult> readReplay(const PgResult &row, const WriteRequest &request)
{
    if (row.rows() == 0)
        return std::nullopt;
    return earlierResult(row, 0, request);
}

} // namespace ConditionalWrite

} // namespace inv
