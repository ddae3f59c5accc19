#include "loop/loopwriter.h"

#include "inventory/conditionalwrite.h"
#include "inventory/purchasebatch.h"
#include "inventory/quantity.h"

namespace inv {

namespace {
constexpr timeval kReopenAfter{0, 100 * 1000};
constexpr int kRaceAttempts = 3;
const char *const kSelect = "SELECT stock, version FROM inventory WHERE sku = $1";
} // namespace

LoopWriter::LoopWriter(EventLoop &loop, InventoryService &server, int connections, int depth,
                       LoopRepairs &repairs)
    : m_loop(loop), m_server(server), m_repairs(repairs), m_depth(depth), m_cache(loop, server),
      m_batcher(
          server, m_cache, repairs,
          [this](WriteRequest request, Done done, bool inDoubt) {
              writeAlone(std::move(request), std::move(done), inDoubt);
          },
          [this](std::vector<PgParam> params, AsyncPgConnection::Callback answered) {
              Job job;
              job.queuedAt = std::chrono::steady_clock::now();
              job.batch = std::move(answered);
              job.batchParams = std::move(params);
              m_queue.push_back(std::move(job));
              dispatch();
          })
{
    for (int i = 0; i < connections; ++i)
        m_connections.push_back(std::make_unique<AsyncPgConnection>(
            loop, server.config().pgConninfo, server.config().pgSchema,
            std::vector<std::string>{ConditionalWrite::sql(Action::Purchase),
                                     ConditionalWrite::sql(Action::Restock), ConditionalWrite::replaySql(),
                                     InventoryStore::computedSql(), kSelect, PurchaseBatch::sql()}));
    // A write that waited for a connection goes as soon as one is back (a backend may be terminated
    // again within milliseconds).
    for (auto &connection : m_connections)
        connection->onOpen([this] { dispatch(); });
    m_reopen.reset(event_new(loop.base(), -1, 0, &LoopWriter::onReopen, this));
}

LoopWriter::~LoopWriter() = default;

void LoopWriter::open()
{
    for (auto &connection : m_connections)
        connection->open();
}

void LoopWriter::write(WriteRequest request, Done done)
{
    if (m_server.strategy() == StrategyKind::Combined && LoopBatcher::takes(request)) {
        m_batcher.add(std::move(request), std::move(done));
        return;
    }
    writeAlone(std::move(request), std::move(done), false);
}

void LoopWriter::writeAlone(WriteRequest request, Done done, bool inDoubt)
{
    Job job;
    job.inDoubt = inDoubt;
    job.request = std::move(request);
    job.done = std::move(done);
    job.queuedAt = std::chrono::steady_clock::now();
    job.strategy = m_server.strategy();
    try {
        Quantity::checkWriteText(job.request);
        if (job.request.action == Action::Adjust)
            throw InvalidInput("the event loop writes purchases and restocks only");
    } catch (const Error &e) {
        finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, e.what()});
        return;
    }
    if (job.strategy == StrategyKind::Unsafe) {
        check(std::move(job));
        return;
    }
    m_queue.push_back(std::move(job));
    dispatch();
}

void LoopWriter::check(Job job)
{
    // Check-then-act with nothing held in between: the flaw `unsafe` exists to show. The check is
    // part of the write, so it is not counted as a read.
    auto shared = std::make_shared<Job>(std::move(job));
    m_cache.get(
        shared->request.sku,
        [this, shared](std::optional<CachedStock> cached) {
            if (cached)
                shared->seen = cached->stock;
            m_queue.push_back(std::move(*shared));
            dispatch();
        },
        [this, shared] {
            m_cache.failed();
            m_queue.push_back(std::move(*shared));
            dispatch();
        });
}

void LoopWriter::dispatch()
{
    bool down = false;
    for (auto &connection : m_connections) {
        if (!connection->isOpen()) {
            down = true;
            continue;
        }
        while (!m_queue.empty() && connection->inFlight() < static_cast<std::size_t>(m_depth)) {
            Job job = std::move(m_queue.front());
            m_queue.pop_front();
            send(*connection, std::move(job));
            if (!connection->isOpen())
                break;
        }
    }
    if (down)
        scheduleReopen();
}

void LoopWriter::send(AsyncPgConnection &connection, Job job)
{
    if (job.batch) {
        auto shared = std::make_shared<Job>(std::move(job));
        if (!connection.send(Batch, shared->batchParams, [shared](AsyncPgConnection::Answer answer) {
                shared->batch(std::move(answer));
            }))
            m_queue.push_front(std::move(*shared));
        return;
    }
    Statement statement = job.request.action == Action::Restock ? Restock : Purchase;
    std::vector<PgParam> params;
    if (job.strategy == StrategyKind::Unsafe && !job.seen) {
        statement = Row;
        params = {job.request.sku};
    } else if (job.strategy == StrategyKind::Unsafe) {
        statement = Computed;
        try {
            params = m_server.store().computedParams(job.request, *job.seen,
                                                     InventoryStore::computeAfter(job.request, *job.seen));
        } catch (const InsufficientStock &) {
            m_server.loopRefused();
            finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Refused, {}, *job.seen, {}});
            return;
        } catch (const Error &e) {
            finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, e.what()});
            return;
        }
    } else {
        params = ConditionalWrite::params(
            job.request, m_server.store().serverId(),
            m_server.store().actor().empty() ? PgParam() : PgParam(m_server.store().actor()));
    }
    auto shared = std::make_shared<Job>(std::move(job));
    if (!connection.send(statement, params, [this, shared, statement](AsyncPgConnection::Answer answer) {
            if (statement == Row)
                sawRow(std::move(*shared), std::move(answer));
            else
                answered(std::move(*shared), std::move(answer));
        }))
        m_queue.push_front(std::move(*shared));
}

void LoopWriter::sawRow(Job job, AsyncPgConnection::Answer answer)
{
    if (answer.error && answer.error->sessionEnded()) {
        // A read changes nothing: it is read again once a connection is back.
        m_queue.push_front(std::move(job));
        scheduleReopen();
        return;
    }
    if (answer.error) {
        finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, answer.error->what()});
    } else if (answer.result.rows() == 0) {
        finish(job,
               LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, UnknownSku(job.request.sku).what()});
    } else {
        job.seen = answer.result.int32(0, 0);
        m_queue.push_front(std::move(job));
    }
    dispatch();
}

void LoopWriter::answered(Job job, AsyncPgConnection::Answer answer)
{
    if (answer.error) {
        if (answer.error->sessionEnded()) {
            // Committed or not, nobody knows: the same request id again settles it.
            if (!job.inDoubt)
                job.queuedAt = std::chrono::steady_clock::now();
            job.inDoubt = true;
            job.lastError = answer.error->what();
            m_queue.push_front(std::move(job));
            scheduleReopen();
            return;
        }
        if (answer.error->sqlstate() == "23505") {
            replayEarlier(std::move(job));
            return;
        }
        finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, answer.error->what()});
        dispatch();
        return;
    }
    if (job.strategy == StrategyKind::Unsafe) {
        if (answer.result.rows() == 0)
            finish(job, LoopWriteOutcome{
                            LoopWriteOutcome::Kind::Failed, {}, 0, UnknownSku(job.request.sku).what()});
        else
            updateCache(std::move(job), InventoryStore::readComputed(answer.result, *job.seen));
        dispatch();
        return;
    }
    conditionalAnswered(std::move(job), answer.result);
}

void LoopWriter::conditionalAnswered(Job job, const PgResult &row)
{
    ConditionalAnswer conditional;
    try {
        conditional = ConditionalWrite::read(row, job.request);
    } catch (const Error &e) {
        finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, e.what()});
        dispatch();
        return;
    }
    switch (conditional.kind) {
    case ConditionalAnswer::Kind::Written:
        if (conditional.result.replayed) {
            replayed(std::move(job), conditional.result);
        } else {
            updateCache(std::move(job), conditional.result);
        }
        break;
    case ConditionalAnswer::Kind::Refused:
        m_server.loopRefused();
        finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Refused, {}, conditional.stockSeen, {}});
        break;
    case ConditionalAnswer::Kind::Raced:
        if (++job.raced < kRaceAttempts) {
            m_queue.push_front(std::move(job));
        } else {
            finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed,
                                         {},
                                         0,
                                         "the stock of '" + job.request.sku +
                                             "' kept changing under concurrent writes; nothing was written"});
        }
        break;
    case ConditionalAnswer::Kind::UnknownSku:
        finish(job,
               LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, UnknownSku(job.request.sku).what()});
        break;
    }
    dispatch();
}

void LoopWriter::replayEarlier(Job job)
{
    for (auto &connection : m_connections) {
        if (!connection->isOpen())
            continue;
        auto shared = std::make_shared<Job>(std::move(job));
        connection->send(
            Replay, {shared->request.requestId}, [this, shared](AsyncPgConnection::Answer answer) {
                Job &job = *shared;
                if (answer.error) {
                    // The request id is taken, so a write with it committed, but which one and with
                    // what result is unknown until the lookup answers: in doubt, like a lost answer.
                    if (!job.inDoubt)
                        job.queuedAt = std::chrono::steady_clock::now();
                    job.inDoubt = true;
                    job.lastError = answer.error->what();
                    if (answer.error->sessionEnded()) {
                        m_queue.push_front(std::move(job));
                        scheduleReopen();
                        return;
                    }
                    finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, job.lastError});
                    dispatch();
                    return;
                }
                try {
                    if (auto earlier = ConditionalWrite::readReplay(answer.result, job.request)) {
                        replayed(std::move(job), *earlier);
                        return;
                    }
                    finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed,
                                                 {},
                                                 0,
                                                 "request id '" + job.request.requestId +
                                                     "' is taken, but by no audit row"});
                } catch (const Error &e) {
                    finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, e.what()});
                }
            });
        return;
    }
    job.inDoubt = true;
    m_queue.push_front(std::move(job));
    scheduleReopen();
}

void LoopWriter::updateCache(Job job, WriteResult result)
{
    auto shared = std::make_shared<Job>(std::move(job));
    m_cache.afterWrite(
        shared->strategy, shared->request, result,
        [this](const std::string &sku, LoopCache::RowRead then) { return readRow(sku, std::move(then)); },
        [this, shared, result](std::chrono::steady_clock::time_point at, bool current) mutable {
            result.cacheUpdateAt = at;
            written(std::move(*shared), result, current);
        });
}

bool LoopWriter::readRow(const std::string &sku, LoopCache::RowRead then)
{
    AsyncPgConnection *connection = leastBusy();
    return connection && connection->send(Row, {sku}, [then](AsyncPgConnection::Answer row) {
        if (row.error || row.result.rows() == 0)
            then(std::nullopt);
        else
            then(StockView{row.result.int32(0, 0), row.result.int64(0, 1), ReadSource::Database});
    });
}

void LoopWriter::written(Job job, const WriteResult &result, bool cacheCurrent)
{
    auto shared = std::make_shared<Job>(std::move(job));
    m_repairs.written(shared->request.sku, result.version, cacheCurrent, 1, [this, shared, result] {
        finish(*shared, LoopWriteOutcome{LoopWriteOutcome::Kind::Written, result, 0, {}});
    });
}

void LoopWriter::replayed(Job job, const WriteResult &result)
{
    auto shared = std::make_shared<Job>(std::move(job));
    m_repairs.owe(shared->request.sku, result.version, [this, shared, result] {
        finish(*shared, LoopWriteOutcome{LoopWriteOutcome::Kind::Written, result, 0, {}});
    });
}

AsyncPgConnection *LoopWriter::leastBusy()
{
    AsyncPgConnection *least = nullptr;
    for (auto &connection : m_connections)
        if (connection->isOpen() && (!least || connection->inFlight() < least->inFlight()))
            least = connection.get();
    return least;
}

void LoopWriter::finish(Job &job, LoopWriteOutcome outcome)
{
    outcome.inDoubt = job.inDoubt;
    // Redis's invalidation of this write reaches the server's near cache too, but later:
    // read-your-writes.
    if (outcome.kind == LoopWriteOutcome::Kind::Written && m_server.nearCache())
        m_server.nearCache()->evict(job.request.sku);
    job.done(std::move(outcome));
}

void LoopWriter::scheduleReopen()
{
    if (m_reopenScheduled)
        return;
    m_reopenScheduled = true;
    event_add(m_reopen.get(), &kReopenAfter);
}

void LoopWriter::onReopen(evutil_socket_t, short, void *self)
{
    auto *writer = static_cast<LoopWriter *>(self);
    writer->m_reopenScheduled = false;
    std::string why;
    for (auto &connection : writer->m_connections) {
        if (connection->isOpen())
            continue;
        // Started without waiting; dispatch() asks again while a connection is down.
        connection->reconnect();
        if (why.empty())
            why = connection->downWhy().empty() ? "no PostgreSQL connection is open" : connection->downWhy();
    }
    // Writes that waited too long for a connection end here, with what stopped them.
    const auto now = std::chrono::steady_clock::now();
    std::deque<Job> waiting;
    waiting.swap(writer->m_queue);
    for (auto &job : waiting) {
        if (now - job.queuedAt < kSettleWithin || why.empty()) {
            writer->m_queue.push_back(std::move(job));
            continue;
        }
        const std::string error = (job.inDoubt ? "in doubt, not settled within 20 s: " : "") +
                                  (job.lastError.empty() ? why : job.lastError);
        if (job.batch)
            job.batch(AsyncPgConnection::Answer{{}, DbError(error, "XX000")});
        else
            writer->finish(job, LoopWriteOutcome{LoopWriteOutcome::Kind::Failed, {}, 0, error});
    }
    writer->dispatch();
}

} // namespace inv
