// Which master the Sentinels of a redis+sentinel:// URL name, asked again on each call, so that a
// caller can mark a failover where it happened (the simulation monitor puts it on the run's time
// line). For any other URL it asks nothing. Blocking, as RedisEndpoint::resolve (at most
// RedisEndpoint::kSentinelWait per Sentinel); one thread at a time.
#pragma once

#include "cache/redisurl.h"

#include <optional>
#include <string>

namespace inv {

class SentinelWatch
{
public:
    explicit SentinelWatch(RedisUrl url);

    // The master's address ("host:port") when the Sentinels now name another master than at the
    // last call that got an answer; nullopt at the first answer, without a change, when no Sentinel
    // answers, and for a URL without Sentinels.
    std::optional<std::string> changed();

private:
    RedisUrl m_url;
    std::string m_master;
};

} // namespace inv
