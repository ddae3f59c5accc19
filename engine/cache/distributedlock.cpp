#include "cache/distributedlock.h"

#include "errors.h"

#include <cstdio>
#include <random>
#include <thread>

namespace inv {

namespace {
const LuaScript kCompareAndDelete{R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
)lua"};

const LuaScript kCompareAndExpire{R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua"};

void updateMax(std::atomic<long long> &max, long long value)
{
    long long current = max.load(std::memory_order_relaxed);
    while (value > current && !max.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
    }
}
} // namespace

DistributedLock::DistributedLock(RedisPool &pool) : m_pool(pool) {}

const LuaScript &DistributedLock::releaseScript()
{
    return kCompareAndDelete;
}

std::string DistributedLock::newToken()
{
    thread_local std::mt19937_64 generator{std::random_device{}() ^
                                           std::hash<std::thread::id>{}(std::this_thread::get_id())};
    char buffer[33];
    std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(generator()),
                  static_cast<unsigned long long>(generator()));
    return buffer;
}

void DistributedLock::noteAcquired(std::chrono::steady_clock::time_point askedAt,
                                   std::chrono::steady_clock::time_point now)
{
    const long long waited = std::chrono::duration_cast<std::chrono::microseconds>(now - askedAt).count();
    m_stats.acquired.fetch_add(1, std::memory_order_relaxed);
    m_stats.waitMicrosTotal.fetch_add(waited, std::memory_order_relaxed);
    updateMax(m_stats.waitMicrosMax, waited);
    m_stats.waits.recordShared(std::chrono::duration_cast<std::chrono::nanoseconds>(now - askedAt).count());
}

std::optional<LockHandle> DistributedLock::acquire(const std::string &key, std::chrono::milliseconds lease,
                                                   std::chrono::milliseconds wait)
{
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + wait;
    const std::string token = newToken();
    const std::string leaseMs = std::to_string(lease.count());
    auto backoff = kFirstBackoff;
    for (;;) {
        bool won;
        {
            auto connection = m_pool.acquire();
            won = connection->command({"SET", key, token, "NX", "PX", leaseMs}).isStatus("OK");
        }
        const auto now = std::chrono::steady_clock::now();
        if (won) {
            noteAcquired(start, now);
            return LockHandle{key, token, now};
        }
        noteBusy();
        if (now + backoff > deadline)
            return std::nullopt;
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
    }
}

bool DistributedLock::release(const LockHandle &handle)
{
    auto connection = m_pool.acquire();
    const bool released = connection->eval(kCompareAndDelete, {handle.key}, {handle.token}).integer() == 1;
    if (!released)
        m_stats.expiredWhileHeld.fetch_add(1, std::memory_order_relaxed);
    return released;
}

bool DistributedLock::extend(const LockHandle &handle, std::chrono::milliseconds lease)
{
    auto connection = m_pool.acquire();
    const bool extended =
        connection->eval(kCompareAndExpire, {handle.key}, {handle.token, std::to_string(lease.count())})
            .integer() == 1;
    if (!extended)
        m_stats.expiredWhileHeld.fetch_add(1, std::memory_order_relaxed);
    return extended;
}

} // namespace inv
