// DistributedLock's acquire and release as event-loop steps: SET key token NX PX lease, tried again
// after a pause that doubles from DistributedLock::kFirstBackoff to kMaxBackoff until the wait has
// passed, and the compare-and-delete release, without blocking the loop. Counted in the server's
// DistributedLock stats exactly as its own acquisitions are. Loop thread only, construction aside.
#pragma once

#include "cache/distributedlock.h"
#include "loop/asyncredis.h"
#include "loop/eventloop.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace inv {

class LoopLock
{
public:
    struct Taken
    {
        // Empty when the lock stayed busy for the whole wait, or Redis failed.
        std::optional<LockHandle> handle;
        bool failed = false;
    };
    using Done = std::function<void(Taken)>;

    LoopLock(EventLoop &loop, AsyncRedis &redis, DistributedLock &counters);
    ~LoopLock();
    LoopLock(const LoopLock &) = delete;
    LoopLock &operator=(const LoopLock &) = delete;

    // A zero wait makes exactly one attempt.
    void acquire(const std::string &key, std::chrono::milliseconds lease, std::chrono::milliseconds wait,
                 Done done);
    // `done`, when given, gets false if Redis failed. A lease that had run out is counted.
    void release(const LockHandle &handle, std::function<void(bool)> done = {});

private:
    struct Attempt
    {
        std::string key;
        std::string token;
        std::string leaseMs;
        std::chrono::steady_clock::time_point askedAt;
        std::chrono::steady_clock::time_point deadline;
        std::chrono::microseconds backoff;
        Done done;
    };
    void attempt(std::shared_ptr<Attempt> attempt);

    EventLoop &m_loop;
    AsyncRedis &m_redis;
    DistributedLock &m_counters;
    // Timers hold it weakly: one that fires after the lock is gone does nothing.
    std::shared_ptr<LoopLock *> m_self;
};

} // namespace inv
