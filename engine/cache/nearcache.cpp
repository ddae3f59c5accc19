#include "cache/nearcache.h"

#include <thread>

namespace inv {

NearCache::NearCache(const RedisUrl &url, std::string keyPrefix, InvalidationLinkSettings settings)
    : m_keyStart(keyPrefix + "inv:{")
{
    // A user who may not subscribe to invalidations would leave the near cache empty for good: refused
    // here, with what to grant.
    InvalidationListener::checkAllowed(url, keyPrefix + "inv:", settings.timeouts);
    InvalidationSink &sink = *this; // a private base: converted here, where it is accessible
    m_listener = std::make_unique<InvalidationListener>(url, keyPrefix + "inv:", settings, sink);
}

NearCache::~NearCache()
{
    // Stops the thread before the members it calls back into go away.
    m_listener.reset();
}

void NearCache::keep(Shard &shard, const std::string &sku, const CachedStock &value, std::uint64_t sequence,
                     std::uint64_t epoch)
{
    std::lock_guard lock(shard.mutex);
    // The epoch is read under the shard's lock: a drop stores it before it flushes the shards, so a
    // value kept here after a drop began is flushed by that drop.
    if (shard.sequence != sequence || m_epoch.load() != epoch || !m_serving.load()) {
        m_fenced.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (shard.entries.size() >= kMaxEntriesPerShard)
        return;
    CachedStock entry = value;
    entry.ttlMs = -2;
    shard.entries.insert_or_assign(sku, entry);
}

std::optional<CachedStock> NearCache::lookup(const std::string &sku, Ticket &ticket)
{
    ticket.serving = m_serving.load();
    if (!ticket.serving) {
        m_bypassed.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    Shard &shard = shardFor(sku);
    {
        std::lock_guard lock(shard.mutex);
        if (auto it = shard.entries.find(sku); it != shard.entries.end()) {
            m_hits.fetch_add(1, std::memory_order_relaxed);
            return it->second;
        }
        ticket.sequence = shard.sequence;
    }
    ticket.epoch = m_epoch.load();
    return std::nullopt;
}

void NearCache::offer(const std::string &sku, const CachedStock &value, const Ticket &ticket)
{
    if (ticket.serving)
        keep(shardFor(sku), sku, value, ticket.sequence, ticket.epoch);
}

void NearCache::evict(const std::string &sku)
{
    Shard &shard = shardFor(sku);
    std::lock_guard lock(shard.mutex);
    shard.entries.erase(sku);
    ++shard.sequence;
}

bool NearCache::waitUntilServing(std::chrono::milliseconds timeout) const
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!serving()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

std::size_t NearCache::size() const
{
    std::size_t total = 0;
    for (auto &shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        total += shard.entries.size();
    }
    return total;
}

void NearCache::flush()
{
    for (auto &shard : m_shards) {
        std::lock_guard lock(shard.mutex);
        m_evictions.fetch_add(static_cast<long long>(shard.entries.size()), std::memory_order_relaxed);
        shard.entries.clear();
        ++shard.sequence;
    }
}

void NearCache::onKeysInvalidated(const std::vector<std::string> &keys)
{
    const auto now = std::chrono::steady_clock::now();
    for (const auto &key : keys) {
        // prefix + "inv:{" + sku + "}"; BCAST only reports keys under "<prefix>inv:".
        if (key.size() <= m_keyStart.size() || key.compare(0, m_keyStart.size(), m_keyStart) != 0 ||
            key.back() != '}')
            continue;
        const std::string sku = key.substr(m_keyStart.size(), key.size() - m_keyStart.size() - 1);
        Shard &shard = shardFor(sku);
        {
            std::lock_guard lock(shard.mutex);
            m_evictions.fetch_add(static_cast<long long>(shard.entries.erase(sku)),
                                  std::memory_order_relaxed);
            ++shard.sequence;
        }
        m_watch.invalidated(sku, now);
    }
}

void NearCache::onFlushAll()
{
    flush();
    m_watch.flushed(std::chrono::steady_clock::now());
}

void NearCache::onLinkUp()
{
    // A new epoch before serving: fetches that began while the link was down are not kept.
    m_epoch.fetch_add(1);
    m_serving.store(true);
}

void NearCache::onLinkDown()
{
    // Stop serving first, then empty the map: from here on no read is answered from memory.
    m_serving.store(false);
    m_epoch.fetch_add(1);
    flush();
    m_watch.flushed(std::chrono::steady_clock::now());
}

} // namespace inv
