#include "sim/visibilityprobe.h"

#include "cache/redisconnection.h"
#include "cache/stockcache.h"
#include "errors.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

namespace inv {

namespace {
constexpr std::size_t kMaxSubmitted = 10'000;
constexpr std::size_t kMaxWatches = 10'000;
// Keys without a pending probe read per sweep, to watch them for regressions.
constexpr std::size_t kIdlePerSweep = 64;
constexpr auto kIdleEvery = std::chrono::milliseconds(5);
constexpr auto kSweepPause = std::chrono::microseconds(500);
} // namespace

VisibilityProbe::VisibilityProbe(RedisUrl url, std::string keyPrefix)
    : m_url(std::move(url)), m_keyPrefix(std::move(keyPrefix)),
      m_thread([this](std::stop_token stop) { loop(stop); })
{}

VisibilityProbe::~VisibilityProbe()
{
    m_thread.request_stop();
}

void VisibilityProbe::submit(const std::string &sku, std::int64_t version, Clock::time_point acknowledged)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_submitted.size() >= kMaxSubmitted || m_finishing)
            return;
        m_submitted.push_back({sku, version, acknowledged});
    }
    m_wake.notify_one();
}

VisibilityResult VisibilityProbe::finish()
{
    {
        std::lock_guard lock(m_mutex);
        m_finishing = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    return std::move(m_result);
}

bool VisibilityProbe::takeSubmitted()
{
    std::vector<Submitted> taken;
    bool finishing = false;
    {
        std::lock_guard lock(m_mutex);
        taken.swap(m_submitted);
        finishing = m_finishing;
    }
    for (auto &s : taken) {
        auto it = m_index.find(s.sku);
        if (it == m_index.end()) {
            if (m_watches.size() >= kMaxWatches)
                continue; // not a probe: never counted
            it = m_index.emplace(s.sku, m_watches.size()).first;
            m_watches.push_back(Watch{StockCache::key(s.sku, m_keyPrefix), {}, 0, 0, false});
        }
        Watch &watch = m_watches[it->second];
        watch.pending.push_back({s.version, s.acknowledged});
        watch.highestProbed = std::max(watch.highestProbed, s.version);
    }
    return finishing;
}

std::size_t VisibilityProbe::pendingCount() const
{
    std::size_t n = 0;
    for (const auto &w : m_watches)
        n += w.pending.size();
    return n;
}

void VisibilityProbe::record(Clock::duration elapsed)
{
    if (elapsed >= kCap) {
        ++m_result.notVisible;
        elapsed = kCap;
    }
    m_result.latency.record(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
}

void VisibilityProbe::loop(std::stop_token stop)
{
    std::unique_ptr<RedisConnection> redis;
    while (!stop.stop_requested()) {
        const bool finishing = takeSubmitted();
        const std::size_t pending = pendingCount();
        if (finishing && pending == 0)
            break;
        if (m_watches.empty()) {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, stop, [&] { return !m_submitted.empty() || m_finishing; });
            continue;
        }
        sweep(redis);
        // With no probe pending, the regression watch need not spin.
        std::unique_lock lock(m_mutex);
        m_wake.wait_for(lock, stop, pending ? kSweepPause : std::chrono::microseconds(5000),
                        [&] { return !m_submitted.empty() || m_finishing; });
    }
    // Stopped by the destructor or finished: whatever is still pending was not seen within the cap.
    for (auto &w : m_watches)
        for (std::size_t i = 0; i < w.pending.size(); ++i)
            record(kCap);
}

void VisibilityProbe::sweep(std::unique_ptr<RedisConnection> &redis)
{
    std::vector<std::size_t> batch;
    for (std::size_t i = 0; i < m_watches.size(); ++i)
        if (!m_watches[i].pending.empty())
            batch.push_back(i);
    // Keys with nothing pending are read a slice at a time, at most every kIdleEvery, so that the
    // regression watch costs Redis little under load.
    const auto started = Clock::now();
    const bool idleTurn = started - m_lastIdleSlice >= kIdleEvery;
    if (idleTurn)
        m_lastIdleSlice = started;
    const std::size_t idle = idleTurn ? std::min(kIdlePerSweep, m_watches.size()) : 0;
    for (std::size_t n = 0; n < idle; ++n) {
        m_cursor = (m_cursor + 1) % m_watches.size();
        if (m_watches[m_cursor].pending.empty())
            batch.push_back(m_cursor);
    }
    if (batch.empty())
        return;
    std::vector<std::string> mget{"MGET"};
    for (std::size_t i : batch)
        mget.push_back(m_watches[i].key);

    // Each value is the key's version, or -1 for no entry; nullopt when Redis could not be read.
    std::vector<std::optional<std::int64_t>> seen(batch.size());
    try {
        if (!redis || redis->isBroken())
            redis = std::make_unique<RedisConnection>(m_url, RedisTimeouts{});
        auto reply = redis->command(mget);
        for (std::size_t i = 0; i < batch.size() && i < reply->elements; ++i) {
            const redisReply *element = reply->element[i]; // borrowed from the array reply
            if (element->type != REDIS_REPLY_STRING) {
                seen[i] = -1;
                continue;
            }
            const std::string_view value(element->str, element->len);
            const auto colon = value.find(':');
            std::int64_t version = 0;
            if (colon != std::string_view::npos &&
                std::from_chars(value.data() + colon + 1, value.data() + value.size(), version).ec ==
                    std::errc())
                seen[i] = version;
        }
    } catch (const Error &) {
        // Redis is down: the service serves from the database, so every pending write is visible.
        // Nothing is known about the versions, so no floor moves.
    }
    const auto now = Clock::now();
    for (std::size_t b = 0; b < batch.size(); ++b) {
        Watch &watch = m_watches[batch[b]];
        std::int64_t visibleUpTo = 0;
        if (!seen[b]) {
            visibleUpTo = std::numeric_limits<std::int64_t>::max();
        } else if (*seen[b] < 0) {
            // No entry: readers go to the database, which holds every acknowledged write.
            visibleUpTo = std::numeric_limits<std::int64_t>::max();
            watch.floor = std::max(watch.floor, watch.highestProbed);
            watch.behind = false;
        } else {
            const std::int64_t version = *seen[b];
            if (version < watch.floor) {
                if (!watch.behind)
                    ++m_result.regressions; // one per episode, not one per sweep
                watch.behind = true;
            } else {
                watch.behind = false;
            }
            watch.floor = std::max(watch.floor, version);
            visibleUpTo = version;
        }
        auto &pending = watch.pending;
        pending.erase(std::remove_if(pending.begin(), pending.end(),
                                     [&](const Pending &p) {
                                         if (p.version <= visibleUpTo || now - p.acknowledged >= kCap) {
                                             record(now - p.acknowledged);
                                             return true;
                                         }
                                         return false;
                                     }),
                      pending.end());
    }
}

} // namespace inv
