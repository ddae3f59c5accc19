// The seed's contract, run against the real PostgreSQL and Redis for each strategy: no oversell,
// reads that never go back, prompt visibility, a warm hit rate, atomic audit rows, a ledger that
// reconciles, no stale entry after an expiry during a write, and no thundering herd. The broken
// strategies are held to the opposite: the demo depends on their failures being real.
#include "errors.h"
#include "testservices.h"

#include <QTest>

#include <atomic>
#include <functional>
#include <latch>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using inv::StrategyKind;

Q_DECLARE_METATYPE(inv::StrategyKind)

namespace {
void runThreads(int count, const std::function<void(int)> &body)
{
    std::vector<std::jthread> threads;
    threads.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i)
        threads.emplace_back(body, i);
}

std::vector<std::unique_ptr<inv::InventoryService>>
makeServers(StrategyKind kind, int servers, int connections, std::chrono::milliseconds raceDelay = {})
{
    std::vector<std::unique_ptr<inv::InventoryService>> out;
    for (int i = 0; i < servers; ++i)
        out.push_back(
            testservices::makeService(kind, connections, raceDelay, 30s, "test-server-" + std::to_string(i)));
    return out;
}

void addStrategyRows(bool withUnsafe = false)
{
    QTest::addColumn<StrategyKind>("strategy");
    if (withUnsafe)
        QTest::newRow("unsafe") << StrategyKind::Unsafe;
    QTest::newRow("naive") << StrategyKind::Naive;
    QTest::newRow("locked") << StrategyKind::Locked;
    QTest::newRow("versioned") << StrategyKind::Versioned;
}
} // namespace

class TestContract : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void zeroOversell_data() { addStrategyRows(true); }
    void zeroOversell();
    void readsNeverGoBack_data() { addStrategyRows(); }
    void readsNeverGoBack();
    void writeVisibleWithin100ms_data() { addStrategyRows(); }
    void writeVisibleWithin100ms();
    void warmHitRate_data() { addStrategyRows(); }
    void warmHitRate();
    void failedTransactionLeavesNothing_data() { addStrategyRows(); }
    void failedTransactionLeavesNothing();
    void ledgerReconciles_data() { addStrategyRows(); }
    void ledgerReconciles();
    void expiryDuringWriteLeavesNoStaleEntry_data() { addStrategyRows(); }
    void expiryDuringWriteLeavesNoStaleEntry();
    void thunderingHerd_data() { addStrategyRows(); }
    void thunderingHerd();

private:
    std::unique_ptr<inv::PgConnection> m_db;
};

void TestContract::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    testservices::makeService(StrategyKind::Versioned); // migrates
}

void TestContract::zeroOversell()
{
    QFETCH(StrategyKind, strategy);
    const std::string sku = testservices::uniqueSku("oversell");
    auto servers = makeServers(strategy, 4, 16);
    servers[0]->addProduct(sku, "Flash sale item", 100);

    constexpr int kPurchases = 10'000;
    constexpr int kThreads = 64;
    std::atomic<int> next{0};
    std::atomic<int> successes{0};
    std::atomic<int> rejections{0};
    std::atomic<int> errors{0};
    runThreads(kThreads, [&](int thread) {
        auto &service = *servers[static_cast<std::size_t>(thread % 4)];
        while (next.fetch_add(1) < kPurchases) {
            try {
                service.purchase(sku, 1, "flash sale");
                successes.fetch_add(1);
            } catch (const inv::InsufficientStock &) {
                rejections.fetch_add(1);
            } catch (const inv::Error &) {
                errors.fetch_add(1);
            }
        }
    });

    const auto audit = testservices::auditTotals(*m_db, sku);
    QCOMPARE(audit.rows, static_cast<long long>(successes.load()));
    if (strategy == StrategyKind::Unsafe) {
        // In the operator's own tables the database refuses an audit row that does not continue the
        // row before it: unsafe's lost updates fail instead of committing, and the books still add
        // up. (In a simulation's space, which its role owns, they commit and the checkers count them.)
        QVERIFY2(errors.load() > 0, "no write raced: the check could not fire");
        QCOMPARE(successes.load() + rejections.load() + errors.load(), kPurchases);
        QCOMPARE(100 - testservices::dbStock(*m_db, sku), successes.load());
        QCOMPARE(audit.purchased, static_cast<long long>(successes.load()));
        return;
    }
    QCOMPARE(errors.load(), 0);
    QCOMPARE(successes.load() + rejections.load(), kPurchases);
    QCOMPARE(successes.load(), 100);
    QCOMPARE(testservices::dbStock(*m_db, sku), 0);
    QCOMPARE(audit.purchased, 100LL);
}

void TestContract::readsNeverGoBack()
{
    QFETCH(StrategyKind, strategy);
    const std::string sku = testservices::uniqueSku("monotonic");
    // The race delay makes out-of-order cache updates likely; only a correct strategy survives it.
    auto servers = makeServers(strategy, 2, 8, 5ms);
    servers[0]->addProduct(sku, "Monotonic item", 100'000);

    std::atomic<bool> writing{true};
    std::atomic<int> wentBack{0};
    std::atomic<long long> readsDone{0};
    std::jthread writers([&] {
        runThreads(8, [&](int t) {
            for (int i = 0; i < 60; ++i)
                servers[static_cast<std::size_t>(t % 2)]->purchase(sku, 1);
        });
        writing = false;
    });
    runThreads(4, [&](int t) {
        auto &service = *servers[static_cast<std::size_t>(t % 2)];
        int lowest = INT_MAX;
        while (writing.load()) {
            const int stock = service.getStock(sku).stock;
            if (stock > lowest)
                wentBack.fetch_add(1);
            lowest = std::min(lowest, stock);
            readsDone.fetch_add(1);
        }
    });
    writers.join();
    QVERIFY(readsDone.load() > 100);
    if (strategy == StrategyKind::Naive) {
        QVERIFY2(wentBack.load() > 0, "naive should show stock going back up under a race delay");
    } else {
        QCOMPARE(wentBack.load(), 0);
    }
}

void TestContract::writeVisibleWithin100ms()
{
    QFETCH(StrategyKind, strategy);
    const std::string sku = testservices::uniqueSku("visible");
    auto service = testservices::makeService(strategy);
    service->addProduct(sku, "Visible item", 1000);
    service->getStock(sku); // warm
    for (int i = 0; i < 20; ++i) {
        const auto result = i % 3 == 2 ? service->restock(sku, 2) : service->purchase(sku, 1);
        const auto deadline = std::chrono::steady_clock::now() + 100ms;
        bool visible = false;
        do {
            auto cached = service->cachedStock(sku);
            if (cached && cached->version >= result.version) {
                visible = true;
                break;
            }
            // A missing key is fine only if the next read through the strategy refills it fresh.
            if (!cached && service->getStock(sku).version >= result.version) {
                cached = service->cachedStock(sku);
                visible = cached && cached->version >= result.version;
                if (visible)
                    break;
            }
            std::this_thread::sleep_for(1ms);
        } while (std::chrono::steady_clock::now() < deadline);
        QVERIFY2(visible,
                 qPrintable(QStringLiteral("write %1 not visible in the cache within 100 ms").arg(i)));
    }
}

void TestContract::warmHitRate()
{
    QFETCH(StrategyKind, strategy);
    auto service = testservices::makeService(strategy);
    std::vector<std::string> skus;
    for (int i = 0; i < 50; ++i) {
        skus.push_back(testservices::uniqueSku("warm"));
        service->addProduct(skus.back(), "Warm item", 10);
        service->getStock(skus.back());
    }
    const long long hitsBefore = service->stats().cacheHits.load();
    const long long readsBefore = service->stats().reads.load();
    std::mt19937 random(42);
    for (int i = 0; i < 2000; ++i)
        service->getStock(skus[random() % skus.size()]);
    const double hitRate = double(service->stats().cacheHits.load() - hitsBefore) /
                           double(service->stats().reads.load() - readsBefore);
    QVERIFY2(hitRate > 0.9, qPrintable(QString::number(hitRate)));
}

void TestContract::failedTransactionLeavesNothing()
{
    QFETCH(StrategyKind, strategy);
    // The audit insert fails for this reason, inside the write's transaction. Triggers are DDL: the
    // schema owner adds and drops this one.
    inv::PgConnection owner(testservices::ownerUrl());
    owner.execScript(R"sql(
CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.reason = 'test: fail the audit insert' THEN
        RAISE EXCEPTION 'audit insert failed on purpose';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS test_fail_audit ON inventory_audit;
CREATE TRIGGER test_fail_audit BEFORE INSERT ON inventory_audit FOR EACH ROW EXECUTE FUNCTION test_fail_audit();
)sql");
    const std::string sku = testservices::uniqueSku("atomic");
    auto service = testservices::makeService(strategy);
    service->addProduct(sku, "Atomic item", 50);
    service->getStock(sku);
    const auto before = *service->databaseStock(sku);

    QVERIFY_THROWS_EXCEPTION(inv::DbError, service->purchase(sku, 5, "test: fail the audit insert"));
    QVERIFY_THROWS_EXCEPTION(inv::DbError, service->restock(sku, 5, "test: fail the audit insert"));
    QVERIFY_THROWS_EXCEPTION(inv::DbError, service->adjust(sku, 7, "test: fail the audit insert"));

    const auto after = *service->databaseStock(sku);
    QCOMPARE(after.stock, before.stock);
    QCOMPARE(after.version, before.version);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 0LL);
    QCOMPARE(service->getStock(sku).stock, 50);
    // The next ordinary write goes through and is audited.
    service->purchase(sku, 5, "ordinary");
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL);
    owner.exec("DROP TRIGGER test_fail_audit ON inventory_audit");
}

void TestContract::ledgerReconciles()
{
    QFETCH(StrategyKind, strategy);
    const std::string sku = testservices::uniqueSku("ledger");
    auto servers = makeServers(strategy, 4, 4);
    constexpr int kInitial = 200;
    servers[0]->addProduct(sku, "Ledger item", kInitial);

    std::atomic<long long> sold{0};
    std::atomic<long long> restocked{0};
    std::atomic<long long> successes{0};
    std::atomic<int> errors{0};
    runThreads(16, [&](int t) {
        std::mt19937 random(static_cast<unsigned>(t));
        auto &service = *servers[static_cast<std::size_t>(t % 4)];
        for (int i = 0; i < 100; ++i) {
            try {
                if (random() % 10 < 6) {
                    const int q = 1 + static_cast<int>(random() % 3);
                    service.purchase(sku, q);
                    sold += q;
                } else {
                    const int q = 1 + static_cast<int>(random() % 5);
                    service.restock(sku, q);
                    restocked += q;
                }
                ++successes;
            } catch (const inv::InsufficientStock &) {
            } catch (const inv::Error &) {
                ++errors;
            }
        }
    });
    QCOMPARE(errors.load(), 0);
    const int final = testservices::dbStock(*m_db, sku);
    QCOMPARE(static_cast<long long>(final), kInitial - sold.load() + restocked.load());
    const auto audit = testservices::auditTotals(*m_db, sku);
    QCOMPARE(audit.rows, successes.load());
    QCOMPARE(audit.purchased, sold.load());
    QCOMPARE(audit.restocked, restocked.load());
    const auto lastAudit = m_db->exec("SELECT stock_after, version FROM inventory_audit WHERE sku = $1 "
                                      "ORDER BY version DESC LIMIT 1",
                                      {sku});
    QCOMPARE(lastAudit.int32(0, 0), final);
}

void TestContract::expiryDuringWriteLeavesNoStaleEntry()
{
    QFETCH(StrategyKind, strategy);
    const std::string sku = testservices::uniqueSku("expiry");
    auto writerSide = testservices::makeService(strategy, 2, 20ms, 30s, "writer");
    auto readerSide = testservices::makeService(strategy, 2, 20ms, 30s, "reader");
    writerSide->addProduct(sku, "Expiring item", 10'000);
    int staleRounds = 0;
    for (int round = 0; round < 30; ++round) {
        readerSide->getStock(sku);
        writerSide->cache().remove(sku); // the key expires just as the write starts
        std::latch go(2);
        {
            std::jthread writer([&] {
                go.arrive_and_wait();
                writerSide->purchase(sku, 1);
            });
            std::jthread reader([&] {
                go.arrive_and_wait();
                readerSide->getStock(sku);
            });
        }
        const auto db = *writerSide->databaseStock(sku);
        const auto cached = writerSide->cachedStock(sku);
        if (cached && cached->version < db.version)
            ++staleRounds;
    }
    if (strategy == StrategyKind::Naive)
        QVERIFY2(staleRounds > 0, "naive should leave a stale fill behind at least once in 30 rounds");
    else
        QCOMPARE(staleRounds, 0);
}

void TestContract::thunderingHerd()
{
    QFETCH(StrategyKind, strategy);
    const std::string sku = testservices::uniqueSku("herd");
    // The same race delay for every strategy keeps a fill in flight while the herd arrives.
    auto servers = makeServers(strategy, 4, 8, 20ms);
    servers[0]->addProduct(sku, "Hot item", 500);
    auto totalFills = [&] {
        long long fills = 0;
        for (auto &s : servers)
            fills += s->stats().dbFills.load();
        return fills;
    };

    // Several herds: how many readers beat the first fill varies with thread scheduling on two
    // cores, so one herd alone says little about naive.
    constexpr int kReaders = 200;
    constexpr int kRounds = 3;
    std::atomic<int> wrong{0};
    long long fills = 0;
    long long mostInOneRound = 0;
    for (int round = 0; round < kRounds; ++round) {
        servers[0]->cache().remove(sku);
        const long long before = totalFills();
        std::latch go(kReaders);
        runThreads(kReaders, [&](int t) {
            go.arrive_and_wait();
            if (servers[static_cast<std::size_t>(t % 4)]->getStock(sku).stock != 500)
                wrong.fetch_add(1);
        });
        const long long thisRound = totalFills() - before;
        fills += thisRound;
        mostInOneRound = std::max(mostInOneRound, thisRound);
    }
    QCOMPARE(wrong.load(), 0);
    qInfo("%s: %lld database fills for %d herds of %d concurrent readers of a cold key",
          inv::Strategy::kindName(strategy), fills, kRounds, kReaders);
    if (strategy == StrategyKind::Naive)
        QVERIFY2(fills > 20, qPrintable(QString::number(fills)));
    else
        QVERIFY2(fills >= kRounds && mostInOneRound <= 4, qPrintable(QString::number(fills)));
}

QTEST_GUILESS_MAIN(TestContract)
#include "tst_contract.moc"
