#include "sim/nearcachetally.h"

#include "sim/simulationcontext.h"

namespace inv {

NearCacheTally::NearCacheTally(std::vector<std::unique_ptr<InventoryService>> &servers) : m_servers(servers)
{
    for (auto &server : m_servers) {
        NearCache *near = server->nearCache();
        if (!near)
            continue;
        m_enabled = true;
        near->watch().enable();
        m_hits += near->hits();
        m_evictions += near->evictions();
        m_disconnects += near->disconnects();
    }
}

std::optional<NearCacheOutcome> NearCacheTally::finish(const SimulationContext &context) const
{
    if (!m_enabled)
        return std::nullopt;
    NearCacheOutcome out;
    out.hits = -m_hits;
    out.evictions = -m_evictions;
    out.disconnects = -m_disconnects;
    HistogramCounts delays;
    for (auto &server : m_servers) {
        NearCache *near = server->nearCache();
        if (!near)
            continue;
        out.hits += near->hits();
        out.evictions += near->evictions();
        out.disconnects += near->disconnects();
        delays.add(near->watch().delays());
        out.evictedBeforeAck += near->watch().evictedBeforeAck();
        out.awaitedAtEnd += near->watch().pending();
    }
    out.invalidationDelay.p50 = delays.percentileMs(0.5);
    out.invalidationDelay.p95 = delays.percentileMs(0.95);
    out.invalidationDelay.p99 = delays.percentileMs(0.99);
    out.invalidationDelay.max = delays.maxMs();
    out.invalidationDelay.count = static_cast<long long>(delays.count());
    out.readsInWindow = context.readsInWindow();
    out.staleReadsInWindow = context.staleReadsInWindow();
    return out;
}

} // namespace inv
