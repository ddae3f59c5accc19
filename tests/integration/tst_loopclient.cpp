// The event-loop client against the real services: LoopWriter writes, refuses (as a result, with
// no audit row) and replays a retried request id, whichever way the retry fails; a flash sale on
// the loops sells exactly the stock with one audit row per buyer and leaves the cache at the row's
// version; a paused backend is dropped at the answer deadline and a paused Redis at the command
// timeout; a PostgreSQL restart and a Redis pause in the middle of a run lose nothing.
#include "errors.h"
#include "loop/loopwriter.h"
#include "sim/simulation.h"
#include "testservices.h"

#include <QTest>

#include <csignal>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using inv::LoopWriteOutcome;

Q_DECLARE_METATYPE(inv::StrategyKind)
using inv::StrategyKind;

class TestLoopClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void writesRefusesAndReplays();
    void retryThatFitsAgainIsReplayed();
    void replayLookupCutOffStaysInDoubt();
    void flashSaleSellsExactlyTheStock_data();
    void flashSaleSellsExactlyTheStock();
    void pausedBackendIsDroppedAtTheDeadline();
    void reconnectionSendsAtOnce();
    void pgRestartMidRunLosesNothing_data();
    void pgRestartMidRunLosesNothing();
    void redisPauseMidRunLosesNothing_data();
    void redisPauseMidRunLosesNothing();
    void pausedRedisTimesOut();
    void failedCacheStepLeavesItsMarkBeforeTheAnswer();
    void everyStrategyRunsOnTheLoop();

private:
    static inv::SimulationConfig loopFlashSale(int buyers, int stock,
                                               StrategyKind strategy = StrategyKind::Versioned);
    static void strategies(std::initializer_list<StrategyKind> kinds);
    std::unique_ptr<inv::PgConnection> m_db;
};

namespace {
inv::WriteRequest request(const std::string &sku, inv::Action action, int quantity, const std::string &id)
{
    inv::WriteRequest r;
    r.sku = sku;
    r.action = action;
    r.quantity = quantity;
    r.requestId = id;
    r.reason = "loop test";
    return r;
}

// Sends one write through the writer on its loop and waits for the answer.
LoopWriteOutcome writeOnLoop(inv::EventLoop &loop, inv::LoopWriter &writer, const inv::WriteRequest &r)
{
    std::promise<LoopWriteOutcome> answer;
    loop.post(
        [&] { writer.write(r, [&](LoopWriteOutcome outcome) { answer.set_value(std::move(outcome)); }); });
    auto future = answer.get_future();
    if (future.wait_for(30s) != std::future_status::ready)
        qFatal("the event loop did not answer within 30 s");
    return future.get();
}

// A writer (and its server's repairs) whose events are created and freed on its loop's thread.
struct LoopFixture
{
    explicit LoopFixture(inv::InventoryService &server, int connections = 2)
    {
        loop.call([&] {
            repairs = std::make_unique<inv::LoopRepairs>(loop, server);
            repairs->open();
            writer = std::make_unique<inv::LoopWriter>(loop, server, connections, 4, *repairs);
            writer->open();
        });
    }
    ~LoopFixture()
    {
        loop.call([&] {
            writer.reset();
            repairs.reset();
        });
    }
    inv::EventLoop loop;
    std::unique_ptr<inv::LoopRepairs> repairs;
    std::unique_ptr<inv::LoopWriter> writer;
};
} // namespace

void TestLoopClient::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    testservices::makeService(StrategyKind::Versioned);
}

void TestLoopClient::strategies(std::initializer_list<StrategyKind> kinds)
{
    QTest::addColumn<StrategyKind>("strategy");
    for (StrategyKind kind : kinds)
        QTest::newRow(inv::Strategy::kindName(kind)) << kind;
}

inv::SimulationConfig TestLoopClient::loopFlashSale(int buyers, int stock, StrategyKind strategy)
{
    auto config = testservices::simulationConfig(inv::ScenarioKind::FlashSale, strategy, 6, 7);
    config.servers = 3;
    config.client = inv::ClientKind::Loop;
    config.buyersRead = false;
    config.buyers = buyers;
    config.stock = stock;
    return config;
}

void TestLoopClient::writesRefusesAndReplays()
{
    auto service = testservices::makeService(StrategyKind::Versioned);
    const std::string sku = testservices::uniqueSku("LOOP");
    service->addProduct(sku, "loop", 3);
    const std::string id = "loop-" + sku;
    LoopFixture fixture(*service);
    const long long refusalsBefore = service->stats().rejections.load();

    const LoopWriteOutcome first =
        writeOnLoop(fixture.loop, *fixture.writer, request(sku, inv::Action::Purchase, 2, id + "-a"));
    QCOMPARE(first.kind, LoopWriteOutcome::Kind::Written);
    QCOMPARE(first.result.stockBefore, 3);
    QCOMPARE(first.result.stock, 1);
    QVERIFY(!first.result.replayed);
    // The cache was set by the loop's own Redis connection, fenced by the new version.
    const auto cached = service->cachedStock(sku);
    QVERIFY(cached.has_value());
    QCOMPARE(cached->stock, 1);
    QCOMPARE(cached->version, first.result.version);

    // Too much: a refusal, as a value, with the stock it found and nothing written.
    const LoopWriteOutcome refused =
        writeOnLoop(fixture.loop, *fixture.writer, request(sku, inv::Action::Purchase, 2, id + "-b"));
    QCOMPARE(refused.kind, LoopWriteOutcome::Kind::Refused);
    QCOMPARE(refused.stockSeen, 1);
    QCOMPARE(service->stats().rejections.load(), refusalsBefore + 1);
    QCOMPARE(
        m_db->exec("SELECT count(*) FROM inventory_audit WHERE request_id = $1", {id + "-b"}).int64(0, 0), 0);

    // The first request again, now that it would not fit: the statement finds its first result.
    const LoopWriteOutcome again =
        writeOnLoop(fixture.loop, *fixture.writer, request(sku, inv::Action::Purchase, 2, id + "-a"));
    QCOMPARE(again.kind, LoopWriteOutcome::Kind::Written);
    QVERIFY(again.result.replayed);
    QCOMPARE(again.result.auditId, first.result.auditId);
    QCOMPARE(again.result.version, first.result.version);

    // The same id for a different change is refused with what it was used for.
    const LoopWriteOutcome misused =
        writeOnLoop(fixture.loop, *fixture.writer, request(sku, inv::Action::Purchase, 5, id + "-a"));
    QCOMPARE(misused.kind, LoopWriteOutcome::Kind::Failed);
    QVERIFY2(misused.error.find("used already for a different change") != std::string::npos,
             misused.error.c_str());

    QCOMPARE(testservices::dbStock(*m_db, sku), 1);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1);
}

void TestLoopClient::retryThatFitsAgainIsReplayed()
{
    // A retry that still fits hits the request id's unique index (23505): the loop looks the first
    // write up and answers with it, and sells nothing twice.
    auto service = testservices::makeService(StrategyKind::Versioned);
    const std::string sku = testservices::uniqueSku("LOOPRETRY");
    service->addProduct(sku, "loop retry", 10);
    LoopFixture fixture(*service);
    const auto r = request(sku, inv::Action::Purchase, 1, "retry-" + sku);
    const LoopWriteOutcome first = writeOnLoop(fixture.loop, *fixture.writer, r);
    const LoopWriteOutcome second = writeOnLoop(fixture.loop, *fixture.writer, r);
    QCOMPARE(first.kind, LoopWriteOutcome::Kind::Written);
    QCOMPARE(second.kind, LoopWriteOutcome::Kind::Written);
    QVERIFY(!first.result.replayed);
    QVERIFY(second.result.replayed);
    QCOMPARE(second.result.auditId, first.result.auditId);
    QCOMPARE(testservices::dbStock(*m_db, sku), 9);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1);
}

void TestLoopClient::replayLookupCutOffStaysInDoubt()
{
    // A retry hits the request id's unique index, and the connection ends before the lookup of
    // the first write answers. The write committed (the index says so): it is in doubt and is
    // settled, never reported as failed. The lookup is held in the pipeline behind a purchase that
    // waits on a row lock, and that backend is terminated.
    auto service = testservices::makeService(StrategyKind::Versioned);
    const std::string sku = testservices::uniqueSku("LOOPCUT");
    const std::string held = testservices::uniqueSku("LOOPHELD");
    service->addProduct(sku, "loop cut", 10);
    service->addProduct(held, "loop held", 10);
    LoopFixture fixture(*service, 1);
    const auto retried = request(sku, inv::Action::Purchase, 1, "cut-" + sku);
    const LoopWriteOutcome first = writeOnLoop(fixture.loop, *fixture.writer, retried);
    QCOMPARE(first.kind, LoopWriteOutcome::Kind::Written);

    inv::PgConnection holder(testservices::pgUrl());
    holder.exec("BEGIN");
    holder.exec("SELECT stock FROM inventory WHERE sku = $1 FOR UPDATE", {held});
    std::promise<LoopWriteOutcome> retryAnswer, heldAnswer;
    fixture.loop.post([&] {
        fixture.writer->write(retried, [&](LoopWriteOutcome o) { retryAnswer.set_value(std::move(o)); });
        fixture.writer->write(request(held, inv::Action::Purchase, 1, "held-" + held),
                              [&](LoopWriteOutcome o) { heldAnswer.set_value(std::move(o)); });
    });
    const std::string waiting = testservices::lockWaiter(*m_db, holder, "UPDATE inventory");
    QVERIFY2(!waiting.empty(), "the held purchase never waited on the row lock");
    std::this_thread::sleep_for(200ms); // the lookup is in the pipeline behind it by now
    QCOMPARE(m_db->exec("SELECT pg_terminate_backend($1)", {waiting}).text(0, 0), std::string("t"));
    holder.exec("ROLLBACK");

    auto retryFuture = retryAnswer.get_future();
    QVERIFY(retryFuture.wait_for(30s) == std::future_status::ready);
    const LoopWriteOutcome again = retryFuture.get();
    QVERIFY2(again.kind == LoopWriteOutcome::Kind::Written, again.error.c_str());
    QVERIFY(again.inDoubt);
    QVERIFY(again.result.replayed);
    QCOMPARE(again.result.auditId, first.result.auditId);
    auto heldFuture = heldAnswer.get_future();
    QVERIFY(heldFuture.wait_for(30s) == std::future_status::ready);
    QCOMPARE(heldFuture.get().kind, LoopWriteOutcome::Kind::Written);
    QCOMPARE(testservices::dbStock(*m_db, sku), 9);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1);
    QCOMPARE(testservices::dbStock(*m_db, held), 9);
}

void TestLoopClient::flashSaleSellsExactlyTheStock_data()
{
    strategies({StrategyKind::Versioned, StrategyKind::Combined, StrategyKind::Locked});
}

void TestLoopClient::flashSaleSellsExactlyTheStock()
{
    QFETCH(StrategyKind, strategy);
    inv::Simulation simulation(loopFlashSale(3000, 100, strategy));
    const inv::SimulationReport report = simulation.run();
    qInfo("loop flash sale: %lld sold, %lld refused, %lld errors, %.0f buyers/s", report.successes,
          report.rejections, report.errors, 3000 / report.durationSeconds);
    QVERIFY2(report.errors == 0, report.humanSummary().c_str());
    QCOMPARE(report.successes, 100LL);
    QCOMPARE(report.rejections, 2900LL);
    QCOMPARE(report.write.count, 3000LL);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QCOMPARE(report.auditRows, 100LL);
    QCOMPARE(report.finalDbStock, 0LL);
    // The last write's cache update landed: the cache agrees with the row.
    QVERIFY(report.finalCacheStock.has_value());
    QCOMPARE(*report.finalCacheStock, 0LL);
    QCOMPARE(report.correct(), std::optional<bool>(true));
    // `combined` on the loop batches the buyers that wait behind a write in flight.
    if (strategy == StrategyKind::Combined)
        QVERIFY2(report.combining.largest() > 1, report.humanSummary().c_str());
    else
        QCOMPARE(report.combining.batchCount(), 0LL);
}

void TestLoopClient::reconnectionSendsAtOnce()
{
    // A connection made again from the loop's events tells its owner when it is open, with its
    // statements queued to be prepared; those prepares do not count against the owner's depth, so
    // what waited is sent behind them at once, not left for an event that may never come.
    inv::EventLoop loop;
    std::unique_ptr<inv::AsyncPgConnection> connection;
    std::promise<std::size_t> opened;
    const std::vector<std::string> statements{"SELECT pg_backend_pid()", "SELECT 1", "SELECT 2", "SELECT 3",
                                              "SELECT 4"};
    loop.call([&] {
        connection = std::make_unique<inv::AsyncPgConnection>(loop, testservices::pgUrl(), "", statements);
        connection->open();
    });
    std::promise<inv::AsyncPgConnection::Answer> first;
    loop.post([&] {
        connection->send(0, {}, [&](inv::AsyncPgConnection::Answer a) { first.set_value(std::move(a)); });
    });
    auto firstFuture = first.get_future();
    QVERIFY(firstFuture.wait_for(10s) == std::future_status::ready);
    const auto pid = firstFuture.get();
    QVERIFY(!pid.error);
    m_db->exec("SELECT pg_terminate_backend($1)", {std::to_string(pid.result.int64(0, 0))});
    // The connection may have seen the termination before this send (it is then closed and the send
    // refused) or only through it (the answer is an error); either way it ends closed.
    std::promise<bool> lost;
    loop.post([&] {
        if (!connection->send(0, {},
                              [&](inv::AsyncPgConnection::Answer a) { lost.set_value(a.error.has_value()); }))
            lost.set_value(!connection->isOpen());
    });
    auto lostFuture = lost.get_future();
    QVERIFY(lostFuture.wait_for(10s) == std::future_status::ready);
    QVERIFY(lostFuture.get());
    std::promise<inv::AsyncPgConnection::Answer> after;
    loop.post([&] {
        connection->onOpen([&] {
            opened.set_value(connection->inFlight());
            connection->send(1, {}, [&](inv::AsyncPgConnection::Answer a) { after.set_value(std::move(a)); });
        });
        connection->reconnect();
    });
    auto openedFuture = opened.get_future();
    QVERIFY(openedFuture.wait_for(10s) == std::future_status::ready);
    QCOMPARE(openedFuture.get(), std::size_t(0));
    auto answer = after.get_future();
    QVERIFY(answer.wait_for(10s) == std::future_status::ready);
    const auto one = answer.get();
    QVERIFY2(!one.error, one.error ? one.error->what() : "");
    QCOMPARE(one.result.int32(0, 0), 1);
    loop.call([&] { connection.reset(); });
}

void TestLoopClient::pausedBackendIsDroppedAtTheDeadline()
{
    // The server stops answering (its backend is paused, SIGSTOP): the connection is dropped at the
    // answer deadline, the statement is answered as in doubt, and the next connection works.
    const std::string conninfo = testservices::pgUrl() +
                                 (testservices::pgUrl().find('?') == std::string::npos ? "?" : "&") +
                                 "options=-c%20statement_timeout%3D200";
    inv::EventLoop loop;
    std::unique_ptr<inv::AsyncPgConnection> connection;
    loop.call([&] {
        connection = std::make_unique<inv::AsyncPgConnection>(
            loop, conninfo, "", std::vector<std::string>{"SELECT pg_backend_pid()"});
        connection->open();
    });
    auto ask = [&] {
        std::promise<inv::AsyncPgConnection::Answer> answer;
        loop.post([&] {
            if (!connection->isOpen())
                connection->open();
            connection->send(0, {},
                             [&](inv::AsyncPgConnection::Answer a) { answer.set_value(std::move(a)); });
        });
        return testservices::answered(answer.get_future(), "the statement");
    };
    const auto first = ask();
    QVERIFY(!first.error);
    const pid_t backend = static_cast<pid_t>(first.result.int64(0, 0));
    QCOMPARE(::kill(backend, SIGSTOP), 0);
    const auto sent = std::chrono::steady_clock::now();
    const auto paused = ask();
    const auto waited = std::chrono::steady_clock::now() - sent;
    ::kill(backend, SIGCONT);
    QVERIFY(paused.error.has_value());
    QVERIFY2(paused.error->sessionEnded(), paused.error->what());
    QVERIFY2(std::string(paused.error->what()).find("did not answer") != std::string::npos,
             paused.error->what());
    // statement_timeout 200 ms plus the 5 s grace, checked every 50 ms.
    QVERIFY(waited >= 5200ms);
    QVERIFY(waited < 8s);
    const auto after = ask();
    QVERIFY(!after.error);
    QVERIFY(after.result.int64(0, 0) != backend);
    loop.call([&] { connection.reset(); });
}

void TestLoopClient::pgRestartMidRunLosesNothing_data()
{
    // `locked` commits with the statement `versioned` sends; `combined` sends batches.
    strategies({StrategyKind::Versioned, StrategyKind::Combined});
}

void TestLoopClient::pgRestartMidRunLosesNothing()
{
    QFETCH(StrategyKind, strategy);
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty())
        QSKIP("needs a sandbox it may restart (INVENTORY_SANDBOX_DIR)");
    // Deep stock: every buyer writes, so the restart finds writes in flight on every connection
    // (`combined`: batches in flight). One hot row on a durable PostgreSQL takes about 2,000 single
    // purchases a second, and `combined` several times that: each run lasts a few seconds.
    auto config = loopFlashSale(strategy == StrategyKind::Combined ? 20'000 : 6'000, 1'000'000, strategy);
    config.faults = {inv::FaultSpec::parse("pg-restart@300ms+500ms")};
    config.sandboxDir = dir;
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    qInfo("loop under pg-restart: %lld sold, %lld errors, in doubt %lld, settled %lld, committed before %lld",
          report.successes, report.errors, report.inDoubt, report.inDoubtResolved, report.inDoubtCommitted);
    QVERIFY2(report.inDoubt > 0, "the restart found no write in flight: the check did not run");
    QCOMPARE(report.inDoubtResolved, report.inDoubt);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QCOMPARE(report.oversold, 0LL);
    // Every committed purchase was acknowledged once, and every acknowledged one is in the audit log.
    QCOMPARE(report.auditRows, report.successes);
    QCOMPARE(report.initialStock - report.finalDbStock, report.successes);
}

void TestLoopClient::redisPauseMidRunLosesNothing_data()
{
    strategies({StrategyKind::Versioned, StrategyKind::Combined, StrategyKind::Locked});
}

void TestLoopClient::redisPauseMidRunLosesNothing()
{
    QFETCH(StrategyKind, strategy);
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty())
        QSKIP("needs a sandbox it may pause (INVENTORY_SANDBOX_DIR)");
    // Redis stops answering: the loop's cache steps time out (they never hang), each commit leaves
    // its repair mark, and once Redis is back the cache ends at the row's version.
    // A few seconds of single purchases on one hot row, as above.
    auto config = loopFlashSale(strategy == StrategyKind::Combined ? 20'000 : 6'000, 1'000'000, strategy);
    config.faults = {inv::FaultSpec::parse("redis-pause@200ms+800ms")};
    config.sandboxDir = dir;
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    qInfo("loop under redis-pause: %lld sold, %lld errors", report.successes, report.errors);
    QCOMPARE(report.errors, 0LL);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QVERIFY(report.divergentKeysAtEnd.has_value());
    QCOMPARE(*report.divergentKeysAtEnd, 0LL);
    QVERIFY(report.finalCacheStock.has_value());
    QCOMPARE(*report.finalCacheStock, report.finalDbStock);
}

void TestLoopClient::pausedRedisTimesOut()
{
    // Redis stops answering (SIGSTOP): a command is answered with nullptr at the command timeout,
    // not left hanging, and the next command opens a new connection once Redis is back.
    inv::RedisConnection sync(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    const std::string info = sync.command({"INFO", "server"}).str();
    const auto at = info.find("process_id:");
    QVERIFY(at != std::string::npos);
    const pid_t redis = static_cast<pid_t>(std::stol(info.substr(at + 11)));
    inv::EventLoop loop;
    std::unique_ptr<inv::AsyncRedis> async;
    loop.call([&] {
        async =
            std::make_unique<inv::AsyncRedis>(loop, inv::RedisUrl::parse(testservices::redisUrl()), 250ms);
    });
    auto ping = [&] {
        std::promise<std::string> answer;
        loop.post([&] {
            async->command({"PING"}, [&](redisReply *reply) {
                answer.set_value(reply && reply->type == REDIS_REPLY_STATUS
                                     ? std::string(reply->str, reply->len)
                                     : std::string("(failed)"));
            });
        });
        return testservices::answered(answer.get_future(), "the PING");
    };
    QCOMPARE(ping(), std::string("PONG"));
    QCOMPARE(::kill(redis, SIGSTOP), 0);
    const auto sent = std::chrono::steady_clock::now();
    const std::string paused = ping();
    const auto waited = std::chrono::steady_clock::now() - sent;
    ::kill(redis, SIGCONT);
    QCOMPARE(paused, std::string("(failed)"));
    QVERIFY(waited >= 250ms);
    QVERIFY(waited < 2s);
    QCOMPARE(ping(), std::string("PONG"));
    loop.call([&] { async.reset(); });
}

void TestLoopClient::failedCacheStepLeavesItsMarkBeforeTheAnswer()
{
    // Nothing listens on port 1: every cache step fails. A write is answered only once its repair
    // mark is in PostgreSQL, stored on the loop over the repairs' own connection; so is a replay of
    // it, whose first attempt's cache step may have been lost with its acknowledgement.
    inv::ServiceConfig config;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = "redis://127.0.0.1:1";
    config.strategy = StrategyKind::Versioned;
    config.pgConnections = 2;
    config.redisConnections = 2;
    inv::InventoryService server(config);
    // Its own connection: an earlier case restarted PostgreSQL under the shared one.
    inv::PgConnection db(testservices::pgUrl());
    const std::string sku = testservices::uniqueSku("LMARK");
    db.exec("INSERT INTO inventory (sku, name, stock, version, updated_at) VALUES ($1, 'mark', 5, 1, now())",
            {sku});
    LoopFixture fixture(server);
    const long long owedBefore = server.stats().repairsOwed.load();
    const auto purchase = request(sku, inv::Action::Purchase, 2, "lmark-" + sku);
    const auto first = writeOnLoop(fixture.loop, *fixture.writer, purchase);
    QCOMPARE(first.kind, LoopWriteOutcome::Kind::Written);
    QCOMPARE(first.result.version, std::int64_t(2));
    auto mark = db.exec("SELECT version FROM cache_repairs WHERE sku = $1", {sku});
    QCOMPARE(mark.rows(), 1);
    QCOMPARE(mark.int64(0, 0), std::int64_t(2));
    QCOMPARE(server.stats().repairsOwed.load(), owedBefore + 1);
    QVERIFY(server.cacheRepairs().distrusting());

    db.exec("DELETE FROM cache_repairs WHERE sku = $1", {sku});
    const auto replay = writeOnLoop(fixture.loop, *fixture.writer, purchase);
    QCOMPARE(replay.kind, LoopWriteOutcome::Kind::Written);
    QVERIFY(replay.result.replayed);
    mark = db.exec("SELECT version FROM cache_repairs WHERE sku = $1", {sku});
    QCOMPARE(mark.rows(), 1);
    QCOMPARE(mark.int64(0, 0), std::int64_t(2));
    QCOMPARE(server.stats().repairsOwed.load(), owedBefore + 2);
    QCOMPARE(testservices::dbStock(db, sku), 3);
    db.exec("DELETE FROM cache_repairs WHERE sku = $1", {sku});
}

void TestLoopClient::everyStrategyRunsOnTheLoop()
{
    // The default client is the loop, for every strategy and with a race delay too; the threads
    // stay behind --client threads for comparison.
    auto config = loopFlashSale(10, 10);
    for (StrategyKind kind : {StrategyKind::Unsafe, StrategyKind::Naive, StrategyKind::Locked,
                              StrategyKind::Versioned, StrategyKind::Combined}) {
        config.strategy = kind;
        config.raceDelay = std::chrono::milliseconds(kind == StrategyKind::Naive ? 5 : 0);
        config.client = inv::ClientKind::Auto;
        QCOMPARE(config.clientUsed(), inv::ClientKind::Loop);
        config.validate();
        config.client = inv::ClientKind::Threads;
        QCOMPARE(config.clientUsed(), inv::ClientKind::Threads);
    }
    QVERIFY_EXCEPTION_THROWN(inv::SimulationConfig::parseClient("fibers"), inv::InvalidInput);
}

QTEST_GUILESS_MAIN(TestLoopClient)
#include "tst_loopclient.moc"
