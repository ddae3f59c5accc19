#include "loop/loopreader.h"

#include "inventory/lockedstrategy.h"
#include "inventory/versionedstrategy.h"

#include <algorithm>

namespace inv {

namespace {
constexpr std::chrono::microseconds kReopenAfter{100'000};
// A read whose connection died under it, or that found none open, is sent again this many times in
// all, kReopenAfter apart: a PostgreSQL restart of a few hundred milliseconds costs no read.
constexpr int kReadAttempts = 4;

const char *const kSelect = "SELECT stock, version FROM inventory WHERE sku = $1";

} // namespace

LoopReader::LoopReader(EventLoop &loop, InventoryService &server, int connections, LoopRepairs &repairs)
    : m_loop(loop), m_server(server), m_repairs(repairs), m_cache(loop, server),
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

bool LoopReader::connecting() const
{
    return std::any_of(m_connections.begin(), m_connections.end(), [](auto &c) { return c->isConnecting(); });
}

void LoopReader::read(const std::string &sku, Done done)
{
    auto &stats = m_server.counters();
    stats.reads.fetch_add(1, std::memory_order_relaxed);
    // Each read counts once: a hit, a miss, or a fail-open read from the database.
    if (!m_repairs.trusted()) {
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
    m_cache.get(
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
            m_cache.failed();
            failOpen(sku, std::move(*shared));
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
    switch (m_server.strategy()) {
    case StrategyKind::Unsafe:
    case StrategyKind::Naive:
        plainFill(sku, std::move(done));
        return;
    case StrategyKind::Locked:
        lockedFill(sku, std::move(done));
        return;
    case StrategyKind::Versioned:
    case StrategyKind::Combined:
        break;
    }
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
    m_cache.lock().acquire(StockCache::fillKey(sku, m_server.cache().prefix()), VersionedStrategy::kFillLease,
                           {}, [this, sku](LoopLock::Taken taken) {
                               m_fills[sku].reading = true;
                               if (taken.failed) {
                                   m_cache.failed();
                                   readDatabase(sku, [this, sku](Outcome outcome) { endFill(sku, outcome); });
                               } else if (taken.handle) {
                                   leased(sku, *taken.handle);
                               } else {
                                   // Another server is filling this key; its value will be there in a moment.
                                   awaitValue(sku, VersionedStrategy::kReaderRetry,
                                              VersionedStrategy::kReaderRetries,
                                              [this, sku](Outcome outcome) { endFill(sku, outcome); });
                               }
                           });
}

void LoopReader::leased(const std::string &sku, const LockHandle &lease)
{
    // Another server may have filled it between our miss and our lease.
    m_cache.get(
        sku,
        [this, sku, lease](std::optional<CachedStock> cached) {
            if (cached) {
                m_cache.release(lease);
                endFill(sku, Outcome{StockView{cached->stock, cached->version, ReadSource::Cache}, {}});
                return;
            }
            readDatabase(sku, [this, sku, lease](const Outcome &outcome) {
                if (!outcome.view) {
                    m_cache.release(lease);
                    endFill(sku, outcome);
                    return;
                }
                // The version fence, not the lease, keeps an old fill out: the lease only saves reads.
                m_cache.fill(sku, *outcome.view, std::chrono::steady_clock::now(),
                             [this, sku, lease, outcome] {
                                 m_cache.release(lease);
                                 endFill(sku, outcome);
                             });
            });
        },
        [this, sku, lease] {
            m_cache.failed();
            m_cache.release(lease);
            readDatabase(sku, [this, sku](Outcome outcome) { endFill(sku, outcome); });
        });
}

void LoopReader::plainFill(const std::string &sku, Done done)
{
    // No lease and no fence: every missing read fills, and an older fill may land last.
    readDatabase(sku, [this, sku, done = std::move(done)](Outcome outcome) {
        if (!outcome.view) {
            done(outcome);
            return;
        }
        m_cache.afterRace([this, sku, done, outcome] {
            m_cache.setPlain(sku, outcome.view->stock, outcome.view->version,
                             [this, done, outcome](bool stored) {
                                 if (!stored)
                                     m_cache.failed();
                                 done(outcome);
                             });
        });
    });
}

void LoopReader::lockedFill(const std::string &sku, Done done)
{
    const auto lease = m_server.config().lockLease;
    m_cache.lock().acquire(
        StockCache::lockKey(sku, m_server.cache().prefix()), lease, {},
        [this, sku, lease, done = std::move(done)](LoopLock::Taken taken) {
            if (taken.failed) {
                m_cache.failed();
                readDatabase(sku, done);
                return;
            }
            if (!taken.handle) {
                awaitValue(sku, LockedStrategy::kReaderRetry, LockedStrategy::kReaderRetries, done);
                return;
            }
            const LockHandle handle = *taken.handle;
            // Someone may have filled it between our miss and our lock.
            m_cache.get(
                sku,
                [this, sku, lease, handle, done](std::optional<CachedStock> cached) {
                    if (cached) {
                        m_cache.release(handle);
                        done(Outcome{StockView{cached->stock, cached->version, ReadSource::Cache}, {}});
                        return;
                    }
                    readDatabase(sku, [this, sku, lease, handle, done](const Outcome &outcome) {
                        if (!outcome.view) {
                            m_cache.release(handle);
                            done(outcome);
                            return;
                        }
                        m_cache.fill(
                            sku, *outcome.view, std::chrono::steady_clock::now(),
                            [this, handle, done, outcome] {
                                m_cache.release(handle);
                                done(outcome);
                            },
                            [handle, lease] { return LockedStrategy::leaseLeft(handle, lease); });
                    });
                },
                [this, sku, handle, done] {
                    m_cache.failed();
                    m_cache.release(handle);
                    readDatabase(sku, done);
                });
        });
}

void LoopReader::awaitValue(const std::string &sku, std::chrono::milliseconds pause, int attemptsLeft,
                            Done done)
{
    if (attemptsLeft <= 0) {
        readDatabase(sku, std::move(done));
        return;
    }
    std::weak_ptr<LoopReader *> self = m_self;
    m_loop.after(pause, [self, sku, pause, attemptsLeft, done = std::move(done)] {
        auto alive = self.lock();
        if (!alive)
            return;
        LoopReader *reader = *alive;
        reader->m_cache.get(
            sku,
            [reader, sku, pause, attemptsLeft, done](std::optional<CachedStock> cached) {
                if (cached)
                    done(Outcome{StockView{cached->stock, cached->version, ReadSource::Cache}, {}});
                else
                    reader->awaitValue(sku, pause, attemptsLeft - 1, done);
            },
            [reader, sku, pause, attemptsLeft, done] {
                reader->awaitValue(sku, pause, attemptsLeft - 1, done);
            });
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
        bool down = false;
        for (auto &connection : reader->m_connections) {
            if (connection->isOpen())
                continue;
            // Started without waiting; looked at again on the next round.
            connection->reconnect();
            down = true;
            if (!connection->downWhy().empty())
                reader->m_downWhy = connection->downWhy();
        }
        if (down)
            reader->scheduleReopen();
        else
            reader->m_downWhy.clear();
    });
}

} // namespace inv
