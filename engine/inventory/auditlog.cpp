#include "inventory/auditlog.h"

namespace inv {

namespace {
constexpr const char *kColumns =
    "SELECT id, sku, action, quantity, stock_before, stock_after, version, actor, server_id, reason, "
    "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), reverses, "
    "(SELECT r.id FROM inventory_audit r WHERE r.reverses = inventory_audit.id) AS reversed_by FROM "
    "inventory_audit ";

std::optional<std::int64_t> optionalId(const PgResult &result, int row, int column)
{
    return result.isNull(row, column) ? std::nullopt : std::optional(result.int64(row, column));
}
} // namespace

AuditLog::AuditLog(PgPool &pool) : m_pool(pool) {}

std::vector<AuditEntry> AuditLog::query(const std::string &where, std::vector<PgParam> params)
{
    auto connection = m_pool.acquire();
    auto result = connection->exec(std::string(kColumns) + where, params);
    std::vector<AuditEntry> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (int r = 0; r < result.rows(); ++r) {
        out.push_back(AuditEntry{result.int64(r, 0), result.text(r, 1), result.text(r, 2), result.int32(r, 3),
                                 result.int32(r, 4), result.int32(r, 5), result.int64(r, 6),
                                 result.text(r, 7), result.optionalText(r, 8), result.optionalText(r, 9),
                                 result.text(r, 10), optionalId(result, r, 11), optionalId(result, r, 12)});
    }
    return out;
}

std::vector<AuditEntry> AuditLog::recent(const std::string &sku, int limit)
{
    return query("WHERE $1::text IS NULL OR sku = $1 ORDER BY at DESC, id DESC LIMIT $2",
                 {sku.empty() ? PgParam() : PgParam(sku), std::to_string(limit)});
}

std::vector<AuditEntry> AuditLog::changesAfter(const std::string &sku, std::int64_t afterVersion,
                                               std::int64_t upToVersion, int limit)
{
    return query("WHERE sku = $1 AND version > $2 AND ($3 = 0 OR version <= $3) ORDER BY version LIMIT $4",
                 {sku, std::to_string(afterVersion), std::to_string(upToVersion), std::to_string(limit)});
}

std::optional<AuditEntry> AuditLog::entry(std::int64_t id)
{
    auto rows = query("WHERE id = $1", {std::to_string(id)});
    if (rows.empty())
        return std::nullopt;
    return rows.front();
}

} // namespace inv
