#include "monitor/servermonitor.h"

#include "errors.h"
#include "monitor/pgserversampler.h"
#include "monitor/redisserversampler.h"

#include <algorithm>
#include <memory>

namespace inv {

namespace {
void keepLast(std::vector<ServerHistoryPoint> &history, const ServerHistoryPoint &point)
{
    if (history.size() == ServerMonitor::kHistory)
        history.erase(history.begin());
    history.push_back(point);
}

ServerHistoryPoint pgPoint(double t, const PgServerStats &s)
{
    ServerHistoryPoint p;
    p.t = t;
    if (!s.available)
        return p;
    p.active = s.active;
    p.idle = s.idle;
    p.idleInTransaction = s.idleInTransaction;
    p.waiting = s.waiting;
    p.commitsPerSecond = s.commitsPerSecond;
    p.rollbacksPerSecond = s.rollbacksPerSecond;
    p.lockWaiters = static_cast<double>(s.lockWaits.size());
    p.longestLockWaitSeconds = s.lockWaits.empty() ? 0 : s.lockWaits.front().waitSeconds;
    p.cacheHitRatio = s.cacheHitRatio;
    return p;
}

ServerHistoryPoint redisPoint(double t, const RedisServerStats &s)
{
    ServerHistoryPoint p;
    p.t = t;
    if (!s.available)
        return p;
    p.opsPerSecond = s.opsPerSecond;
    p.hitsPerSecond = s.hitsPerSecond;
    p.missesPerSecond = s.missesPerSecond;
    p.redisHitRatio = s.hitRatio;
    p.usedMemoryMiB = static_cast<double>(s.usedMemory) / (1024.0 * 1024.0);
    p.evictedPerSecond = s.evictedPerSecond;
    p.expiredPerSecond = s.expiredPerSecond;
    p.connectedClients = static_cast<double>(s.connectedClients);
    return p;
}
} // namespace

ServerMonitor::ServerMonitor(std::string pgConninfo, std::string redisUrl, std::chrono::milliseconds interval)
    : m_pgConninfo(std::move(pgConninfo)), m_redisUrl(std::move(redisUrl)), m_interval(interval),
      m_started(std::chrono::steady_clock::now())
{
    m_pgThread = std::jthread([this](std::stop_token stop) { pgLoop(stop); });
    m_redisThread = std::jthread([this](std::stop_token stop) { redisLoop(stop); });
}

ServerMonitor::~ServerMonitor()
{
    m_pgThread.request_stop();
    m_redisThread.request_stop();
    m_wake.notify_all();
}

ServerSnapshot ServerMonitor::snapshot() const
{
    std::lock_guard lock(m_mutex);
    ServerSnapshot copy = m_snapshot;
    copy.paused = m_paused;
    return copy;
}

void ServerMonitor::setPaused(bool paused)
{
    {
        std::lock_guard lock(m_mutex);
        m_paused = paused;
    }
    m_wake.notify_all();
}

bool ServerMonitor::isPaused() const
{
    std::lock_guard lock(m_mutex);
    return m_paused;
}

double ServerMonitor::secondsSinceStart() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
}

bool ServerMonitor::waitForTick(std::stop_token stop, std::chrono::steady_clock::time_point next)
{
    std::unique_lock lock(m_mutex);
    m_wake.wait(lock, stop, [this] { return !m_paused; });
    if (stop.stop_requested())
        return false;
    m_wake.wait_until(lock, stop, next, [] { return false; });
    return !stop.stop_requested() && !m_paused;
}

template <typename SampleOnce> void ServerMonitor::paced(std::stop_token stop, SampleOnce sampleOnce)
{
    auto next = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
        sampleOnce();
        next = std::max(next + m_interval, std::chrono::steady_clock::now());
        while (!waitForTick(stop, next)) {
            if (stop.stop_requested())
                return;
            next = std::chrono::steady_clock::now(); // resumed: sample at once
        }
    }
}

void ServerMonitor::pgLoop(std::stop_token stop)
{
    PgServerSampler sampler(m_pgConninfo);
    paced(stop, [&] {
        PgServerStats stats = sampler.sample();
        const ServerHistoryPoint point = pgPoint(secondsSinceStart(), stats);
        std::lock_guard lock(m_mutex);
        m_snapshot.pg = std::move(stats);
        ++m_snapshot.pgSamples;
        keepLast(m_snapshot.pgHistory, point);
    });
}

void ServerMonitor::redisLoop(std::stop_token stop)
{
    std::unique_ptr<RedisServerSampler> sampler;
    try {
        sampler = std::make_unique<RedisServerSampler>(m_redisUrl);
    } catch (const Error &e) {
        std::lock_guard lock(m_mutex);
        m_snapshot.redis.error = e.what();
        ++m_snapshot.redisSamples;
        return;
    }
    paced(stop, [&] {
        RedisServerStats stats = sampler->sample();
        const ServerHistoryPoint point = redisPoint(secondsSinceStart(), stats);
        std::lock_guard lock(m_mutex);
        m_snapshot.redis = std::move(stats);
        ++m_snapshot.redisSamples;
        keepLast(m_snapshot.redisHistory, point);
    });
}

} // namespace inv
