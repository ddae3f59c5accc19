// The shared stock cache in Redis: inv:{sku} holds "stock:version" with a TTL, and floor:inv:{sku}
// the highest version the cache has been told of, with a longer TTL. Plain set and delete serve the
// broken strategies; setIfNewer and invalidateBelow are Lua scripts that fence every write by
// version against the value and the floor, so that no older version lands after a newer one, even
// once the value expired or was deleted. get() treats a value below the floor as a miss. Any thread.
#pragma once

#include "cache/redispool.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inv {

struct CachedStock
{
    int stock = 0;
    std::int64_t version = 0;
    // Remaining TTL in ms; only filled by peek(). -1 means no expiry, -2 no key.
    long long ttlMs = -2;
};

class StockCache
{
public:
    // A non-empty prefix goes before every key (a simulation run's own "sim:<id>:").
    StockCache(RedisPool &pool, std::chrono::milliseconds ttl, std::string prefix = {});

    static std::string key(const std::string &sku, const std::string &prefix = {})
    {
        return prefix + "inv:{" + sku + "}";
    }
    static std::string lockKey(const std::string &sku, const std::string &prefix = {})
    {
        return prefix + "lock:inv:{" + sku + "}";
    }
    static std::string fillKey(const std::string &sku, const std::string &prefix = {})
    {
        return prefix + "fill:inv:{" + sku + "}";
    }
    static std::string floorKey(const std::string &sku, const std::string &prefix = {})
    {
        return prefix + "floor:inv:{" + sku + "}";
    }
    const std::string &prefix() const { return m_prefix; }
    // The floor lives at least this long, and ten times the value's TTL.
    static constexpr std::chrono::milliseconds kMinFloorTtl{10 * 60 * 1000};

    std::optional<CachedStock> get(const std::string &sku);
    // get()'s command for a client that sends it itself: MGET of the value and the floor (one hash
    // slot), and its reading of the two answers (null where a key is missing).
    std::vector<std::string> getCommand(const std::string &sku) const;
    static std::optional<CachedStock> readEntry(const std::optional<std::string> &value,
                                                const std::optional<std::string> &floor);
    // GET and PTTL in one round trip, for views that show expiry.
    std::optional<CachedStock> peek(const std::string &sku);
    // peek() for many keys in one pipelined round trip; nullopt where a key is missing.
    std::vector<std::optional<CachedStock>> peekMany(const std::vector<std::string> &skus);
    void set(const std::string &sku, int stock, std::int64_t version);
    // set()'s and remove()'s commands, for a client that sends them itself.
    std::vector<std::string> setCommand(const std::string &sku, int stock, std::int64_t version) const;
    std::vector<std::string> removeCommand(const std::string &sku) const;
    // True if stored; false if the cache held this version or a newer one, or the floor is above it.
    bool setIfNewer(const std::string &sku, int stock, std::int64_t version);
    // setIfNewer's script with its keys and arguments, for a client that sends it itself (an event
    // loop's asynchronous connection). The script returns 1 if stored, 0 if not.
    struct ScriptCall
    {
        const LuaScript &script;
        std::vector<std::string> keys;
        std::vector<std::string> args;
    };
    ScriptCall setIfNewerCall(const std::string &sku, int stock, std::int64_t version) const;
    // Raises the floor to `version` and drops a value below it; true if a value was dropped.
    bool invalidateBelow(const std::string &sku, std::int64_t version);
    ScriptCall invalidateBelowCall(const std::string &sku, std::int64_t version) const;
    void remove(const std::string &sku);

    std::chrono::milliseconds ttl() const { return m_ttl; }
    std::chrono::milliseconds floorTtl() const { return m_floorTtl; }
    RedisPool &pool() { return m_pool; }

private:
    RedisPool &m_pool;
    std::chrono::milliseconds m_ttl;
    std::chrono::milliseconds m_floorTtl;
    std::string m_prefix;
    std::string m_ttlText;
    std::string m_floorTtlText;
};

} // namespace inv
