// A lease-based lock in Redis shared by every app server: SET key token NX PX lease, with a unique
// token per acquisition, released by a Lua compare-and-delete and extended by a Lua
// compare-and-pexpire, so that a holder whose lease ran out can never free someone else's lock.
// Counters are atomics; any thread may use one DistributedLock.
#pragma once

#include "cache/redispool.h"
#include "metrics/latencyhistogram.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

namespace inv {

struct LockStats
{
    std::atomic<long long> acquired{0};
    std::atomic<long long> busy{0};
    std::atomic<long long> waitMicrosTotal{0};
    std::atomic<long long> waitMicrosMax{0};
    std::atomic<long long> expiredWhileHeld{0};
    // Time from the first attempt to acquisition, for acquisitions that succeeded.
    LatencyHistogram waits;
};

struct LockHandle
{
    std::string key;
    std::string token;
    std::chrono::steady_clock::time_point acquiredAt;
};

class DistributedLock
{
public:
    explicit DistributedLock(RedisPool &pool);

    // Tries until `wait` has passed; an empty result means the lock stayed busy. A zero wait makes
    // exactly one attempt. Throws CacheError if Redis is unreachable.
    std::optional<LockHandle> acquire(const std::string &key, std::chrono::milliseconds lease,
                                      std::chrono::milliseconds wait);
    // False if the lease had expired (the lock was lost while held); that is counted.
    bool release(const LockHandle &handle);
    // False if the lease had already expired.
    bool extend(const LockHandle &handle, std::chrono::milliseconds lease);

    const LockStats &stats() const { return m_stats; }
    // For a client that takes its leases itself (the event loop): counted here as acquire() counts.
    LockStats &counters() { return m_stats; }
    void noteAcquired(std::chrono::steady_clock::time_point askedAt,
                      std::chrono::steady_clock::time_point now);
    void noteBusy() { m_stats.busy.fetch_add(1, std::memory_order_relaxed); }
    static std::string newToken();
    // acquire()'s pause between two attempts starts here and doubles up to kMaxBackoff.
    static constexpr std::chrono::microseconds kFirstBackoff{200};
    static constexpr std::chrono::microseconds kMaxBackoff{4000};
    // release()'s compare-and-delete. KEYS: the lock. ARGV: the token. Returns 1 if it was held.
    static const LuaScript &releaseScript();

private:
    RedisPool &m_pool;
    LockStats m_stats;
};

} // namespace inv
