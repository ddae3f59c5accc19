// A near cache: an in-process map SKU -> (stock, version) in front of the shared Redis cache, kept
// coherent by Redis's client-side-caching invalidations (see InvalidationListener). A read that
// misses fetches from Redis and keeps the value only if no invalidation of its shard, and no drop
// of the link, happened since it started: a value fetched before a change is never kept after
// the change was announced. While the link is down the map is empty and every read goes to Redis;
// it fills again only once subscription and tracking are both back. Values below the version floor
// never get here, since StockCache::get reports them as misses. Any thread; the map is sharded.
#pragma once

#include "cache/evictionwatch.h"
#include "cache/invalidationlistener.h"
#include "cache/stockcache.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace inv {

class NearCache : private InvalidationSink
{
public:
    // `keyPrefix` is the StockCache's prefix; the tracked prefix is keyPrefix + "inv:". Throws
    // CacheReplyError when the Redis user may not subscribe to invalidations or track the prefix
    // (InvalidationListener::checkAllowed).
    NearCache(const RedisUrl &url, std::string keyPrefix, InvalidationLinkSettings settings = {});
    ~NearCache() override;
    NearCache(const NearCache &) = delete;
    NearCache &operator=(const NearCache &) = delete;

    // The cached entry of `sku`, or what fetch() (a StockCache::get) returns, kept if still current.
    template <typename Fetch> std::optional<CachedStock> get(const std::string &sku, Fetch &&fetch)
    {
        Ticket ticket;
        if (auto hit = lookup(sku, ticket))
            return hit;
        std::optional<CachedStock> value = fetch();
        if (value)
            offer(sku, *value, ticket);
        return value;
    }
    // get() in two halves, for a client that fetches without blocking (the event loop): lookup()
    // answers a hit, or fills the ticket with which offer() keeps the fetched value if still current.
    struct Ticket
    {
        bool serving = false;
        std::uint64_t sequence = 0;
        std::uint64_t epoch = 0;
    };
    std::optional<CachedStock> lookup(const std::string &sku, Ticket &ticket);
    void offer(const std::string &sku, const CachedStock &value, const Ticket &ticket);
    // Drops this process's entry of `sku` (after its own write), and fences reads in flight.
    void evict(const std::string &sku);

    // True while the link is up and the map may serve reads.
    bool serving() const { return m_serving.load(); }
    // Waits up to `timeout` for serving(); for start-up and tests.
    bool waitUntilServing(std::chrono::milliseconds timeout) const;
    std::size_t size() const;

    long long hits() const { return m_hits.load(std::memory_order_relaxed); }
    // Entries removed because Redis reported their key changed, or the whole map on a flush.
    long long evictions() const { return m_evictions.load(std::memory_order_relaxed); }
    // Fetched values not kept because an invalidation or a drop came while they were fetched.
    long long fencedFills() const { return m_fenced.load(std::memory_order_relaxed); }
    // Reads sent straight to Redis because the link was down.
    long long bypassed() const { return m_bypassed.load(std::memory_order_relaxed); }
    long long disconnects() const { return m_listener->disconnects(); }
    // Invalidation messages received from Redis so far.
    long long invalidationMessages() const { return m_listener->messages(); }
    EvictionWatch &watch() { return m_watch; }
    const EvictionWatch &watch() const { return m_watch; }

private:
    static constexpr std::size_t kShards = 16;
    static constexpr std::size_t kMaxEntriesPerShard = 1 << 16;
    struct alignas(64) Shard
    {
        mutable std::mutex mutex;
        std::unordered_map<std::string, CachedStock> entries; // guarded by mutex
        // Bumped by every invalidation of a key of this shard, a local eviction and a flush.
        std::uint64_t sequence = 0; // guarded by mutex
    };

    Shard &shardFor(const std::string &sku) { return m_shards[std::hash<std::string>{}(sku) % kShards]; }
    void keep(Shard &shard, const std::string &sku, const CachedStock &value, std::uint64_t sequence,
              std::uint64_t epoch);
    void flush();

    void onKeysInvalidated(const std::vector<std::string> &keys) override;
    void onFlushAll() override;
    void onLinkUp() override;
    void onLinkDown() override;

    std::string m_keyStart; // "<prefix>inv:{"
    std::array<Shard, kShards> m_shards;
    std::atomic<bool> m_serving{false};
    // Bumped whenever the link goes down or up: a fetch started in another epoch is not kept.
    std::atomic<std::uint64_t> m_epoch{0};
    std::atomic<long long> m_hits{0}, m_evictions{0}, m_fenced{0}, m_bypassed{0};
    EvictionWatch m_watch;
    // Last: its thread calls back into the members above.
    std::unique_ptr<InvalidationListener> m_listener;
};

} // namespace inv
