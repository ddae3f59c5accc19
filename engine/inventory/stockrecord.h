// Plain values that cross the engine's boundary: a product row, a read's answer and a write's
// result. Copyable, no behaviour, any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace inv {

enum class Action
{
    Purchase,
    Restock,
    Adjust
};

inline const char *actionName(Action action)
{
    switch (action) {
    case Action::Purchase:
        return "purchase";
    case Action::Restock:
        return "restock";
    case Action::Adjust:
        return "adjust";
    }
    return "adjust";
}

struct StockRecord
{
    std::string sku;
    std::string name;
    int stock = 0;
    std::int64_t version = 0;
    std::string updatedAt;
};

enum class ReadSource
{
    Cache,
    Database
};

struct StockView
{
    int stock = 0;
    std::int64_t version = 0;
    ReadSource source = ReadSource::Database;
};

struct WriteRequest
{
    std::string sku;
    Action action = Action::Purchase;
    // Units to buy or add; for Adjust, the new absolute stock.
    int quantity = 0;
    std::string reason;
    // The version the caller based the change on. An adjust applies only while the row is still at
    // this version (compare-and-set); purchase and restock are relative and ignore it.
    std::optional<std::int64_t> expectVersion;
    // An idempotency key: the write happens at most once per id (unique in inventory_audit).
    std::string requestId;
    // Set by InventoryService::reverse only: the audit row this write compensates. Unique in
    // inventory_audit, so that a row is reversed at most once whatever the reason or request id say.
    std::optional<std::int64_t> reverses;
};

struct WriteResult
{
    int stockBefore = 0;
    int stock = 0;
    std::int64_t version = 0;
    std::int64_t auditId = 0;
    // True when this is the result of an earlier write with the same request id: nothing was written.
    bool replayed = false;
    // Set when the commit brought the cache up to date itself (a combined batch does it once for all
    // its buyers): true if the cache needs nothing more for this write.
    std::optional<bool> cacheUpdated = std::nullopt;
    // When the cache update after the commit began (in-process steady clock); the near cache's
    // invalidation delay counts evictions from here.
    std::chrono::steady_clock::time_point cacheUpdateAt{};
};

} // namespace inv
