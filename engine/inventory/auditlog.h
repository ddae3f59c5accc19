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
};

class AuditLog
{
public:
    explicit AuditLog(PgPool &pool);
    // An empty sku means every SKU.
    std::vector<AuditEntry> recent(const std::string &sku, int limit);

private:
    PgPool &m_pool;
};

} // namespace inv
