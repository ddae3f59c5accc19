#include "cache/stockcache.h"

#include "errors.h"

#include <algorithm>
#include <charconv>

namespace inv {

namespace {
// KEYS: value, floor. ARGV: stock, version, value TTL, floor TTL. The floor is the highest version the
// cache has been told of; it outlives the value, so an old fill cannot land after an expiry or a DEL.
const LuaScript kSetIfNewer{R"lua(
local version = tonumber(ARGV[2])
local floor = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if version < floor then
    return 0
end
local current = redis.call('GET', KEYS[1])
if current then
    local held = tonumber(string.match(current, ':(%d+)$'))
    if held and held >= version then
        return 0
    end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 1
)lua"};

// KEYS: value, floor. ARGV: version, floor TTL. Raises the floor to the version and drops a value
// below it. Returns 1 if a value was dropped.
const LuaScript kInvalidateBelow{R"lua(
local version = tonumber(ARGV[1])
local floor = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if version > floor then
    floor = version
end
redis.call('SET', KEYS[2], tostring(floor), 'PX', ARGV[2])
local current = redis.call('GET', KEYS[1])
if current then
    local held = tonumber(string.match(current, ':(%d+)$'))
    if not held or held < floor then
        redis.call('DEL', KEYS[1])
        return 1
    end
end
return 0
)lua"};

std::optional<CachedStock> parseValue(const std::string &value)
{
    auto colon = value.find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    CachedStock out;
    auto a = std::from_chars(value.data(), value.data() + colon, out.stock);
    auto b = std::from_chars(value.data() + colon + 1, value.data() + value.size(), out.version);
    if (a.ec != std::errc() || b.ec != std::errc())
        return std::nullopt; // an unreadable entry is treated as a miss and overwritten
    return out;
}

std::string encode(int stock, std::int64_t version)
{
    return std::to_string(stock) + ":" + std::to_string(version);
}
} // namespace

StockCache::StockCache(RedisPool &pool, std::chrono::milliseconds ttl, std::string prefix)
    : m_pool(pool), m_ttl(ttl), m_floorTtl(std::max<std::chrono::milliseconds>(ttl * 10, kMinFloorTtl)),
      m_prefix(std::move(prefix)), m_ttlText(std::to_string(ttl.count())),
      m_floorTtlText(std::to_string(m_floorTtl.count()))
{}

std::optional<CachedStock> StockCache::get(const std::string &sku)
{
    auto connection = m_pool.acquire();
    // Value and floor in one round trip; both keys share the {sku} hash slot.
    connection->append({"GET", key(sku, m_prefix)});
    connection->append({"GET", floorKey(sku, m_prefix)});
    auto value = connection->nextReply();
    auto floor = connection->nextReply();
    return readEntry(value.isString() ? std::optional<std::string>(value.str()) : std::nullopt,
                     floor.isString() ? std::optional<std::string>(floor.str()) : std::nullopt);
}

std::vector<std::string> StockCache::getCommand(const std::string &sku) const
{
    return {"MGET", key(sku, m_prefix), floorKey(sku, m_prefix)};
}

std::optional<CachedStock> StockCache::readEntry(const std::optional<std::string> &value,
                                                 const std::optional<std::string> &floor)
{
    if (!value)
        return std::nullopt;
    auto entry = parseValue(*value);
    std::int64_t floorVersion = 0;
    if (floor)
        std::from_chars(floor->data(), floor->data() + floor->size(), floorVersion);
    // A value below the floor was written by a strategy that does not fence (or before a repair):
    // the database has moved past it, so it is a miss.
    if (entry && entry->version < floorVersion)
        return std::nullopt;
    return entry;
}

std::optional<CachedStock> StockCache::peek(const std::string &sku)
{
    return peekMany({sku}).front();
}

std::vector<std::optional<CachedStock>> StockCache::peekMany(const std::vector<std::string> &skus)
{
    auto connection = m_pool.acquire();
    for (const auto &sku : skus) {
        const std::string k = key(sku, m_prefix);
        connection->append({"GET", k});
        connection->append({"PTTL", k});
    }
    std::vector<std::optional<CachedStock>> out;
    out.reserve(skus.size());
    std::optional<RedisReply> refused;
    for (std::size_t i = 0; i < skus.size(); ++i) {
        auto value = connection->nextReply();
        auto ttl = connection->nextReply();
        // Every reply is read, so that the connection stays in step; a refusal (NOAUTH, NOPERM…) is
        // not a missing entry.
        if (value->type == REDIS_REPLY_ERROR && !refused)
            refused = std::move(value);
        std::optional<CachedStock> entry = value.isString() ? parseValue(value.str()) : std::nullopt;
        if (entry)
            entry->ttlMs = ttl.integer();
        out.push_back(entry);
    }
    if (refused)
        connection->throwIfError(*refused);
    return out;
}

std::vector<std::string> StockCache::setCommand(const std::string &sku, int stock, std::int64_t version) const
{
    return {"SET", key(sku, m_prefix), encode(stock, version), "PX", m_ttlText};
}

void StockCache::set(const std::string &sku, int stock, std::int64_t version)
{
    auto connection = m_pool.acquire();
    connection->command(setCommand(sku, stock, version));
}

StockCache::ScriptCall StockCache::setIfNewerCall(const std::string &sku, int stock,
                                                  std::int64_t version) const
{
    return ScriptCall{kSetIfNewer,
                      {key(sku, m_prefix), floorKey(sku, m_prefix)},
                      {std::to_string(stock), std::to_string(version), m_ttlText, m_floorTtlText}};
}

bool StockCache::setIfNewer(const std::string &sku, int stock, std::int64_t version)
{
    const ScriptCall call = setIfNewerCall(sku, stock, version);
    auto connection = m_pool.acquire();
    return connection->eval(call.script, call.keys, call.args).integer() == 1;
}

StockCache::ScriptCall StockCache::invalidateBelowCall(const std::string &sku, std::int64_t version) const
{
    return ScriptCall{kInvalidateBelow,
                      {key(sku, m_prefix), floorKey(sku, m_prefix)},
                      {std::to_string(version), m_floorTtlText}};
}

bool StockCache::invalidateBelow(const std::string &sku, std::int64_t version)
{
    const ScriptCall call = invalidateBelowCall(sku, version);
    auto connection = m_pool.acquire();
    return connection->eval(call.script, call.keys, call.args).integer() == 1;
}

std::vector<std::string> StockCache::removeCommand(const std::string &sku) const
{
    return {"DEL", key(sku, m_prefix)};
}

void StockCache::remove(const std::string &sku)
{
    auto connection = m_pool.acquire();
    connection->command(removeCommand(sku));
}

} // namespace inv
