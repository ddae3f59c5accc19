// Fail-open against a real outage: Redis is shut down in the middle of a run of purchases and then
// started again. Every operation must go on from PostgreSQL with no oversell and no error, and the
// cache must be used again by itself once Redis is back.
#include "errors.h"
#include "testservices.h"

#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using inv::StrategyKind;

Q_DECLARE_METATYPE(inv::StrategyKind)

class TestFailOpen : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void redisDiesMidRun_data();
    void redisDiesMidRun();
    // A failed check must not leave the other tests without Redis.
    void cleanup();

private:
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::Sandbox> m_sandbox;
};

void TestFailOpen::initTestCase()
{
    REQUIRE_SERVICES();
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
        QSKIP("needs a sandbox it may stop and start (INVENTORY_SANDBOX_DIR)");
    }
    m_sandbox = std::make_unique<inv::Sandbox>(dir);
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
}

void TestFailOpen::redisDiesMidRun_data()
{
    QTest::addColumn<StrategyKind>("strategy");
    QTest::newRow("naive") << StrategyKind::Naive;
    QTest::newRow("locked") << StrategyKind::Locked;
    QTest::newRow("versioned") << StrategyKind::Versioned;
}

void TestFailOpen::redisDiesMidRun()
{
    QFETCH(StrategyKind, strategy);
    inv::ServiceConfig config;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = testservices::redisUrl();
    config.strategy = strategy;
    config.pgConnections = 8;
    config.redisConnections = 8;
    config.redisCooldown = 200ms;
    inv::InventoryService service(config);
    const std::string sku = testservices::uniqueSku("failopen");
    constexpr int kStock = 400;
    service.addProduct(sku, "Fail-open item", kStock);

    std::atomic<int> successes{0};
    std::atomic<int> rejections{0};
    std::atomic<int> errors{0};
    std::atomic<bool> done{false};
    // Phases are driven by counts, not by timing: the buyers wait at each gate until the main thread
    // has changed Redis's state. 0: Redis up, 1: Redis down, 2: Redis back.
    std::atomic<int> phase{0};
    const int gates[] = {50, 150, kStock};
    std::vector<std::jthread> buyers;
    for (int t = 0; t < 8; ++t) {
        buyers.emplace_back([&] {
            while (!done.load()) {
                const int p = phase.load();
                if (successes.load() >= gates[p]) {
                    std::this_thread::sleep_for(1ms);
                    continue;
                }
                try {
                    service.getStock(sku);
                    service.purchase(sku, 1);
                    if (++successes >= kStock)
                        done = true;
                } catch (const inv::InsufficientStock &) {
                    ++rejections;
                    done = true;
                } catch (const inv::Error &e) {
                    qWarning("operation failed: %s", e.what());
                    ++errors;
                }
            }
        });
    }
    QTRY_VERIFY_WITH_TIMEOUT(successes.load() >= gates[0], 20000);
    m_sandbox->stopRedis();
    const long long failOpenBefore = service.stats().failOpenReads.load();
    phase = 1;
    QTRY_VERIFY_WITH_TIMEOUT(successes.load() >= gates[1], 20000);
    const long long failOpenReads = service.stats().failOpenReads.load() - failOpenBefore;
    m_sandbox->startRedis();
    phase = 2;
    QTRY_VERIFY_WITH_TIMEOUT(done.load(), 30000);
    buyers.clear(); // joins

    QCOMPARE(errors.load(), 0);
    QVERIFY2(failOpenReads > 0, "reads during the outage should have been served from PostgreSQL");
    QCOMPARE(successes.load(), kStock);
    QCOMPARE(testservices::dbStock(*m_db, sku), 0);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, static_cast<long long>(kStock));

    // Back again: after the cool-down the cache is filled and hit once more, with the right value.
    const long long hitsBefore = service.stats().cacheHits.load();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            service.getStock(sku);
            return service.stats().cacheHits.load() > hitsBefore;
        }(),
        5000);
    const auto cached = service.cachedStock(sku);
    QVERIFY(cached.has_value());
    QCOMPARE(cached->stock, 0);
    QCOMPARE(cached->version, service.databaseStock(sku)->version);
}

void TestFailOpen::cleanup()
{
    if (m_sandbox && !m_sandbox->status().redisRunning)
        m_sandbox->startRedis();
}

QTEST_GUILESS_MAIN(TestFailOpen)
#include "tst_failopen.moc"
