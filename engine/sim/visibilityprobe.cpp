#include "sim/visibilityprobe.h"

#include "cache/redisconnection.h"
#include "cache/stockcache.h"
#include "errors.h"

#include <charconv>

namespace inv {

namespace {
constexpr std::size_t kMaxQueued = 10'000;
constexpr auto kGiveUp = std::chrono::seconds(1);
} // namespace

VisibilityProbe::VisibilityProbe(RedisUrl url)
    : m_url(std::move(url)), m_thread([this](std::stop_token stop) { loop(stop); })
{}

VisibilityProbe::~VisibilityProbe()
{
    m_thread.request_stop();
}

void VisibilityProbe::submit(const std::string &sku, std::int64_t version,
                             std::chrono::steady_clock::time_point acknowledged)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_queue.size() >= kMaxQueued)
            return;
        m_queue.push_back({sku, version, acknowledged});
    }
    m_wake.notify_one();
}

HistogramCounts VisibilityProbe::finish()
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_queue.empty() || std::chrono::steady_clock::now() > deadline)
                break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m_thread.request_stop();
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    return m_results;
}

void VisibilityProbe::loop(std::stop_token stop)
{
    std::unique_ptr<RedisConnection> redis;
    while (!stop.stop_requested()) {
        Probe probe;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, stop, [&] { return !m_queue.empty(); });
            if (m_queue.empty())
                return;
            probe = std::move(m_queue.front());
            m_queue.pop_front();
        }
        for (;;) {
            const auto now = std::chrono::steady_clock::now();
            bool visible = false;
            try {
                if (!redis || redis->isBroken())
                    redis = std::make_unique<RedisConnection>(m_url, RedisTimeouts{});
                auto reply = redis->command({"GET", StockCache::key(probe.sku)});
                if (!reply.isString()) {
                    visible = true; // no entry: every reader goes to the database and sees the write
                } else {
                    const std::string value = reply.str();
                    std::int64_t version = 0;
                    const auto colon = value.find(':');
                    if (colon != std::string::npos)
                        std::from_chars(value.data() + colon + 1, value.data() + value.size(), version);
                    visible = version >= probe.version;
                }
            } catch (const Error &) {
                visible = true; // Redis is down: the service serves from the database
            }
            if (visible || now - probe.acknowledged >= kGiveUp || stop.stop_requested()) {
                m_results.record(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now - probe.acknowledged).count());
                break;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    }
}

} // namespace inv
