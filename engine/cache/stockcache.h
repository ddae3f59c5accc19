// The shared stock cache in Redis: inv:{sku} holds "stock:version" with a TTL. Plain set and delete
// serve the naive strategies; setIfNewer is a Lua compare-on-version that refuses to replace a newer
// version, which is what keeps the versioned strategy correct without locks. Any thread.
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
    StockCache(RedisPool &pool, std::chrono::milliseconds ttl);

    static std::string key(const std::string &sku) { return "inv:{" + sku + "}"; }
    static std::string lockKey(const std::string &sku) { return "lock:inv:{" + sku + "}"; }
    static std::string fillKey(const std::string &sku) { return "fill:inv:{" + sku + "}"; }

    std::optional<CachedStock> get(const std::string &sku);
    // GET and PTTL in one round trip, for views that show expiry.
    std::optional<CachedStock> peek(const std::string &sku);
    // peek() for many keys in one pipelined round trip; nullopt where a key is missing.
    std::vector<std::optional<CachedStock>> peekMany(const std::vector<std::string> &skus);
    void set(const std::string &sku, int stock, std::int64_t version);
    // True if stored; false if the cache already held this version or a newer one.
    bool setIfNewer(const std::string &sku, int stock, std::int64_t version);
    void remove(const std::string &sku);

    std::chrono::milliseconds ttl() const { return m_ttl; }
    RedisPool &pool() { return m_pool; }

private:
    RedisPool &m_pool;
    std::chrono::milliseconds m_ttl;
    std::string m_ttlText;
};

} // namespace inv
