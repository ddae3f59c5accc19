// The event loop's reads against the real services: a miss fills the cache fenced by the row's
// version and the next read hits; misses of one key on one loop read the row once; a read is
// answered while a write of the same server waits on a row lock (its own connection); Redis
// unreachable sends reads to PostgreSQL; a read outlives its terminated connection; another
// server's fill lease is waited for, then given up on; the server's own write is read at once
// through its near cache; and the mixed scenario on the loops keeps the books, with and without
// the near cache (whose reads may be stale only inside an invalidation window).
#include "loop/loopreader.h"
#include "loop/loopwriter.h"
#include "sim/simulation.h"
#include "testservices.h"

#include <QTest>

#include <future>

using namespace std::chrono_literals;
using inv::LoopReader;
using inv::StrategyKind;

class TestLoopReader : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void missFillsFencedThenHits();
    void missesOfOneKeyReadTheRowOnce();
    void readIsNotQueuedBehindAWrite();
    void redisUnreachableReadsFromPostgres();
    void readOutlivesATerminatedConnection();
    void anotherServersFillIsWaitedFor();
    void ownWriteIsReadAtOnceThroughTheNearCache();
    void mixedOnTheLoopKeepsTheBooks_data();
    void mixedOnTheLoopKeepsTheBooks();

private:
    std::unique_ptr<inv::PgConnection> m_db;
};

namespace {
// A reader (and a writer with one connection) whose events are created and freed on its loop.
struct ReaderFixture
{
    explicit ReaderFixture(inv::InventoryService &server)
    {
        loop.call([&] {
            reader = std::make_unique<LoopReader>(loop, server, 1);
            reader->open();
            writer = std::make_unique<inv::LoopWriter>(loop, server, 1, 4);
            writer->open();
        });
    }
    ~ReaderFixture()
    {
        loop.call([&] {
            writer.reset();
            reader.reset();
        });
    }
    LoopReader::Outcome read(const std::string &sku)
    {
        std::promise<LoopReader::Outcome> answer;
        loop.post([&] { reader->read(sku, [&](LoopReader::Outcome o) { answer.set_value(std::move(o)); }); });
        auto future = answer.get_future();
        if (future.wait_for(30s) != std::future_status::ready)
            qFatal("the event loop did not answer the read within 30 s");
        return future.get();
    }
    inv::EventLoop loop;
    std::unique_ptr<LoopReader> reader;
    std::unique_ptr<inv::LoopWriter> writer;
};

std::unique_ptr<inv::InventoryService> serviceWithRedis(const std::string &redisUrl, bool nearCache = false)
{
    inv::ServiceConfig config;
    config.nearCache = nearCache;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = redisUrl;
    config.strategy = StrategyKind::Versioned;
    config.pgConnections = 2;
    config.redisConnections = 2;
    return std::make_unique<inv::InventoryService>(config);
}
} // namespace

void TestLoopReader::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    testservices::makeService(StrategyKind::Versioned);
}

void TestLoopReader::missFillsFencedThenHits()
{
    auto service = testservices::makeService(StrategyKind::Versioned);
    const std::string sku = testservices::uniqueSku("LREAD");
    const auto record = service->addProduct(sku, "loop read", 7);
    service->cache().remove(sku);
    ReaderFixture fixture(*service);
    const auto &stats = service->stats();
    const long long missesBefore = stats.cacheMisses.load(), fillsBefore = stats.dbFills.load();

    const auto first = fixture.read(sku);
    QVERIFY2(first.view.has_value(), first.error.c_str());
    QCOMPARE(first.view->stock, 7);
    QCOMPARE(first.view->version, record.version);
    QCOMPARE(first.view->source, inv::ReadSource::Database);
    QCOMPARE(stats.cacheMisses.load(), missesBefore + 1);
    QCOMPARE(stats.dbFills.load(), fillsBefore + 1);
    // The fill stored the row at its version, and the floor with it.
    const auto cached = service->cachedStock(sku);
    QVERIFY(cached.has_value());
    QCOMPARE(cached->stock, 7);
    QCOMPARE(cached->version, record.version);
    // Its fill lease was released.
    auto redis = service->redisPool().acquire();
    QVERIFY(redis->command({"EXISTS", inv::StockCache::fillKey(sku)}).integer() == 0);

    const long long hitsBefore = stats.cacheHits.load();
    const auto second = fixture.read(sku);
    QVERIFY(second.view.has_value());
    QCOMPARE(second.view->source, inv::ReadSource::Cache);
    QCOMPARE(second.view->version, record.version);
    QCOMPARE(stats.cacheHits.load(), hitsBefore + 1);

    // A value below the floor is a miss, as StockCache::get has it: the row is read again.
    redis->command({"SET", inv::StockCache::key(sku), "99:0"});
    const auto belowFloor = fixture.read(sku);
    QVERIFY(belowFloor.view.has_value());
    QCOMPARE(belowFloor.view->stock, 7);
    QCOMPARE(belowFloor.view->source, inv::ReadSource::Database);

    const auto unknown = fixture.read(testservices::uniqueSku("LREAD-NONE"));
    QVERIFY(!unknown.view.has_value());
    QVERIFY2(unknown.error.find("unknown SKU") != std::string::npos, unknown.error.c_str());
}

void TestLoopReader::missesOfOneKeyReadTheRowOnce()
{
    auto service = testservices::makeService(StrategyKind::Versioned);
    const std::string sku = testservices::uniqueSku("LREADONCE");
    service->addProduct(sku, "loop read once", 11);
    service->cache().remove(sku);
    ReaderFixture fixture(*service);
    const long long fillsBefore = service->stats().dbFills.load();
    const long long leasesBefore = service->lockStats().acquired.load();
    constexpr int kReads = 40;
    std::vector<std::promise<LoopReader::Outcome>> answers(kReads);
    fixture.loop.post([&] {
        for (auto &answer : answers)
            fixture.reader->read(sku, [&answer](LoopReader::Outcome o) { answer.set_value(std::move(o)); });
    });
    for (auto &answer : answers) {
        const auto outcome = answer.get_future().get();
        QVERIFY2(outcome.view.has_value(), outcome.error.c_str());
        QCOMPARE(outcome.view->stock, 11);
    }
    QCOMPARE(service->stats().dbFills.load(), fillsBefore + 1);
    QCOMPARE(service->lockStats().acquired.load(), leasesBefore + 1);
}

void TestLoopReader::readIsNotQueuedBehindAWrite()
{
    // A purchase of one product waits on its row lock, held by another session; a read of another
    // product that must reach PostgreSQL is answered meanwhile, on the same loop.
    auto service = testservices::makeService(StrategyKind::Versioned);
    const std::string locked = testservices::uniqueSku("LREADLOCKED");
    const std::string cold = testservices::uniqueSku("LREADCOLD");
    service->addProduct(locked, "locked", 5);
    service->addProduct(cold, "cold", 3);
    service->cache().remove(cold);
    ReaderFixture fixture(*service);
    inv::PgConnection holder(testservices::pgUrl());
    holder.exec("BEGIN");
    holder.exec("SELECT stock FROM inventory WHERE sku = $1 FOR UPDATE", {locked});

    std::promise<inv::LoopWriteOutcome> written;
    inv::WriteRequest purchase;
    purchase.sku = locked;
    purchase.action = inv::Action::Purchase;
    purchase.quantity = 1;
    purchase.requestId = "lread-" + locked;
    fixture.loop.post([&] {
        fixture.writer->write(purchase, [&](inv::LoopWriteOutcome o) { written.set_value(std::move(o)); });
    });
    auto write = written.get_future();
    QVERIFY(write.wait_for(300ms) == std::future_status::timeout); // waiting on the lock

    const auto asked = std::chrono::steady_clock::now();
    const auto read = fixture.read(cold);
    const auto took = std::chrono::steady_clock::now() - asked;
    QVERIFY2(read.view.has_value(), read.error.c_str());
    QCOMPARE(read.view->stock, 3);
    QCOMPARE(read.view->source, inv::ReadSource::Database);
    QVERIFY2(took < 1s, "the read waited behind the write");
    QVERIFY(write.wait_for(0ms) == std::future_status::timeout); // still waiting

    holder.exec("ROLLBACK");
    QVERIFY(write.wait_for(30s) == std::future_status::ready);
    QCOMPARE(write.get().kind, inv::LoopWriteOutcome::Kind::Written);
    QCOMPARE(testservices::dbStock(*m_db, locked), 4);
}

void TestLoopReader::redisUnreachableReadsFromPostgres()
{
    // Nothing listens on port 1: every Redis command fails, and the reads go on from PostgreSQL.
    auto service = serviceWithRedis("redis://127.0.0.1:1");
    const std::string sku = testservices::uniqueSku("LREADNOREDIS");
    m_db->exec(
        "INSERT INTO inventory (sku, name, stock, version, updated_at) VALUES ($1, 'no redis', 4, 1, now())",
        {sku});
    ReaderFixture fixture(*service);
    const auto &stats = service->stats();
    const long long failOpenBefore = stats.failOpenReads.load();
    for (int i = 0; i < 3; ++i) {
        const auto outcome = fixture.read(sku);
        QVERIFY2(outcome.view.has_value(), outcome.error.c_str());
        QCOMPARE(outcome.view->stock, 4);
        QCOMPARE(outcome.view->source, inv::ReadSource::Database);
    }
    QCOMPARE(stats.failOpenReads.load(), failOpenBefore + 3);
    QVERIFY(stats.cacheErrors.load() >= 1);
    QCOMPARE(stats.cacheHits.load(), 0LL);
}

void TestLoopReader::readOutlivesATerminatedConnection()
{
    // An administrator terminates the reader's backend: the next read that needs PostgreSQL finds
    // its connection gone and is sent again on a new one, and answers with the row.
    const std::string name = "lreader-" + testservices::uniqueSku("term");
    const std::string base = testservices::pgUrl();
    inv::ServiceConfig config;
    config.pgConninfo = base + (base.find('?') == std::string::npos ? "?" : "&") + "application_name=" + name;
    config.redisUrl = testservices::redisUrl();
    config.pgConnections = 1;
    config.redisConnections = 1;
    inv::InventoryService service(config);
    const std::string sku = testservices::uniqueSku("LREADTERM");
    service.addProduct(sku, "terminated", 6);
    ReaderFixture fixture(service);
    for (int round = 0; round < 3; ++round) {
        service.cache().remove(sku);
        const auto terminated = m_db->exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                           "WHERE application_name = $1",
                                           {name});
        QVERIFY(terminated.int64(0, 0) >= 1);
        const auto outcome = fixture.read(sku);
        QVERIFY2(outcome.view.has_value(), outcome.error.c_str());
        QCOMPARE(outcome.view->stock, 6);
        QCOMPARE(outcome.view->source, inv::ReadSource::Database);
    }
}

void TestLoopReader::anotherServersFillIsWaitedFor()
{
    auto service = testservices::makeService(StrategyKind::Versioned);
    const std::string sku = testservices::uniqueSku("LREADLEASE");
    const auto record = service->addProduct(sku, "lease", 9);
    service->cache().remove(sku);
    ReaderFixture fixture(*service);
    auto redis = service->redisPool().acquire();
    // Another server holds the fill lease and never fills: the reader polls 25 x 2 ms, then reads.
    redis->command({"SET", inv::StockCache::fillKey(sku), "another-server", "PX", "5000"});
    const long long busyBefore = service->lockStats().busy.load();
    const auto asked = std::chrono::steady_clock::now();
    const auto gaveUp = fixture.read(sku);
    const auto took = std::chrono::steady_clock::now() - asked;
    QVERIFY2(gaveUp.view.has_value(), gaveUp.error.c_str());
    QCOMPARE(gaveUp.view->stock, 9);
    QCOMPARE(gaveUp.view->source, inv::ReadSource::Database);
    QCOMPARE(service->lockStats().busy.load(), busyBefore + 1);
    QVERIFY(took >= 45ms);
    // The other server's lease is its own: the reader never releases it.
    QCOMPARE(redis->command({"GET", inv::StockCache::fillKey(sku)}).str(), std::string("another-server"));

    // This time the other server fills while the reader waits: the reader takes its value.
    std::promise<LoopReader::Outcome> answer;
    fixture.loop.post(
        [&] { fixture.reader->read(sku, [&](LoopReader::Outcome o) { answer.set_value(std::move(o)); }); });
    std::this_thread::sleep_for(10ms);
    QVERIFY(service->cache().setIfNewer(sku, 9, record.version));
    const auto filled = answer.get_future().get();
    QVERIFY(filled.view.has_value());
    QCOMPARE(filled.view->source, inv::ReadSource::Cache);
    QCOMPARE(filled.view->version, record.version);
}

void TestLoopReader::ownWriteIsReadAtOnceThroughTheNearCache()
{
    // The server's near cache holds the product; the server's own write drops that entry before it
    // is acknowledged, so the read right after it sees the write without waiting for Redis's
    // invalidation.
    auto service = serviceWithRedis(testservices::redisUrl(), true);
    QVERIFY(service->nearCache()->waitUntilServing(5s));
    const std::string sku = testservices::uniqueSku("LREADNEAR");
    service->addProduct(sku, "near", 20);
    ReaderFixture fixture(*service);
    const long long hitsBefore = service->nearCache()->hits();
    QTRY_VERIFY_WITH_TIMEOUT((fixture.read(sku), service->nearCache()->hits() > hitsBefore), 2000);
    for (int i = 0; i < 20; ++i) {
        inv::WriteRequest purchase;
        purchase.sku = sku;
        purchase.action = inv::Action::Purchase;
        purchase.quantity = 1;
        purchase.requestId = "lreadnear-" + sku + "-" + std::to_string(i);
        std::promise<std::pair<inv::LoopWriteOutcome, LoopReader::Outcome>> answer;
        // The read is sent from the write's own answer, on the loop: nothing in between.
        fixture.loop.post([&] {
            fixture.writer->write(purchase, [&](inv::LoopWriteOutcome written) {
                fixture.reader->read(sku, [&answer, written](LoopReader::Outcome read) {
                    answer.set_value({written, std::move(read)});
                });
            });
        });
        const auto [written, read] = answer.get_future().get();
        QCOMPARE(written.kind, inv::LoopWriteOutcome::Kind::Written);
        QVERIFY2(read.view.has_value(), read.error.c_str());
        QVERIFY2(read.view->version >= written.result.version,
                 qPrintable(QStringLiteral("read version %1 after writing %2")
                                .arg(read.view->version)
                                .arg(written.result.version)));
        // Let the near cache take the entry again before the next write.
        QTRY_VERIFY_WITH_TIMEOUT((fixture.read(sku), service->nearCache()->size() > 0), 2000);
    }
}

void TestLoopReader::mixedOnTheLoopKeepsTheBooks_data()
{
    QTest::addColumn<bool>("nearCache");
    QTest::newRow("redis") << false;
    QTest::newRow("near cache") << true;
}

void TestLoopReader::mixedOnTheLoopKeepsTheBooks()
{
    QFETCH(bool, nearCache);
    auto config = testservices::simulationConfig(inv::ScenarioKind::Mixed, StrategyKind::Versioned, 3, 11);
    config.rate = 3000;
    config.durationSeconds = 2;
    config.products = 50;
    config.readRatio = 0.8;
    config.nearCache = nearCache;
    QCOMPARE(config.clientUsed(), inv::ClientKind::Loop); // the default
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    qInfo("mixed on the loop: %lld reads (p99 %.3f ms), %lld writes, hit rate %.3f", report.read.count,
          report.read.p99, report.write.count, report.cacheHitRate);
    QVERIFY2(report.humanSummary().find("event-loop client") != std::string::npos,
             report.humanSummary().c_str());
    QCOMPARE(report.errors, 0LL);
    QCOMPARE(report.dropped, 0LL);
    QCOMPARE(report.read.count + report.write.count, 6000LL);
    QVERIFY(report.read.count > 4000 && report.write.count > 800);
    // With the near cache, a read may be stale only inside its invalidation window, as on threads.
    const long long inWindow = report.nearCache ? report.nearCache->staleReadsInWindow : 0;
    QCOMPARE(report.staleReads - inWindow, 0LL);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QVERIFY(report.divergentKeysAtEnd.has_value());
    QCOMPARE(*report.divergentKeysAtEnd, 0LL);
    QVERIFY(report.cacheHitRate > 0.5);
    QCOMPARE(report.correct(), std::optional<bool>(true));
}

QTEST_GUILESS_MAIN(TestLoopReader)
#include "tst_loopreader.moc"
