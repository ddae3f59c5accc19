#include "cache/sentinelwatch.h"

#include "cache/redisendpoint.h"
#include "errors.h"

namespace inv {

SentinelWatch::SentinelWatch(RedisUrl url) : m_url(std::move(url)) {}

std::optional<std::string> SentinelWatch::changed()
{
    if (!m_url.viaSentinel)
        return std::nullopt;
    std::string master;
    try {
        const RedisUrl found = RedisEndpoint::resolve(m_url);
        master = found.host + ":" + std::to_string(found.port);
    } catch (const CacheError &) {
        // No Sentinel answered: nothing is known to have changed.
        return std::nullopt;
    }
    const bool first = m_master.empty();
    if (master == m_master)
        return std::nullopt;
    m_master = master;
    if (first)
        return std::nullopt;
    return master;
}

} // namespace inv
