#include "loop/loopreader.h"

#include "cache/distributedlock.h"
#include "inventory/versionedstrategy.h"

#include <algorithm>

namespace inv {

namespace {
constexpr std::chrono::microseconds kReopenAfter{100'000};
// A read whose connection died under it, or that found none open, is sent again this many times in
// all, kReopenAfter apart: a PostgreSQL restart of a few hundred milliseconds costs no read.
constexpr int kReadAttempts = 4;

const char *const kSelect = "SELECT stock, version FROM inventory WHERE sku = $1";

std::optional<std::string> element(const redisReply *reply, std::size_t index)
{
    if (reply->type != REDIS_REPLY_ARRAY || index >= reply->elements)
        return std::nullopt;
    const redisReply *item = reply->element[index];
    if (item->type != REDIS_REPLY_STRING)
        return std::nullopt;
    return std::string(item->str, item->len);
}
} // namespace

LoopReader::LoopReader(EventLoop &loop, InventoryService &server, int connections)
    : m_loop(loop), m_server(server),
      m_redis(loop, RedisUrl::parse(server.config().redisUrl), server.config().redisTimeouts.command),
      m_self(std::make_shared<LoopReader *>(this))
{
    for (int i = 0; i < connections; ++i)
        m_connections.push_back(std::make_unique<AsyncPgConnection>(
            loop, server.config().pgConninfo, server.config().pgSchema, std::vector<std::string>{kSelect}));
}

LoopReader::~LoopReader() = default;

void LoopReader::open()
{
    for (auto &connection : m_connections)
        connection->open();
}

void LoopReader::read(const std::string &sku, Done done)
{
    auto &stats = m_server.counters();
    stats.reads.fetch_add(1, std::memory_order_relaxed);
    // Each read counts once: a hit, a miss, or a fail-open read from the database.
    if (!m_server.cacheRepairs().cacheTrusted()) {
        failOpen(sku, std::move(done));
        return;
    }
    NearCache::Ticket ticket;
    if (NearCache *near = m_server.nearCache()) {
        if (auto hit = near->lookup(sku, ticket)) {
            stats.cacheHits.fetch_add(1, std::memory_order_relaxed);
            done(Outcome{StockView{hit->stock, hit->version, ReadSource::Cache}, {}});
            return;
        }
    }
    auto shared = std::make_shared<Done>(std::move(done));
    getCached(
        sku,
        [this, sku, ticket, shared](std::optional<CachedStock> cached) {
            auto &stats = m_server.counters();
            if (cached) {
                if (NearCache *near = m_server.nearCache())
                    near->offer(sku, *cached, ticket);
                stats.cacheHits.fetch_add(1, std::memory_order_relaxed);
                (*shared)(Outcome{StockView{cached->stock, cached->version, ReadSource::Cache}, {}});
                return;
            }
            if (m_server.cache().pool().isCoolingDown() || m_server.cacheRepairs().distrusting()) {
                failOpen(sku, std::move(*shared));
                return;
            }
            stats.cacheMisses.fetch_add(1, std::memory_order_relaxed);
            miss(sku, std::move(*shared));
        },
        [this, sku, shared] {
            cacheFailed();
            failOpen(sku, std::move(*shared));
        });
}

void LoopReader::getCached(const std::string &sku, std::function<void(std::optional<CachedStock>)> found,
                           std::function<void()> failed)
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

void LoopReader::failOpen(const std::string &sku, Done done)
{
    m_server.counters().failOpenReads.fetch_add(1, std::memory_order_relaxed);
    readDatabase(sku, std::move(done));
}

void LoopReader::readDatabase(const std::string &sku, Done done)
{
    m_server.counters().dbFills.fetch_add(1, std::memory_order_relaxed);
    queryRow(sku, std::move(done), 1);
}

void LoopReader::queryRow(const std::string &sku, Done done, int attempt)
{
    AsyncPgConnection *least = nullptr;
    for (auto &connection : m_connections)
        if (connection->isOpen() && (!least || connection->inFlight() < least->inFlight()))
            least = connection.get();
    if (least && least->send(0, {sku}, [this, sku, done, attempt](AsyncPgConnection::Answer answer) {
            const DbError *error = answer.error ? &*answer.error : nullptr;
            if (error && attempt < kReadAttempts && error->sessionEnded()) {
                // The connection died under the read, which changes nothing: it is sent again once
                // a connection is back.
                queryLater(sku, done, attempt + 1);
            } else if (error) {
                done(Outcome{std::nullopt, error->what()});
            } else if (answer.result.rows() == 0) {
                done(Outcome{std::nullopt, UnknownSku(sku).what()});
            } else {
                done(Outcome{
                    StockView{answer.result.int32(0, 0), answer.result.int64(0, 1), ReadSource::Database},
                    {}});
            }
        })) {
        if (std::any_of(m_connections.begin(), m_connections.end(), [](auto &c) { return !c->isOpen(); }))
            scheduleReopen();
        return;
    }
    if (attempt < kReadAttempts) {
        queryLater(sku, std::move(done), attempt + 1);
        return;
    }
    scheduleReopen();
    done(
        Outcome{std::nullopt, "PostgreSQL cannot be reached: " +
                                  (m_downWhy.empty() ? std::string("its connections are down") : m_downWhy)});
}

void LoopReader::queryLater(const std::string &sku, Done done, int attempt)
{
    scheduleReopen();
    std::weak_ptr<LoopReader *> self = m_self;
    m_loop.after(kReopenAfter, [self, sku, done = std::move(done), attempt]() mutable {
        if (auto alive = self.lock())
            (*alive)->queryRow(sku, std::move(done), attempt);
    });
}

void LoopReader::miss(const std::string &sku, Done done)
{
    auto [it, fresh] = m_fills.try_emplace(sku);
    Fill &fill = it->second;
    if (fresh) {
        fill.joined.push_back(std::move(done));
        startFill(sku);
    } else if (!fill.reading) {
        fill.joined.push_back(std::move(done));
    } else {
        fill.next.push_back(std::move(done));
    }
}

void LoopReader::startFill(const std::string &sku)
{
    const std::string token = DistributedLock::newToken();
    const std::string key = StockCache::fillKey(sku, m_server.cache().prefix());
    const auto askedAt = std::chrono::steady_clock::now();
    m_redis.command({"SET", key, token, "NX", "PX", std::to_string(VersionedStrategy::kFillLease.count())},
                    [this, sku, token, askedAt](redisReply *reply) {
                        Fill &fill = m_fills[sku];
                        fill.reading = true;
                        auto &lock = m_server.lock().counters();
                        if (!reply || reply->type == REDIS_REPLY_ERROR) {
                            cacheFailed();
                            readDatabase(sku, [this, sku](Outcome outcome) { endFill(sku, outcome); });
                        } else if (reply->type == REDIS_REPLY_STATUS) {
                            lock.acquired.fetch_add(1, std::memory_order_relaxed);
                            lock.waits.record(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                  std::chrono::steady_clock::now() - askedAt)
                                                  .count());
                            leased(sku, token);
                        } else {
                            // Another server is filling this key; its value will be there in a moment.
                            lock.busy.fetch_add(1, std::memory_order_relaxed);
                            waitForOtherServer(sku, 0);
                        }
                    });
}

void LoopReader::leased(const std::string &sku, const std::string &token)
{
    // Another server may have filled it between our miss and our lease.
    getCached(
        sku,
        [this, sku, token](std::optional<CachedStock> cached) {
            if (cached) {
                release(sku, token);
                endFill(sku, Outcome{StockView{cached->stock, cached->version, ReadSource::Cache}, {}});
                return;
            }
            readDatabase(sku, [this, sku, token](const Outcome &outcome) {
                if (!outcome.view) {
                    release(sku, token);
                    endFill(sku, outcome);
                    return;
                }
                // The version fence, not the lease, keeps an old fill out: the lease only saves reads.
                const StockCache::ScriptCall call =
                    m_server.cache().setIfNewerCall(sku, outcome.view->stock, outcome.view->version);
                m_redis.eval(
                    call.script, call.keys, call.args, [this, sku, token, outcome](redisReply *reply) {
                        if (!reply || reply->type != REDIS_REPLY_INTEGER)
                            cacheFailed();
                        else if (reply->integer != 1)
                            m_server.counters().staleFillsDropped.fetch_add(1, std::memory_order_relaxed);
                        release(sku, token);
                        endFill(sku, outcome);
                    });
            });
        },
        [this, sku, token] {
            cacheFailed();
            readDatabase(sku, [this, sku](Outcome outcome) { endFill(sku, outcome); });
        });
}

void LoopReader::waitForOtherServer(const std::string &sku, int attempt)
{
    if (attempt >= VersionedStrategy::kReaderRetries) {
        readDatabase(sku, [this, sku](Outcome outcome) { endFill(sku, outcome); });
        return;
    }
    std::weak_ptr<LoopReader *> self = m_self;
    m_loop.after(VersionedStrategy::kReaderRetry, [self, sku, attempt] {
        auto alive = self.lock();
        if (!alive)
            return;
        LoopReader *reader = *alive;
        reader->getCached(
            sku,
            [reader, sku, attempt](std::optional<CachedStock> cached) {
                if (cached)
                    reader->endFill(
                        sku, Outcome{StockView{cached->stock, cached->version, ReadSource::Cache}, {}});
                else
                    reader->waitForOtherServer(sku, attempt + 1);
            },
            [reader, sku, attempt] { reader->waitForOtherServer(sku, attempt + 1); });
    });
}

void LoopReader::endFill(const std::string &sku, const Outcome &outcome)
{
    auto it = m_fills.find(sku);
    if (it == m_fills.end())
        return;
    std::vector<Done> answered = std::move(it->second.joined);
    std::vector<Done> next = std::move(it->second.next);
    m_fills.erase(it);
    if (!next.empty()) {
        m_fills[sku].joined = std::move(next);
        startFill(sku);
    }
    for (auto &done : answered)
        done(outcome);
}

void LoopReader::release(const std::string &sku, const std::string &token)
{
    const std::string key = StockCache::fillKey(sku, m_server.cache().prefix());
    m_redis.eval(DistributedLock::releaseScript(), {key}, {token}, [this](redisReply *reply) {
        if (!reply || reply->type != REDIS_REPLY_INTEGER)
            cacheFailed();
        else if (reply->integer == 0)
            m_server.lock().counters().expiredWhileHeld.fetch_add(1, std::memory_order_relaxed);
    });
}

void LoopReader::cacheFailed()
{
    m_server.counters().cacheErrors.fetch_add(1, std::memory_order_relaxed);
    m_server.cacheRepairs().noteFailure();
}

void LoopReader::scheduleReopen()
{
    if (m_reopenScheduled)
        return;
    m_reopenScheduled = true;
    std::weak_ptr<LoopReader *> self = m_self;
    m_loop.after(kReopenAfter, [self] {
        auto alive = self.lock();
        if (!alive)
            return;
        LoopReader *reader = *alive;
        reader->m_reopenScheduled = false;
        for (auto &connection : reader->m_connections) {
            if (connection->isOpen())
                continue;
            try {
                connection->open();
                reader->m_downWhy.clear();
            } catch (const DbError &e) {
                reader->m_downWhy = e.what();
                reader->scheduleReopen();
                return; // the others would fail the same way
            }
        }
    });
}

} // namespace inv
