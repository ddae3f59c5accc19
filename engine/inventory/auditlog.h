// Reads the append-only audit log, newest first. Any thread; each call leases its own connection.
#pragma once

#include "db/pgpool.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inv {

struct AuditEntry
{
    std::int64_t id = 0;
    std::string sku;
    std::string action;
    int quantity = 0;
    int stockBefore = 0;
    int stockAfter = 0;
    std::int64_t version = 0;
    std::string actor;
    std::optional<std::string> serverId;
    std::optional<std::string> reason;
    std::string at; // ISO 8601, UTC
    // The link between a reversal and the row it compensates, in both directions.
    std::optional<std::int64_t> reverses;
    std::optional<std::int64_t> reversedBy;
};

class AuditLog
{
public:
    explicit AuditLog(PgPool &pool);
    // An empty sku means every SKU.
    std::vector<AuditEntry> recent(const std::string &sku, int limit);
    // The changes of `sku` with a version in (afterVersion, upToVersion], oldest first; an upToVersion
    // of 0 means the latest. What happened between the version a caller saw and the one it found.
    std::vector<AuditEntry> changesAfter(const std::string &sku, std::int64_t afterVersion,
                                         std::int64_t upToVersion, int limit);
    std::optional<AuditEntry> entry(std::int64_t id);

private:
    std::vector<AuditEntry> query(const std::string &where, std::vector<PgParam> params);

    PgPool &m_pool;
};

} // namespace inv
