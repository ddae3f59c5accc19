#include "loop/loopcache.h"

#include "inventory/lockedstrategy.h"
#include "inventory/strategy.h"

namespace inv {

namespace {
std::optional<std::string> element(const redisReply *reply, std::size_t index)
{
    if (reply->type != REDIS_REPLY_ARRAY || index >= reply->elements)
        return std::nullopt;
    const redisReply *item = reply->element[index];
    if (item->type != REDIS_REPLY_STRING)
        return std::nullopt;
    return std::string(item->str, item->len);
}

bool answered(const redisReply *reply)
{
    return reply && reply->type != REDIS_REPLY_ERROR;
}
} // namespace

LoopCache::LoopCache(EventLoop &loop, InventoryService &server)
    : m_loop(loop), m_server(server),
      m_redis(loop, RedisUrl::parse(server.config().redisUrl), server.config().redisTimeouts.command),
      m_lock(loop, m_redis, server.lock()), m_self(std::make_shared<LoopCache *>(this))
{}

LoopCache::~LoopCache() = default;

void LoopCache::get(const std::string &sku, Found found, std::function<void()> failed)
{
    m_redis.command(m_server.cache().getCommand(sku),
                    [found = std::move(found), failed = std::move(failed)](redisReply *reply) {
                        if (!reply || reply->type != REDIS_REPLY_ARRAY) {
                            failed();
                            return;
                        }
                        found(StockCache::readEntry(element(reply, 0), element(reply, 1)));
                    });
}

void LoopCache::setPlain(const std::string &sku, int stock, std::int64_t version, Answered done)
{
    m_redis.command(m_server.cache().setCommand(sku, stock, version),
                    [done = std::move(done)](redisReply *reply) { done(answered(reply)); });
}

void LoopCache::remove(const std::string &sku, Answered done)
{
    m_redis.command(m_server.cache().removeCommand(sku),
                    [done = std::move(done)](redisReply *reply) { done(answered(reply)); });
}

void LoopCache::ping(Answered done)
{
    m_redis.command({"PING"}, [done = std::move(done)](redisReply *reply) { done(answered(reply)); });
}

void LoopCache::setIfNewer(const std::string &sku, int stock, std::int64_t version,
                           std::function<void(int)> done)
{
    const StockCache::ScriptCall call = m_server.cache().setIfNewerCall(sku, stock, version);
    m_redis.eval(call.script, call.keys, call.args, [done = std::move(done)](redisReply *reply) {
        if (!reply || reply->type != REDIS_REPLY_INTEGER)
            done(-1);
        else
            done(reply->integer == 1 ? 1 : 0);
    });
}

void LoopCache::invalidateBelow(const std::string &sku, std::int64_t version, Answered done)
{
    const StockCache::ScriptCall call = m_server.cache().invalidateBelowCall(sku, version);
    m_redis.eval(call.script, call.keys, call.args, [done = std::move(done)](redisReply *reply) {
        done(reply && reply->type == REDIS_REPLY_INTEGER);
    });
}

void LoopCache::fill(const std::string &sku, const StockView &view,
                     std::chrono::steady_clock::time_point readAt, std::function<void()> then,
                     std::function<bool()> stillHeld)
{
    afterRace([this, sku, view, readAt, then = std::move(then), stillHeld = std::move(stillHeld)] {
        if (stillHeld && !stillHeld()) {
            then();
            return;
        }
        if (Strategy::fillTooOld(m_server.cache(), readAt)) {
            m_server.counters().staleFillsDropped.fetch_add(1, std::memory_order_relaxed);
            then();
            return;
        }
        setIfNewer(sku, view.stock, view.version, [this, then](int stored) {
            if (stored < 0)
                failed();
            else if (stored == 0)
                m_server.counters().staleFillsDropped.fetch_add(1, std::memory_order_relaxed);
            then();
        });
    });
}

void LoopCache::afterWrite(StrategyKind strategy, const WriteRequest &request, const WriteResult &result,
                           ReadRow readRow, Written done)
{
    afterRace([this, strategy, sku = request.sku, restock = request.action == Action::Restock,
               stock = result.stock, version = result.version, readRow = std::move(readRow),
               done = std::move(done)] {
        const auto at = std::chrono::steady_clock::now();
        auto answered = [done, at](bool current) { done(at, current); };
        switch (strategy) {
        case StrategyKind::Naive:
            if (restock) {
                remove(sku, answered);
                return;
            }
            [[fallthrough]];
        case StrategyKind::Unsafe:
            setPlain(sku, stock, version, answered);
            return;
        case StrategyKind::Locked:
            lockedAfterWrite(sku, version, readRow, done, at);
            return;
        case StrategyKind::Versioned:
        case StrategyKind::Combined:
            // An equal or newer version already there is current too.
            setIfNewer(sku, stock, version, [done, at](int stored) { done(at, stored >= 0); });
            return;
        }
    });
}

void LoopCache::lockedAfterWrite(const std::string &sku, std::int64_t version, ReadRow readRow, Written done,
                                 std::chrono::steady_clock::time_point at)
{
    const auto lease = m_server.config().lockLease;
    m_lock.acquire(
        StockCache::lockKey(sku, m_server.cache().prefix()), lease, LockedStrategy::kWriterWait,
        [this, sku, version, lease, readRow, done, at](LoopLock::Taken taken) {
            if (taken.failed) {
                done(at, false);
                return;
            }
            // Raising the floor to our version first makes any older value, set now or later, a miss.
            invalidateBelow(sku, version, [this, sku, lease, readRow, done, at, taken](bool invalidated) {
                if (!taken.handle) {
                    done(at, invalidated);
                    return;
                }
                // Refill from the database inside the lock: the latest committed value, never an older
                // one. The refill is an optimisation: the floor already keeps older values out.
                const LockHandle handle = *taken.handle;
                auto refilled = [this, handle, done, at, invalidated] {
                    release(handle);
                    done(at, invalidated);
                };
                const bool sent =
                    readRow(sku, [this, sku, lease, handle, refilled](std::optional<StockView> row) {
                        if (!row) {
                            refilled();
                            return;
                        }
                        fill(sku, *row, std::chrono::steady_clock::now(), refilled,
                             [handle, lease] { return LockedStrategy::leaseLeft(handle, lease); });
                    });
                if (!sent)
                    refilled();
            });
        });
}

void LoopCache::afterRace(std::function<void()> step)
{
    const auto pause = Strategy::racePause(m_server.config().raceDelay);
    if (pause.count() == 0) {
        step();
        return;
    }
    after(pause, std::move(step));
}

void LoopCache::after(std::chrono::microseconds pause, std::function<void()> step)
{
    std::weak_ptr<LoopCache *> self = m_self;
    m_loop.after(pause, [self, step = std::move(step)] {
        if (self.lock())
            step();
    });
}

void LoopCache::failed()
{
    m_server.counters().cacheErrors.fetch_add(1, std::memory_order_relaxed);
    m_server.cacheRepairs().noteFailure(m_redis.lastError());
}

void LoopCache::release(const LockHandle &handle)
{
    m_lock.release(handle, [this](bool answered) {
        if (!answered)
            failed();
    });
}

} // namespace inv
