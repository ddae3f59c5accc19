// One process's clock mapped onto Redis's (TIME), which every agent and the coordinator reach: the
// Redis time at a moment of this process's steady clock, measured over the fastest of a few round
// trips, and the uncertainty of that mapping (half that round trip). Times on the run's shared time
// line are Redis microseconds. A plain value; any thread once measured.
#pragma once

#include "cache/redisconnection.h"

#include <chrono>

namespace inv {

struct RedisClock
{
    std::chrono::steady_clock::time_point at;
    long long redisUs = 0;
    long long uncertaintyUs = 0;

    // Throws CacheError when Redis does not answer.
    static RedisClock measure(RedisConnection &redis, int samples = 5);
    long long toRedisUs(std::chrono::steady_clock::time_point t) const
    {
        return redisUs + std::chrono::duration_cast<std::chrono::microseconds>(t - at).count();
    }
    std::chrono::steady_clock::time_point fromRedisUs(long long us) const
    {
        return at + std::chrono::microseconds(us - redisUs);
    }
    long long nowUs() const { return toRedisUs(std::chrono::steady_clock::now()); }
};

} // namespace inv
