#include "loop/looplock.h"

#include <algorithm>

namespace inv {

LoopLock::LoopLock(EventLoop &loop, AsyncRedis &redis, DistributedLock &counters)
    : m_loop(loop), m_redis(redis), m_counters(counters), m_self(std::make_shared<LoopLock *>(this))
{}

LoopLock::~LoopLock() = default;

void LoopLock::acquire(const std::string &key, std::chrono::milliseconds lease,
                       std::chrono::milliseconds wait, Done done)
{
    auto next = std::make_shared<Attempt>();
    next->key = key;
    next->token = DistributedLock::newToken();
    next->leaseMs = std::to_string(lease.count());
    next->askedAt = std::chrono::steady_clock::now();
    next->deadline = next->askedAt + wait;
    next->backoff = DistributedLock::kFirstBackoff;
    next->done = std::move(done);
    attempt(std::move(next));
}

void LoopLock::attempt(std::shared_ptr<Attempt> attempt)
{
    m_redis.command({"SET", attempt->key, attempt->token, "NX", "PX", attempt->leaseMs},
                    [this, attempt](redisReply *reply) {
                        if (!reply || reply->type == REDIS_REPLY_ERROR) {
                            attempt->done(Taken{std::nullopt, true});
                            return;
                        }
                        const auto now = std::chrono::steady_clock::now();
                        if (reply->type == REDIS_REPLY_STATUS) {
                            m_counters.noteAcquired(attempt->askedAt, now);
                            attempt->done(Taken{LockHandle{attempt->key, attempt->token, now}, false});
                            return;
                        }
                        m_counters.noteBusy();
                        if (now + attempt->backoff > attempt->deadline) {
                            attempt->done(Taken{});
                            return;
                        }
                        const auto pause = attempt->backoff;
                        attempt->backoff = std::min(attempt->backoff * 2, DistributedLock::kMaxBackoff);
                        std::weak_ptr<LoopLock *> self = m_self;
                        m_loop.after(pause, [self, attempt] {
                            if (auto alive = self.lock())
                                (*alive)->attempt(attempt);
                        });
                    });
}

void LoopLock::release(const LockHandle &handle, std::function<void(bool)> done)
{
    m_redis.eval(DistributedLock::releaseScript(), {handle.key}, {handle.token},
                 [this, done = std::move(done)](redisReply *reply) {
                     const bool answered = reply && reply->type == REDIS_REPLY_INTEGER;
                     if (answered && reply->integer == 0)
                         m_counters.counters().expiredWhileHeld.fetch_add(1, std::memory_order_relaxed);
                     if (done)
                         done(answered);
                 });
}

} // namespace inv
