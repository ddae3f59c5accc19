#include "cache/stockcache.h"

#include "errors.h"

#include <charconv>

namespace inv {

namespace {
const LuaScript kSetIfNewer{R"lua(
local current = redis.call('GET', KEYS[1])
if current then
    local version = tonumber(string.match(current, ':(%d+)$'))
    if version and version >= tonumber(ARGV[2]) then
        return 0
    end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return 1
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

StockCache::StockCache(RedisPool &pool, std::chrono::milliseconds ttl)
    : m_pool(pool), m_ttl(ttl), m_ttlText(std::to_string(ttl.count()))
{}

std::optional<CachedStock> StockCache::get(const std::string &sku)
{
    auto connection = m_pool.acquire();
    auto reply = connection->command({"GET", key(sku)});
    if (!reply.isString())
        return std::nullopt;
    return parseValue(reply.str());
}

std::optional<CachedStock> StockCache::peek(const std::string &sku)
{
    return peekMany({sku}).front();
}

std::vector<std::optional<CachedStock>> StockCache::peekMany(const std::vector<std::string> &skus)
{
    auto connection = m_pool.acquire();
    for (const auto &sku : skus) {
        const std::string k = key(sku);
        connection->append({"GET", k});
        connection->append({"PTTL", k});
    }
    std::vector<std::optional<CachedStock>> out;
    out.reserve(skus.size());
    for (std::size_t i = 0; i < skus.size(); ++i) {
        auto value = connection->nextReply();
        auto ttl = connection->nextReply();
        std::optional<CachedStock> entry = value.isString() ? parseValue(value.str()) : std::nullopt;
        if (entry)
            entry->ttlMs = ttl.integer();
        out.push_back(entry);
    }
    return out;
}

void StockCache::set(const std::string &sku, int stock, std::int64_t version)
{
    auto connection = m_pool.acquire();
    connection->command({"SET", key(sku), encode(stock, version), "PX", m_ttlText});
}

bool StockCache::setIfNewer(const std::string &sku, int stock, std::int64_t version)
{
    auto connection = m_pool.acquire();
    return connection
               ->eval(kSetIfNewer, {key(sku)}, {std::to_string(stock), std::to_string(version), m_ttlText})
               .integer() == 1;
}

void StockCache::remove(const std::string &sku)
{
    auto connection = m_pool.acquire();
    connection->command({"DEL", key(sku)});
}

} // namespace inv
