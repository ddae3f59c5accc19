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

#include <QScopeGuard>
#include <QTest>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

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
    void repairPassRunsOnTheLoop();
    void readsGoOnWhileARepairPassWaits();
    void readsGoOnWhileAReconnectWaits();
    void anotherServersFillIsWaitedFor();
    void ownWriteIsReadAtOnceThroughTheNearCache();
    void mixedOnTheLoopKeepsTheBooks_data();
    void mixedOnTheLoopKeepsTheBooks();

private:
    std::unique_ptr<inv::PgConnection> m_db;
};

namespace {
pid_t parentOf(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    // The command name is in parentheses and may hold spaces: the fields after it are fixed.
    const auto close = line.rfind(')');
    char state = 0;
    int parent = 0;
    if (close == std::string::npos || std::sscanf(line.c_str() + close + 1, " %c %d", &state, &parent) != 2)
        return 0;
    return parent;
}

// A reader (and a writer with one connection, and their server's repairs) whose events are created
// and freed on its loop.
struct ReaderFixture
{
    explicit ReaderFixture(inv::InventoryService &server)
    {
        loop.call([&] {
            repairs = std::make_unique<inv::LoopRepairs>(loop, server);
            repairs->open();
            reader = std::make_unique<LoopReader>(loop, server, 1, *repairs);
            reader->open();
            writer = std::make_unique<inv::LoopWriter>(loop, server, 1, 4, *repairs);
            writer->open();
        });
    }
    ~ReaderFixture()
    {
        loop.call([&] {
            writer.reset();
            reader.reset();
            repairs.reset();
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
    std::unique_ptr<inv::LoopRepairs> repairs;
    std::unique_ptr<LoopReader> reader;
    std::unique_ptr<inv::LoopWriter> writer;
};

// A `versioned` server with small pools on the test's services.
inv::ServiceConfig loopConfig(const std::string &redisUrl = testservices::redisUrl())
{
    inv::ServiceConfig config;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = redisUrl;
    config.strategy = StrategyKind::Versioned;
    config.pgConnections = 2;
    config.redisConnections = 2;
    return config;
}

std::unique_ptr<inv::InventoryService> serviceWithRedis(const std::string &redisUrl, bool nearCache = false)
{
    inv::ServiceConfig config = loopConfig(redisUrl);
    config.nearCache = nearCache;
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

    const long long hitsBefore = stats.cacheHits.load();
    const auto second = fixture.read(sku);
    QVERIFY(second.view.has_value());
    QCOMPARE(second.view->source, inv::ReadSource::Cache);
    QCOMPARE(second.view->version, record.version);
    QCOMPARE(stats.cacheHits.load(), hitsBefore + 1);
    // Its fill lease was released. A read is answered without waiting for the release's reply; the
    // release went first on the same connection, so once the second read is answered it has run, well
    // inside the lease's own expiry (kFillLease).
    auto redis = service->redisPool().acquire();
    QCOMPARE(redis->command({"EXISTS", inv::StockCache::fillKey(sku)}).integer(), 0LL);

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
        const auto outcome = testservices::answered(answer.get_future(), "a read");
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

void TestLoopReader::repairPassRunsOnTheLoop()
{
    // Another process committed version 2 and could not update the cache: its mark is in
    // PostgreSQL, and the cache still holds version 1. The reads on the loop start this server's
    // pass when it is due; it raises the floor and deletes the mark, and the next read has the row.
    inv::ServiceConfig config = loopConfig();
    config.cacheRepairPoll = 100ms;
    inv::InventoryService server(config);
    const std::string sku = testservices::uniqueSku("LREPAIR");
    const auto record = server.addProduct(sku, "repair", 7);
    ReaderFixture fixture(server);
    QVERIFY(fixture.read(sku).view.has_value());
    const auto cached = fixture.read(sku);
    QVERIFY(cached.view.has_value());
    QCOMPARE(cached.view->source, inv::ReadSource::Cache);
    QCOMPARE(cached.view->version, record.version);

    m_db->exec("UPDATE inventory SET stock = 3, version = version + 1 WHERE sku = $1", {sku});
    m_db->exec("INSERT INTO cache_repairs (sku, version) VALUES ($1, $2)",
               {sku, std::to_string(record.version + 1)});
    const long long passesBefore = server.cacheRepairs().passes();
    const long long appliedBefore = server.cacheRepairs().applied();
    LoopReader::Outcome outcome;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    do {
        outcome = fixture.read(sku);
        QVERIFY2(outcome.view.has_value(), outcome.error.c_str());
        if (outcome.view->version == record.version + 1)
            break;
        QCOMPARE(outcome.view->stock, 7);
        std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    QCOMPARE(outcome.view->version, record.version + 1);
    QCOMPARE(outcome.view->stock, 3);
    QVERIFY(server.cacheRepairs().passes() > passesBefore);
    QVERIFY(server.cacheRepairs().applied() > appliedBefore);
    QCOMPARE(m_db->exec("SELECT 1 FROM cache_repairs WHERE sku = $1", {sku}).rows(), 0);
    // The floor is raised: version 1 stored again is a miss.
    auto redis = server.redisPool().acquire();
    redis->command({"SET", inv::StockCache::key(sku), "7:" + std::to_string(record.version)});
    const auto afterFloor = fixture.read(sku);
    QVERIFY(afterFloor.view.has_value());
    QCOMPARE(afterFloor.view->version, record.version + 1);
}

void TestLoopReader::readsGoOnWhileARepairPassWaits()
{
    // The pass waits for PostgreSQL (cache_repairs locked by another session): the loop goes on
    // answering reads from the cache meanwhile, as the pass's statements are sent, not waited for.
    inv::ServiceConfig config = loopConfig();
    config.cacheRepairPoll = 50ms;
    inv::InventoryService server(config);
    const std::string sku = testservices::uniqueSku("LREPAIRWAIT");
    server.addProduct(sku, "repair wait", 5);
    ReaderFixture fixture(server);
    QVERIFY(fixture.read(sku).view.has_value());

    inv::PgConnection holder(testservices::pgUrl());
    holder.exec("BEGIN");
    holder.exec("LOCK TABLE cache_repairs IN ACCESS EXCLUSIVE MODE");
    std::this_thread::sleep_for(100ms);
    bool passing = false;
    for (int i = 0; i < 20; ++i) {
        std::promise<LoopReader::Outcome> answer;
        fixture.loop.post([&] {
            fixture.reader->read(sku, [&](LoopReader::Outcome o) { answer.set_value(std::move(o)); });
        });
        auto future = answer.get_future();
        QVERIFY2(future.wait_for(5s) == std::future_status::ready, "a read waited behind the repair pass");
        const auto outcome = future.get();
        QVERIFY2(outcome.view.has_value(), outcome.error.c_str());
        QCOMPARE(outcome.view->source, inv::ReadSource::Cache);
        fixture.loop.call([&] { passing = passing || fixture.repairs->passing(); });
        std::this_thread::sleep_for(10ms);
    }
    QVERIFY2(passing, "no repair pass was waiting for PostgreSQL");
    const long long passesBefore = server.cacheRepairs().passes();
    holder.exec("ROLLBACK");
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server.cacheRepairs().passes() == passesBefore && std::chrono::steady_clock::now() < deadline) {
        QVERIFY(fixture.read(sku).view.has_value());
        std::this_thread::sleep_for(20ms);
    }
    QVERIFY(server.cacheRepairs().passes() > passesBefore);
}

void TestLoopReader::readsGoOnWhileAReconnectWaits()
{
    // The loop's backends are terminated and the postmaster stopped (SIGSTOP): a new connection
    // waits for its start-up up to connect_timeout. The loop starts it without waiting, so a read
    // the cache answers is answered meanwhile; a read that needs the row gets it once the
    // postmaster is back.
    const std::string app = "lreconnect" + std::to_string(::getpid());
    const std::string url = testservices::pgUrl();
    inv::ServiceConfig config = loopConfig();
    config.pgConninfo = url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + app;
    inv::InventoryService server(config);
    const std::string cached = testservices::uniqueSku("LRECONNECT");
    const std::string uncached = testservices::uniqueSku("LRECONNECT-ROW");
    server.addProduct(cached, "reconnect", 5);
    server.addProduct(uncached, "reconnect row", 6);
    ReaderFixture fixture(server);
    QVERIFY(fixture.read(cached).view.has_value());
    QCOMPARE(fixture.read(cached).view->source, inv::ReadSource::Cache);
    server.cache().remove(uncached);

    const auto backend = static_cast<pid_t>(m_db->exec("SELECT pg_backend_pid()").int32(0, 0));
    const pid_t postmaster = parentOf(backend);
    QVERIFY(postmaster > 1);
    m_db->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", {app});
    QCOMPARE(::kill(postmaster, SIGSTOP), 0);
    auto resume = qScopeGuard([postmaster] { ::kill(postmaster, SIGCONT); });
    auto post = [&](const std::string &sku) {
        auto answer = std::make_shared<std::promise<LoopReader::Outcome>>();
        fixture.loop.post([&fixture, sku, answer] {
            fixture.reader->read(sku, [answer](LoopReader::Outcome o) { answer->set_value(std::move(o)); });
        });
        return answer->get_future();
    };
    // Needs the row: finds the connection gone and starts a new one, which waits on the postmaster.
    auto row = post(uncached);
    std::this_thread::sleep_for(300ms);
    bool connecting = false;
    fixture.loop.call([&] { connecting = fixture.reader->connecting(); });
    QVERIFY2(connecting, "the reader did not start a new connection");
    auto hit = post(cached);
    QVERIFY2(hit.wait_for(3s) == std::future_status::ready, "a cached read waited behind a reconnect");
    const auto outcome = hit.get();
    QVERIFY2(outcome.view.has_value(), outcome.error.c_str());
    QCOMPARE(outcome.view->source, inv::ReadSource::Cache);
    resume.dismiss();
    QCOMPARE(::kill(postmaster, SIGCONT), 0);
    QVERIFY(row.wait_for(30s) == std::future_status::ready);
    LoopReader::Outcome fromRow;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    do {
        fromRow = fixture.read(uncached);
        if (fromRow.view)
            break;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    QVERIFY2(fromRow.view.has_value(), fromRow.error.c_str());
    QCOMPARE(fromRow.view->stock, 6);
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
    const auto filled = testservices::answered(answer.get_future(), "the read");
    QVERIFY(filled.view.has_value());
    QCOMPARE(filled.view->source, inv::ReadSource::Cache);
    QCOMPARE(filled.view->version, record.version);
}

namespace {
// Why a near cache may stay empty: the server distrusts Redis, or the invalidation link is down.
std::string nearCacheState(inv::InventoryService &service, long long failuresBefore)
{
    auto &repairs = service.cacheRepairs();
    const auto why = repairs.failureSince(failuresBefore);
    return "near cache serving " + std::to_string(service.nearCache()->serving()) + ", Redis distrusted " +
           std::to_string(repairs.distrusting()) + ", cache failures " +
           std::to_string(repairs.failureMark() - failuresBefore) + " (last: " + why.value_or("none") +
           "), repair passes " + std::to_string(repairs.passes());
}
// Reads `sku` until the server's near cache holds an entry, for up to `within`.
bool nearCacheTakes(ReaderFixture &fixture, inv::InventoryService &service, const std::string &sku,
                    std::chrono::milliseconds within)
{
    const auto deadline = std::chrono::steady_clock::now() + within;
    do {
        fixture.read(sku);
        if (service.nearCache()->size() > 0)
            return true;
        std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}
} // namespace

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
    const long long failuresBefore = service->cacheRepairs().failureMark();
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
        const auto [written, read] = testservices::answered(answer.get_future(), "the write and its read");
        QCOMPARE(written.kind, inv::LoopWriteOutcome::Kind::Written);
        QVERIFY2(read.view.has_value(), read.error.c_str());
        QVERIFY2(read.view->version >= written.result.version,
                 qPrintable(QStringLiteral("read version %1 after writing %2")
                                .arg(read.view->version)
                                .arg(written.result.version)));
        // Let the near cache take the entry again before the next write. Read until it holds it, and
        // stop at the first read that leaves it there: an invalidation of the write's own cache
        // update may still arrive after a refill and drop the entry again, so the condition is not
        // monotonic, and QTRY_VERIFY, which evaluates it again after it held, would fail on it.
        QVERIFY2(nearCacheTakes(fixture, *service, sku, 5s),
                 nearCacheState(*service, failuresBefore).c_str());
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
