#include "cache/evictionwatch.h"

namespace inv {

namespace {
std::int64_t nanos(EvictionWatch::Clock::duration d)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}
} // namespace

void EvictionWatch::expect(const std::string &sku, Clock::time_point cacheUpdateAt, Clock::time_point ackAt)
{
    if (!enabled())
        return;
    std::lock_guard lock(m_mutex);
    auto last = m_lastInvalidated.find(sku);
    const bool evicted =
        m_lastFlush >= cacheUpdateAt || (last != m_lastInvalidated.end() && last->second >= cacheUpdateAt);
    if (evicted) {
        // Evicted before the writer even heard back: no reader here could see the older value after
        // the acknowledgement, so the delay is 0.
        m_delays.record(0);
        ++m_beforeAck;
        return;
    }
    auto &acks = m_waiting[sku];
    if (acks.size() >= kMaxPendingPerKey) {
        acks.erase(acks.begin());
        m_pending.fetch_sub(1, std::memory_order_relaxed);
    }
    acks.push_back(ackAt);
    m_pending.fetch_add(1, std::memory_order_relaxed);
}

void EvictionWatch::invalidated(const std::string &sku, Clock::time_point at)
{
    if (!enabled())
        return;
    std::lock_guard lock(m_mutex);
    m_lastInvalidated[sku] = at;
    auto waiting = m_waiting.find(sku);
    if (waiting == m_waiting.end())
        return;
    for (auto ack : waiting->second)
        m_delays.record(nanos(at - ack));
    m_pending.fetch_sub(static_cast<long long>(waiting->second.size()), std::memory_order_relaxed);
    m_waiting.erase(waiting);
}

void EvictionWatch::flushed(Clock::time_point at)
{
    if (!enabled())
        return;
    std::lock_guard lock(m_mutex);
    m_lastFlush = at;
    // A flush evicts every key: the pending writes are evicted now.
    for (const auto &[sku, acks] : m_waiting)
        for (auto ack : acks)
            m_delays.record(nanos(at - ack));
    m_waiting.clear();
    m_pending.store(0, std::memory_order_relaxed);
}

bool EvictionWatch::windowOpen(const std::string &sku) const
{
    if (m_pending.load(std::memory_order_relaxed) == 0)
        return false;
    std::lock_guard lock(m_mutex);
    return m_waiting.find(sku) != m_waiting.end();
}

HistogramCounts EvictionWatch::delays() const
{
    std::lock_guard lock(m_mutex);
    return m_delays;
}

long long EvictionWatch::evictedBeforeAck() const
{
    std::lock_guard lock(m_mutex);
    return m_beforeAck;
}

} // namespace inv
