#include "agents/redisclock.h"

#include "errors.h"

namespace inv {

RedisClock RedisClock::measure(RedisConnection &redis, int samples)
{
    RedisClock best;
    best.uncertaintyUs = -1;
    for (int i = 0; i < samples; ++i) {
        const auto sent = std::chrono::steady_clock::now();
        RedisReply reply = redis.command({"TIME"});
        const auto received = std::chrono::steady_clock::now();
        const redisReply *r = reply.get();
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
            throw CacheReplyError("Redis answered TIME with something else than two numbers");
        const long long us = std::stoll(r->element[0]->str) * 1'000'000 + std::stoll(r->element[1]->str);
        const auto half = (received - sent) / 2;
        const long long uncertainty = std::chrono::duration_cast<std::chrono::microseconds>(half).count() + 1;
        if (best.uncertaintyUs < 0 || uncertainty < best.uncertaintyUs)
            best = RedisClock{sent + half, us, uncertainty};
    }
    return best;
}

} // namespace inv
