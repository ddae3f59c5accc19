// The near cache against the real Redis and PostgreSQL that ./test.sh starts: a write on one server
// evicts the entry on another within a bounded time; a value fetched before an invalidation is not
// kept; pausing or killing Redis empties the near cache and turns it off until the link is back; and
// in simulations the consistency checker still sees every read (versioned: no stale read outside
// the invalidation window; naive under the race demo: stale reads).
#include "cache/nearcache.h"
#include "cache/redisconnection.h"
#include "errors.h"
#include "sim/simulation.h"
#include "testservices.h"

#include <QTest>

#include <csignal>
#include <random>
#include <thread>

using namespace std::chrono_literals;
using inv::StrategyKind;

class TestNearCache : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void writeOnOneServerEvictsAnother();
    void readRacingAnInvalidationIsNotKept();
    void outageEmptiesAndDisables_data();
    void outageEmptiesAndDisables();
    void trackerLossStopsServingAtOnce_data();
    void trackerLossStopsServingAtOnce();
    void worksWithoutGetex();
    void versionedHasNoStaleReadOutsideTheWindow();
    void naiveStillShowsStaleReads();
    void cleanup();

private:
    std::unique_ptr<inv::InventoryService> server(const std::string &id);
    void resumeRedis();

    std::unique_ptr<inv::Sandbox> m_sandbox;
};

void TestNearCache::initTestCase()
{
    REQUIRE_SERVICES();
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
        QSKIP("needs a sandbox whose Redis it may pause and kill (INVENTORY_SANDBOX_DIR)");
    }
    m_sandbox = std::make_unique<inv::Sandbox>(dir);
    testservices::makeService(StrategyKind::Versioned);
}

void TestNearCache::resumeRedis()
{
    if (const auto pid = m_sandbox->redisPid())
        ::kill(*pid, SIGCONT);
    if (!m_sandbox->status().redisRunning)
        m_sandbox->startRedis();
}

void TestNearCache::cleanup()
{
    if (m_sandbox)
        resumeRedis();
}

std::unique_ptr<inv::InventoryService> TestNearCache::server(const std::string &id)
{
    inv::ServiceConfig config;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = testservices::redisUrl();
    config.strategy = StrategyKind::Versioned;
    config.serverId = id;
    config.pgConnections = 2;
    config.redisConnections = 2;
    config.nearCache = true;
    auto service = std::make_unique<inv::InventoryService>(config);
    service->warmUp();
    return service;
}

void TestNearCache::writeOnOneServerEvictsAnother()
{
    auto a = server("near-a");
    auto b = server("near-b");
    QVERIFY(a->nearCache() && b->nearCache());
    QVERIFY(a->nearCache()->serving() && b->nearCache()->serving());
    const std::string sku = testservices::uniqueSku("NEAR");
    a->addProduct(sku, "Near cache", 50);
    const auto first = b->getStock(sku);
    // The first read filled Redis, and that fill's own invalidation fences a fetch it overlaps; soon a
    // read is answered from B's memory.
    QTRY_VERIFY_WITH_TIMEOUT((b->getStock(sku), b->nearCache()->hits() > 0), 2000);
    QCOMPARE(b->getStock(sku).version, first.version);

    const auto written = a->purchase(sku, 3);
    QVERIFY(written.version > first.version);
    const auto acknowledged = std::chrono::steady_clock::now();
    // B has no TTL of its own: only Redis's invalidation makes it read the new version.
    inv::StockView seen;
    do {
        seen = b->getStock(sku);
    } while (seen.version < written.version && std::chrono::steady_clock::now() - acknowledged < 500ms);
    QCOMPARE(seen.version, written.version);
    QCOMPARE(seen.stock, 47);
    QVERIFY(b->nearCache()->evictions() >= 1);
    // And B keeps the new version: soon a read is a hit with it (the fetch that saw it first may
    // have overlapped the write's own invalidation, and was then not kept).
    const long long hitsAfter = b->nearCache()->hits();
    QTRY_VERIFY_WITH_TIMEOUT(
        (b->getStock(sku).version == written.version && b->nearCache()->hits() > hitsAfter), 2000);
    QCOMPARE(b->getStock(sku).version, written.version);
    // A's own write evicted A's entry before it returned: read-your-writes on the writer.
    QCOMPARE(a->getStock(sku).version, written.version);
}

void TestNearCache::readRacingAnInvalidationIsNotKept()
{
    const auto url = inv::RedisUrl::parse(testservices::redisUrl());
    const std::string prefix = "near-test-" + testservices::uniqueSku("p") + ":";
    inv::RedisPool pool(url, 2);
    inv::StockCache cache(pool, 30s, prefix);
    inv::NearCache near(url, prefix);
    QVERIFY(near.waitUntilServing(2s));
    const std::string sku = "RACE";
    const auto setUp = near.invalidationMessages();
    cache.set(sku, 10, 1);
    cache.set("CONTROL", 5, 1);
    // The invalidations of these SETs would fence the reads below: let them arrive first.
    QTRY_VERIFY_WITH_TIMEOUT(near.invalidationMessages() > setUp, 2000);
    std::this_thread::sleep_for(50ms);

    // Control: without a race, a fetched value is kept and the next read is a hit.
    bool fetched = false;
    auto fetch = [&](const std::string &key) {
        return [&, key] {
            fetched = true;
            return cache.get(key);
        };
    };
    QVERIFY(near.get("CONTROL", fetch("CONTROL")));
    fetched = false;
    QCOMPARE(near.get("CONTROL", fetch("CONTROL"))->version, 1);
    QVERIFY(!fetched);

    // The race: the value is fetched, then another client writes the key and its invalidation
    // arrives, and only then does the read try to keep what it fetched.
    const auto messages = near.invalidationMessages();
    auto old = near.get(sku, [&] {
        auto value = cache.get(sku);
        cache.set(sku, 9, 2);
        const auto deadline = std::chrono::steady_clock::now() + 2s;
        while (near.invalidationMessages() == messages && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        // On a busy host the message counted may be the set-up's last one, delivered late; the write's
        // own follows it at once: give it time to arrive too.
        std::this_thread::sleep_for(100ms);
        return value;
    });
    QVERIFY(near.invalidationMessages() > messages);
    QCOMPARE(old->version, 1); // that read itself began before the write: version 1 is its answer
    QVERIFY(near.fencedFills() >= 1);
    fetched = false;
    const auto next = near.get(sku, fetch(sku));
    QVERIFY2(fetched, "the value fetched before the invalidation was kept");
    QCOMPARE(next->version, 2);
    pool.acquire()->command(
        {"DEL", inv::StockCache::key(sku, prefix), inv::StockCache::key("CONTROL", prefix)});
}

void TestNearCache::outageEmptiesAndDisables_data()
{
    QTest::addColumn<bool>("kill");
    QTest::newRow("pause") << false;
    QTest::newRow("kill") << true;
}

void TestNearCache::outageEmptiesAndDisables()
{
    QFETCH(bool, kill);
    auto b = server("near-outage");
    const std::string sku = testservices::uniqueSku("NEAR-OUT");
    b->addProduct(sku, "Near cache outage", 20);
    b->getStock(sku);
    b->getStock(sku);
    QVERIFY(b->nearCache()->size() >= 1);
    const auto disconnects = b->nearCache()->disconnects();

    const auto pid = m_sandbox->redisPid();
    QVERIFY(pid);
    const auto started = std::chrono::steady_clock::now();
    if (kill)
        m_sandbox->stopRedis();
    else
        QCOMPARE(::kill(*pid, SIGSTOP), 0);
    // A heartbeat plus the command timeout (250 ms) at most, with slack for a busy host.
    QTRY_VERIFY_WITH_TIMEOUT(!b->nearCache()->serving(), 2000);
    const auto noticed = std::chrono::steady_clock::now() - started;
    qInfo("noticed after %lld ms", static_cast<long long>(noticed / 1ms));
    QCOMPARE(b->nearCache()->size(), std::size_t(0));
    // Off means off: a read goes to the fetch (Redis), which fails, instead of the memory.
    QVERIFY_THROWS_EXCEPTION(inv::CacheIoError,
                             b->nearCache()->get(sku, []() -> std::optional<inv::CachedStock> {
                                 throw inv::CacheIoError("Redis is down");
                             }));
    // The service itself fails open to PostgreSQL meanwhile.
    QCOMPARE(b->getStock(sku).stock, 20);

    resumeRedis();
    QTRY_VERIFY_WITH_TIMEOUT(b->nearCache()->serving(), 10000);
    QVERIFY(b->nearCache()->disconnects() > disconnects);
    // Back: a write elsewhere is seen, and reads are served from memory again.
    auto a = server("near-outage-writer");
    QTRY_VERIFY_WITH_TIMEOUT(a->getStock(sku).source == inv::ReadSource::Cache, 10000);
    const auto written = a->purchase(sku, 1);
    QTRY_COMPARE_WITH_TIMEOUT(b->getStock(sku).version, written.version, 10000);
    const auto hits = b->nearCache()->hits();
    QTRY_VERIFY_WITH_TIMEOUT((b->getStock(sku), b->nearCache()->hits() > hits), 10000);
}

void TestNearCache::trackerLossStopsServingAtOnce_data()
{
    QTest::addColumn<bool>("swap");
    QTest::newRow("tracking connection killed") << false;
    QTest::newRow("SWAPDB") << true;
}

void TestNearCache::trackerLossStopsServingAtOnce()
{
    // Either way the near cache stops hearing of changes: the tracking connection is gone, or the
    // database under it was swapped, which Redis announces to nobody. A write made right after must
    // be read within the invalidation bound (5 ms; 25 ms here for a busy host), not after a heartbeat.
    QFETCH(bool, swap);
    const inv::RedisUrl url = inv::RedisUrl::parse(testservices::redisUrl());
    inv::RedisConnection admin(url, inv::RedisTimeouts{});
    auto writer = testservices::makeService(StrategyKind::Versioned);
    for (int trial = 0; trial < 3; ++trial) {
        auto b = server("near-tracker");
        const std::string sku = testservices::uniqueSku("NEAR-TRACK");
        writer->addProduct(sku, "Near cache tracker", 30);
        QTRY_VERIFY_WITH_TIMEOUT((b->getStock(sku), b->nearCache()->hits() > 0), 2000);
        const auto before = b->getStock(sku);
        if (swap) {
            QVERIFY(admin.command({"SWAPDB", std::to_string(url.db), std::to_string(url.db == 0 ? 1 : 0)})
                        .isStatus("OK"));
        } else {
            const auto clients = admin.command({"CLIENT", "LIST"});
            const std::string list(clients->str, clients->len);
            int killed = 0;
            std::size_t line = 0;
            while (line < list.size()) {
                const std::size_t end = std::min(list.find('\n', line), list.size());
                const std::string client = list.substr(line, end - line);
                const auto flags = client.find(" flags=");
                if (flags != std::string::npos &&
                    client.substr(flags + 7, client.find(' ', flags + 7) - flags - 7).find('t') !=
                        std::string::npos) {
                    const std::string id = client.substr(3, client.find(' ') - 3);
                    killed += static_cast<int>(admin.command({"CLIENT", "KILL", "ID", id}).integer());
                }
                line = end + 1;
            }
            QCOMPARE(killed, 1);
        }
        if (swap) {
            // The keys under the near cache were swapped for others with no message; a write after
            // it would be announced by name, so the test is that the memory from before is let go.
            const auto swapped = std::chrono::steady_clock::now();
            while (b->nearCache()->disconnects() == 0 && std::chrono::steady_clock::now() - swapped < 300ms)
                std::this_thread::sleep_for(100us);
            const auto took = std::chrono::steady_clock::now() - swapped;
            admin.command({"SWAPDB", std::to_string(url.db), std::to_string(url.db == 0 ? 1 : 0)});
            qInfo("trial %d: the near cache let go after %.2f ms", trial,
                  std::chrono::duration<double, std::milli>(took).count());
            QVERIFY2(took < 25ms, "the near cache kept serving what it held before SWAPDB past the bound");
            QCOMPARE(b->nearCache()->size(), std::size_t(0));
            continue;
        }
        const auto written = writer->purchase(sku, 1);
        const auto acknowledged = std::chrono::steady_clock::now();
        inv::StockView seen;
        do {
            seen = b->getStock(sku);
        } while (seen.version < written.version && std::chrono::steady_clock::now() - acknowledged < 300ms);
        const auto took = std::chrono::steady_clock::now() - acknowledged;
        qInfo("trial %d: the write was read after %.2f ms", trial,
              std::chrono::duration<double, std::milli>(took).count());
        QVERIFY(seen.version > before.version);
        QVERIFY2(took < 25ms, "a value older than an acknowledged write was served past the bound");
    }
}

void TestNearCache::worksWithoutGetex()
{
    // An ACL user without GETEX (or a Redis before 6.2): the canary is read with GET, and the near
    // cache serves and still notices a swapped database.
    const inv::RedisUrl url = inv::RedisUrl::parse(testservices::redisUrl());
    inv::RedisConnection admin(url, inv::RedisTimeouts{});
    const std::string password = "nogetex" + std::to_string(std::random_device{}());
    QVERIFY(admin
                .command({"ACL", "SETUSER", "near-nogetex", "reset", "on", ">" + password, "~*", "&*",
                          "+@all", "-getex"})
                .isStatus("OK"));
    struct DropUser
    {
        inv::RedisConnection &admin;
        ~DropUser() { admin.command({"ACL", "DELUSER", "near-nogetex"}); }
    } dropUser{admin};
    inv::ServiceConfig config;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = "redis://near-nogetex:" + password + "@" + url.host + ":" + std::to_string(url.port) +
                      "/" + std::to_string(url.db);
    config.strategy = StrategyKind::Versioned;
    config.serverId = "near-nogetex";
    config.nearCache = true;
    inv::InventoryService b(config);
    QVERIFY(b.nearCache()->waitUntilServing(5000ms));
    const std::string sku = testservices::uniqueSku("NEAR-NOGETEX");
    b.addProduct(sku, "Near cache without GETEX", 10);
    QTRY_VERIFY_WITH_TIMEOUT((b.getStock(sku), b.nearCache()->hits() > 0), 2000);
    const auto disconnects = b.nearCache()->disconnects();
    const std::string other = std::to_string(url.db == 0 ? 1 : 0);
    QVERIFY(admin.command({"SWAPDB", std::to_string(url.db), other}).isStatus("OK"));
    QTRY_VERIFY_WITH_TIMEOUT(b.nearCache()->disconnects() > disconnects, 1000);
    admin.command({"SWAPDB", std::to_string(url.db), other});
}

void TestNearCache::versionedHasNoStaleReadOutsideTheWindow()
{
    auto config = testservices::simulationConfig(inv::ScenarioKind::Mixed, StrategyKind::Versioned, 3, 3);
    config.servers = 3;
    config.products = 20;
    config.stock = 100000;
    config.rate = 2000;
    config.durationSeconds = 3;
    config.readRatio = 0.8;
    config.nearCache = true;
    inv::Simulation simulation(config);
    const auto report = simulation.run();
    QVERIFY(report.nearCache);
    const auto &near = *report.nearCache;
    qInfo("stale %lld (in window %lld of %lld reads in it), hits %lld, evictions %lld, delay p50 %.3f p99 "
          "%.3f max %.3f ms over %lld, %lld before ack, %lld disconnects",
          report.staleReads, near.staleReadsInWindow, near.readsInWindow, near.hits, near.evictions,
          near.invalidationDelay.p50, near.invalidationDelay.p99, near.invalidationDelay.max,
          near.invalidationDelay.count, near.evictedBeforeAck, near.disconnects);
    QCOMPARE(report.errors, 0LL);
    QVERIFY(report.requests > 4000);
    QVERIFY(near.hits > 0);
    QVERIFY(near.invalidationDelay.count > 0);
    QCOMPARE(near.disconnects, 0LL);
    // Every stale read began inside the window, and the checker saw the near cache's reads.
    QCOMPARE(report.staleReads - near.staleReadsInWindow, 0LL);
    QVERIFY(report.staleReads <= near.readsInWindow);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY(report.ledgerOk);
    QCOMPARE(report.divergentKeysAtEnd.value_or(-1), 0LL);
    QVERIFY(report.toJson().find("\"near_cache\"") != std::string::npos);
}

void TestNearCache::naiveStillShowsStaleReads()
{
    // The race demo of tst_simulation, with the near cache on: naive's stale fills reach Redis and
    // from there the near caches, and the checker must still count what the servers serve.
    auto config = testservices::simulationConfig(inv::ScenarioKind::Mixed, StrategyKind::Naive, 6, 7);
    config.products = 3;
    config.stock = 60;
    config.rate = 1500;
    config.durationSeconds = 2;
    config.readRatio = 0.7;
    config.raceDelay = 5ms;
    config.nearCache = true;
    inv::Simulation simulation(config);
    const auto report = simulation.run();
    qInfo("naive: stale reads %lld (%lld inside the window), divergent %lld, near hits %lld",
          report.staleReads, report.nearCache->staleReadsInWindow, report.divergentKeysAtEnd.value_or(-1),
          report.nearCache->hits);
    QVERIFY(report.nearCache->hits > 0);
    QVERIFY(report.staleReads - report.nearCache->staleReadsInWindow > 0);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY(!report.correct().value_or(true));
}

QTEST_GUILESS_MAIN(TestNearCache)
#include "tst_nearcache.moc"
