#include "inventory/strategy.h"

#include "errors.h"
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
    throw InvalidInput("unknown strategy '" + name + "': choose unsafe, naive, locked or versioned");
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
    }
    return "versioned";
}

StockView Strategy::read(const std::string &sku)
{
    m_context.stats.reads.fetch_add(1, std::memory_order_relaxed);
    if (auto cached = cacheGet(sku)) {
        m_context.stats.cacheHits.fetch_add(1, std::memory_order_relaxed);
        return *cached;
    }
    if (m_context.cache.pool().isCoolingDown() || m_hasPending.load(std::memory_order_relaxed)) {
        m_context.stats.failOpenReads.fetch_add(1, std::memory_order_relaxed);
        return readDatabase(sku, false);
    }
    m_context.stats.cacheMisses.fetch_add(1, std::memory_order_relaxed);
    return readMiss(sku);
}

WriteResult Strategy::write(const WriteRequest &request)
{
    try {
        WriteResult result = writeThrough(request);
        m_context.stats.writes.fetch_add(1, std::memory_order_relaxed);
        return result;
    } catch (const InsufficientStock &) {
        m_context.stats.rejections.fetch_add(1, std::memory_order_relaxed);
        throw;
    }
}

StockView Strategy::readDatabase(const std::string &sku, bool forFill)
{
    if (forFill)
        m_context.stats.dbFills.fetch_add(1, std::memory_order_relaxed);
    auto record = m_context.store.fetch(sku);
    if (!record)
        throw UnknownSku(sku);
    return StockView{record->stock, record->version, ReadSource::Database};
}

std::optional<StockView> Strategy::cacheGet(const std::string &sku)
{
    if (m_hasPending.load(std::memory_order_relaxed) && !flushPendingInvalidations())
        return std::nullopt;
    try {
        if (auto cached = m_context.cache.get(sku))
            return StockView{cached->stock, cached->version, ReadSource::Cache};
    } catch (const CacheUnavailable &) {
    } catch (const CacheError &) {
        m_context.stats.cacheErrors.fetch_add(1, std::memory_order_relaxed);
    } catch (const PoolTimeout &) {
        m_context.stats.cacheErrors.fetch_add(1, std::memory_order_relaxed);
    }
    return std::nullopt;
}

bool Strategy::cacheFailed(const std::string &sku, bool count)
{
    if (count)
        m_context.stats.cacheErrors.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(m_pendingMutex);
    m_pendingInvalidations.insert(sku);
    m_hasPending.store(true, std::memory_order_relaxed);
    return false;
}

bool Strategy::flushPendingInvalidations()
{
    std::lock_guard lock(m_pendingMutex);
    try {
        while (!m_pendingInvalidations.empty()) {
            m_context.cache.remove(*m_pendingInvalidations.begin());
            m_pendingInvalidations.erase(m_pendingInvalidations.begin());
        }
        m_hasPending.store(false, std::memory_order_relaxed);
        return true;
    } catch (const Error &) {
        return false;
    }
}

void Strategy::raceDelay() const
{
    if (m_context.raceDelay.count() <= 0)
        return;
    thread_local std::mt19937 generator{std::random_device{}()};
    std::uniform_int_distribution<long long> micros(0, m_context.raceDelay.count() * 1000);
    std::this_thread::sleep_for(std::chrono::microseconds(micros(generator)));
}

} // namespace inv
