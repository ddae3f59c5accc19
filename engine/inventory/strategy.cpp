#include "inventory/strategy.h"

#include "errors.h"
#include "inventory/combinedstrategy.h"
#include "inventory/lockedstrategy.h"
#include "inventory/naivestrategy.h"
#include "inventory/unsafestrategy.h"
#include "inventory/versionedstrategy.h"

#include <random>
#include <thread>

namespace inv {

Strategy::Strategy(StrategyContext context) : m_context(context) {}

Strategy::~Strategy() = default;

std::unique_ptr<Strategy> Strategy::create(StrategyKind kind, StrategyContext context)
{
    switch (kind) {
    case StrategyKind::Unsafe:
        return std::make_unique<UnsafeStrategy>(context);
    case StrategyKind::Naive:
        return std::make_unique<NaiveStrategy>(context);
    case StrategyKind::Locked:
        return std::make_unique<LockedStrategy>(context);
    case StrategyKind::Versioned:
        return std::make_unique<VersionedStrategy>(context);
    case StrategyKind::Combined:
        return std::make_unique<CombinedStrategy>(context);
    }
    return nullptr;
}

StrategyKind Strategy::parseKind(const std::string &name)
{
    if (name == "unsafe")
        return StrategyKind::Unsafe;
    if (name == "naive")
        return StrategyKind::Naive;
    if (name == "locked")
        return StrategyKind::Locked;
    if (name == "versioned")
        return StrategyKind::Versioned;
    if (name == "combined")
        return StrategyKind::Combined;
    throw InvalidInput("unknown strategy '" + name +
                       "': choose unsafe, naive, locked, versioned or combined");
}

const char *Strategy::kindName(StrategyKind kind)
{
    switch (kind) {
    case StrategyKind::Unsafe:
        return "unsafe";
    case StrategyKind::Naive:
        return "naive";
    case StrategyKind::Locked:
        return "locked";
    case StrategyKind::Versioned:
        return "versioned";
    case StrategyKind::Combined:
        return "combined";
    }
    return "versioned";
}

StockView Strategy::read(const std::string &sku)
{
    m_context.stats.reads.fetch_add(1, std::memory_order_relaxed);
    // Each read counts once: a hit, a miss, or a fail-open read from the database.
    if (!m_context.repairs.cacheTrusted()) {
        m_context.stats.failOpenReads.fetch_add(1, std::memory_order_relaxed);
        return readDatabase(sku);
    }
    if (auto cached = cacheGet(sku)) {
        m_context.stats.cacheHits.fetch_add(1, std::memory_order_relaxed);
        return *cached;
    }
    if (m_context.cache.pool().isCoolingDown() || m_context.repairs.distrusting()) {
        m_context.stats.failOpenReads.fetch_add(1, std::memory_order_relaxed);
        return readDatabase(sku);
    }
    m_context.stats.cacheMisses.fetch_add(1, std::memory_order_relaxed);
    return readMiss(sku);
}

WriteResult Strategy::write(const WriteRequest &request)
{
    WriteResult result;
    try {
        result = commit(request);
    } catch (const InsufficientStock &) {
        m_context.stats.rejections.fetch_add(1, std::memory_order_relaxed);
        throw;
    }
    if (result.replayed) {
        // Written by an earlier attempt whose acknowledgement may have been lost before its cache
        // update ran: owe a repair up to that version, so that no older cached value outlives it.
        result.cacheUpdateAt = std::chrono::steady_clock::now();
        oweRepair(request.sku, result.version);
        return result;
    }
    m_context.stats.writes.fetch_add(1, std::memory_order_relaxed);
    // Committed: from here on, nothing may report the write as failed.
    bool cacheCurrent = false;
    if (result.cacheUpdated) {
        // The commit updated the cache itself, and set cacheUpdateAt just before it did.
        cacheCurrent = *result.cacheUpdated;
    } else {
        raceDelay();
        result.cacheUpdateAt = std::chrono::steady_clock::now();
        try {
            cacheCurrent = updateCache(request, result);
        } catch (const std::exception &) {
            cacheCurrent = false;
        }
    }
    if (!cacheCurrent)
        oweRepair(request.sku, result.version);
    // Redis's invalidation of our own SET reaches this process too, but later: read-your-writes.
    if (m_context.nearCache)
        m_context.nearCache->evict(request.sku);
    return result;
}

void Strategy::oweRepair(const std::string &sku, std::int64_t version)
{
    try {
        m_context.repairs.owe(sku, version);
        m_context.stats.repairsOwed.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception &) {
        // PostgreSQL stayed away for oweFor right after the commit: the mark is kept in this
        // process and stored by its next pass; another process may read the older entry until
        // then (or until its TTL runs out, if this one dies first).
        m_context.stats.repairsLost.fetch_add(1, std::memory_order_relaxed);
    }
}

StockView Strategy::readDatabase(const std::string &sku)
{
    m_context.stats.dbFills.fetch_add(1, std::memory_order_relaxed);
    auto record = m_context.store.fetch(sku);
    if (!record)
        throw UnknownSku(sku);
    return StockView{record->stock, record->version, ReadSource::Database};
}

std::optional<StockView> Strategy::cacheGet(const std::string &sku)
{
    std::optional<StockView> out;
    cacheDo([&] {
        const auto cached = m_context.nearCache
                                ? m_context.nearCache->get(sku, [&] { return m_context.cache.get(sku); })
                                : m_context.cache.get(sku);
        if (cached)
            out = StockView{cached->stock, cached->version, ReadSource::Cache};
    });
    return out;
}

void Strategy::fillCache(const std::string &sku, const StockView &view,
                         std::chrono::steady_clock::time_point readAt)
{
    if (fillTooOld(m_context.cache, readAt)) {
        m_context.stats.staleFillsDropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    cacheDo([&] {
        if (!m_context.cache.setIfNewer(sku, view.stock, view.version))
            m_context.stats.staleFillsDropped.fetch_add(1, std::memory_order_relaxed);
    });
}

bool Strategy::cacheFailed(bool count, const std::string &why)
{
    if (count)
        m_context.stats.cacheErrors.fetch_add(1, std::memory_order_relaxed);
    m_context.repairs.noteFailure(why);
    return false;
}

std::chrono::microseconds Strategy::racePause(std::chrono::milliseconds most)
{
    if (most.count() <= 0)
        return std::chrono::microseconds(0);
    thread_local std::mt19937 generator{std::random_device{}()};
    std::uniform_int_distribution<long long> micros(0, most.count() * 1000);
    return std::chrono::microseconds(micros(generator));
}

bool Strategy::fillTooOld(const StockCache &cache, std::chrono::steady_clock::time_point readAt)
{
    return std::chrono::steady_clock::now() - readAt >= cache.floorTtl() / 2;
}

void Strategy::raceDelay() const
{
    if (m_context.raceDelay.count() <= 0)
        return;
    std::this_thread::sleep_for(racePause(m_context.raceDelay));
}

} // namespace inv
