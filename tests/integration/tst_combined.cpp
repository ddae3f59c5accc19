// `combined` against the real services: a batch grants in arrival order and refuses only what does
// not fit; many buyers on several servers sell exactly the stock, every one with its own audit row,
// in one unbroken chain of versions, and the cache ends at the row's version; a retried request is
// replayed, never sold twice; two processes share a SKU; and the race demo finds nothing wrong.
#include "clirunner.h"
#include "errors.h"
#include "inventory/conditionalwrite.h"
#include "inventory/purchasebatch.h"
#include "sim/simulation.h"
#include "testpaths.h"
#include "testservices.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <atomic>
#include <latch>
#include <random>
#include <thread>

using namespace std::chrono_literals;
using inv::StrategyKind;

class TestCombined : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void batchGrantsInArrivalOrder();
    void batchRefusesAnUnknownSku();
    void buyersOnSeveralServersSellExactlyTheStock();
    void retriedPurchaseIsReplayedNotSoldTwice();
    void retryBehindItsCommittingFirstWriteIsReplayed();
    void cacheFailureLeavesOneRepairMark();
    void noBuyerIsAnsweredBeforeItsRepairMark();
    void raceDemoFindsNothingWrong();
    void twoProcessesShareOneSku();

private:
    // Each audit row's stock_before is the previous row's stock_after, versions rise by one, and
    // the last row matches the product. Returns the number of broken links.
    long long brokenLinks(const std::string &sku);
    std::unique_ptr<inv::PgConnection> m_db;
};

void TestCombined::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    testservices::makeService(StrategyKind::Combined);
}

long long TestCombined::brokenLinks(const std::string &sku)
{
    auto r = m_db->exec(R"sql(
        WITH chain AS (
            SELECT version, stock_before, stock_after,
                   lag(stock_after) OVER (ORDER BY version) AS previous_after,
                   lag(version) OVER (ORDER BY version) AS previous_version
            FROM inventory_audit WHERE sku = $1)
        SELECT (SELECT count(*) FROM chain
                WHERE previous_version IS NOT NULL
                  AND (stock_before <> previous_after OR version <> previous_version + 1))
             + (SELECT count(*) FROM inventory i
                WHERE i.sku = $1 AND NOT EXISTS (
                    SELECT 1 FROM chain c WHERE c.version = i.version AND c.stock_after = i.stock
                      AND c.version = (SELECT max(version) FROM chain))))sql",
                        {sku});
    return r.int64(0, 0);
}

void TestCombined::batchGrantsInArrivalOrder()
{
    auto service = testservices::makeService(StrategyKind::Combined);
    const std::string sku = testservices::uniqueSku("BATCH");
    service->addProduct(sku, "batch", 5);
    inv::PurchaseBatch batch(service->pgPool(), "batch-test", {});
    std::vector<inv::WriteRequest> requests;
    for (int quantity : {2, 4, 1, 3, 1}) {
        inv::WriteRequest r;
        r.sku = sku;
        r.quantity = quantity;
        r.reason = "a \"quoted\" reason, with a comma\\";
        requests.push_back(r);
    }
    std::vector<const inv::WriteRequest *> pointers;
    for (const auto &r : requests)
        pointers.push_back(&r);
    const auto outcomes = batch.apply(sku, pointers);
    QCOMPARE(outcomes.size(), std::size_t(5));
    // 5 - 2 = 3; 4 does not fit; 3 - 1 = 2; 3 does not fit; 2 - 1 = 1.
    const bool granted[] = {true, false, true, false, true};
    const int left[] = {3, 3, 2, 2, 1};
    for (std::size_t i = 0; i < 5; ++i) {
        QCOMPARE(outcomes[i].granted, granted[i]);
        QCOMPARE(outcomes[i].stockLeft, left[i]);
    }
    QCOMPARE(outcomes[0].result.version, 2LL);
    QCOMPARE(outcomes[2].result.version, 3LL);
    QCOMPARE(outcomes[4].result.version, 4LL);
    QCOMPARE(testservices::dbStock(*m_db, sku), 1);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 3LL);
    QCOMPARE(brokenLinks(sku), 0LL);
    auto reason = m_db->exec("SELECT DISTINCT reason FROM inventory_audit WHERE sku = $1", {sku});
    QCOMPARE(reason.rows(), 1);
    QCOMPARE(reason.text(0, 0), requests[0].reason);
    // Anything but purchases of this SKU is refused before a statement is sent.
    inv::WriteRequest other = requests[0];
    other.sku = sku + "-other";
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, batch.apply(sku, {&other}));
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 3LL);
}

void TestCombined::batchRefusesAnUnknownSku()
{
    auto service = testservices::makeService(StrategyKind::Combined);
    QVERIFY_THROWS_EXCEPTION(inv::UnknownSku, service->purchase(testservices::uniqueSku("MISSING"), 1));
}

void TestCombined::buyersOnSeveralServersSellExactlyTheStock()
{
    const std::string sku = testservices::uniqueSku("HOT");
    constexpr int kStock = 300, kServers = 3, kThreadsPerServer = 12, kPerThread = 25;
    std::vector<std::unique_ptr<inv::InventoryService>> servers;
    for (int s = 0; s < kServers; ++s)
        servers.push_back(
            testservices::makeService(StrategyKind::Combined, 4, 1ms, 30s, "comb-" + std::to_string(s)));
    servers.front()->addProduct(sku, "hot", kStock);
    std::atomic<int> sold{0}, refused{0}, wrongRefusals{0}, errors{0};
    std::latch start(kServers * kThreadsPerServer);
    {
        std::vector<std::jthread> buyers;
        for (int s = 0; s < kServers; ++s)
            for (int t = 0; t < kThreadsPerServer; ++t)
                buyers.emplace_back([&, s, t] {
                    start.arrive_and_wait();
                    for (int i = 0; i < kPerThread; ++i) {
                        inv::WriteRequest r;
                        r.sku = sku;
                        r.quantity = 1 + (t + i) % 2;
                        r.requestId =
                            sku + "-" + std::to_string(s) + "-" + std::to_string(t) + "-" + std::to_string(i);
                        try {
                            servers[static_cast<std::size_t>(s)]->write(r);
                            sold.fetch_add(r.quantity);
                        } catch (const inv::InsufficientStock &e) {
                            refused.fetch_add(1);
                            // Refused only when what is left is really less than asked for.
                            if (e.available() >= r.quantity)
                                wrongRefusals.fetch_add(1);
                        } catch (const std::exception &) {
                            errors.fetch_add(1);
                        }
                    }
                });
    }
    QCOMPARE(errors.load(), 0);
    QCOMPARE(wrongRefusals.load(), 0);
    QCOMPARE(sold.load(), kStock); // 900 buyers of 1 or 2 units: the stock runs out
    QVERIFY(refused.load() > 0);
    QCOMPARE(testservices::dbStock(*m_db, sku), 0);
    const auto totals = testservices::auditTotals(*m_db, sku);
    QCOMPARE(totals.purchased, static_cast<long long>(kStock));
    QCOMPARE(brokenLinks(sku), 0LL);
    // Purchases were combined, within each server's bound.
    long long batches = 0, buyers = 0;
    int largest = 0;
    for (auto &server : servers) {
        const auto stats = server->combinerStats();
        batches += stats.batchCount();
        buyers += stats.buyers();
        largest = std::max(largest, stats.largest());
    }
    qInfo("%lld purchases in %lld batches, the largest %d", buyers, batches, largest);
    QVERIFY(largest > 1);
    QVERIFY(largest <= kThreadsPerServer);
    QVERIFY(batches < buyers);
    // The cache ends at the row's version.
    const auto cached = servers.front()->cachedStock(sku);
    QVERIFY(cached.has_value());
    QCOMPARE(cached->stock, 0);
    QCOMPARE(cached->version, servers.front()->databaseStock(sku)->version);
}

void TestCombined::retriedPurchaseIsReplayedNotSoldTwice()
{
    auto service = testservices::makeService(StrategyKind::Combined);
    const std::string sku = testservices::uniqueSku("RETRY");
    service->addProduct(sku, "retry", 10);
    inv::WriteRequest r;
    r.sku = sku;
    r.quantity = 3;
    r.requestId = sku + "-first";
    const auto first = service->write(r);
    QVERIFY(!first.replayed);
    // The retry, alone and inside a batch of other buyers: replayed each time, sold once.
    const auto again = service->write(r);
    QVERIFY(again.replayed);
    QCOMPARE(again.version, first.version);
    std::atomic<int> replayed{0};
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < 6; ++i)
            threads.emplace_back([&, i] {
                inv::WriteRequest mine = r;
                if (i % 2)
                    mine.requestId = sku + "-other-" + std::to_string(i);
                try {
                    if (service->write(mine).replayed)
                        replayed.fetch_add(1);
                } catch (const inv::InsufficientStock &) {
                }
            });
    }
    QCOMPARE(replayed.load(), 3);
    // 3 first, then at most two more of 3 from the seven units left: 10 - 3 - 6 = 1.
    QCOMPARE(testservices::dbStock(*m_db, sku), 1);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 3LL);
    QCOMPARE(brokenLinks(sku), 0LL);
    // The same id for a different change is refused, and writes nothing.
    inv::WriteRequest clash = r;
    clash.quantity = 1;
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, service->write(clash));
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 3LL);
}

void TestCombined::retryBehindItsCommittingFirstWriteIsReplayed()
{
    // The first write of a request id takes the last units and is committing (it holds the row)
    // when its retry arrives in a batch. The batch's snapshot predates that commit; the retry must
    // still be answered with the first write, not refused for want of stock.
    auto service = testservices::makeService(StrategyKind::Combined);
    const std::string sku = testservices::uniqueSku("BEHIND");
    service->addProduct(sku, "behind", 2);
    inv::WriteRequest first;
    first.sku = sku;
    first.quantity = 2;
    first.requestId = sku + "-first";
    inv::WriteRequest other = first;
    other.requestId = sku + "-other";
    other.quantity = 1;

    inv::PgConnection holder(testservices::pgUrl());
    holder.exec("BEGIN");
    const auto written = holder.exec(inv::ConditionalWrite::sql(inv::Action::Purchase),
                                     inv::ConditionalWrite::params(first, "holder", inv::PgParam()));
    const long long firstAudit = written.int64(0, 3);
    inv::PurchaseBatch batch(service->pgPool(), "behind-test", {});
    std::vector<inv::BatchPurchase> outcomes;
    std::jthread retry([&] { outcomes = batch.apply(sku, {&first, &other}); });
    const bool waiting = !testservices::lockWaiter(*m_db, holder, "FOR UPDATE").empty();
    QVERIFY2(waiting, "the batch never waited on the row lock");
    holder.exec("COMMIT");
    retry.join();
    QCOMPARE(outcomes.size(), std::size_t(2));
    QVERIFY(!outcomes[0].granted);
    QCOMPARE(outcomes[0].earlier, inv::BatchPurchase::Earlier::Same);
    QVERIFY(outcomes[0].result.replayed);
    QCOMPARE(outcomes[0].result.auditId, firstAudit);
    QCOMPARE(outcomes[0].result.stock, 0);
    QVERIFY(!outcomes[1].granted);
    QCOMPARE(outcomes[1].earlier, inv::BatchPurchase::Earlier::None);
    QCOMPARE(testservices::dbStock(*m_db, sku), 0);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL);
}

void TestCombined::cacheFailureLeavesOneRepairMark()
{
    // Redis refuses the batch's cache update (a closed port): the purchases still commit, and the
    // cache is owed a repair up to the batch's last version, so that no older entry is trusted.
    const std::string sku = testservices::uniqueSku("NOCACHE");
    auto healthy = testservices::makeService(StrategyKind::Combined);
    healthy->addProduct(sku, "no cache", 50);
    healthy->getStock(sku); // the cache now holds version 1
    inv::ServiceConfig config;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = "redis://127.0.0.1:1";
    config.strategy = StrategyKind::Combined;
    config.serverId = "nocache";
    inv::InventoryService broken(config);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] { broken.purchase(sku, 1); });
    threads.clear();
    QCOMPARE(testservices::dbStock(*m_db, sku), 42);
    QVERIFY(broken.stats().repairsOwed.load() >= 1);
    QVERIFY(broken.stats().repairsOwed.load() <= broken.combinerStats().batchCount());
    auto marks = m_db->exec("SELECT max(version) FROM cache_repairs WHERE sku = $1", {sku});
    QCOMPARE(marks.int64(0, 0), broken.databaseStock(sku)->version);
    // A healthy server applies the mark before it trusts the cache: it reads the new stock.
    auto reader = testservices::makeService(StrategyKind::Versioned);
    QCOMPARE(reader->getStock(sku).stock, 42);
}

void TestCombined::noBuyerIsAnsweredBeforeItsRepairMark()
{
    // Redis refuses every cache update. Each buyer, the moment it is answered, finds a repair mark
    // that covers its version: a process that dies right after an answer leaves the cache owed.
    const std::string sku = testservices::uniqueSku("MARKFIRST");
    auto healthy = testservices::makeService(StrategyKind::Combined);
    healthy->addProduct(sku, "mark first", 400);
    inv::ServiceConfig config;
    config.pgConninfo = testservices::pgUrl();
    config.redisUrl = "redis://127.0.0.1:1";
    config.strategy = StrategyKind::Combined;
    config.serverId = "markfirst";
    inv::InventoryService broken(config);
    constexpr int kBuyers = 8;
    constexpr int kRounds = 6;
    std::vector<std::unique_ptr<inv::PgConnection>> checkers;
    for (int i = 0; i < kBuyers; ++i)
        checkers.push_back(std::make_unique<inv::PgConnection>(testservices::pgUrl()));
    std::atomic<int> uncovered{0};
    for (int round = 0; round < kRounds; ++round) {
        std::latch start(kBuyers);
        std::vector<std::jthread> threads;
        for (int i = 0; i < kBuyers; ++i)
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                const auto result = broken.purchase(sku, 1);
                const auto mark = checkers[static_cast<std::size_t>(i)]->exec(
                    "SELECT coalesce(max(version), 0) FROM cache_repairs WHERE sku = $1", {sku});
                if (mark.int64(0, 0) < result.version)
                    uncovered.fetch_add(1);
            });
    }
    QVERIFY2(broken.combinerStats().largest() > 1, "no batch formed: the check could not fire");
    QCOMPARE(uncovered.load(), 0);
    QCOMPARE(testservices::dbStock(*m_db, sku), 400 - kBuyers * kRounds);
}

void TestCombined::raceDemoFindsNothingWrong()
{
    // The flash sale of the race demo (the mixed one is tst_simulation's raceDemo, for every strategy).
    auto config = testservices::simulationConfig(inv::ScenarioKind::FlashSale, StrategyKind::Combined, 6, 11);
    config.raceDelay = 5ms;
    config.buyers = 1500;
    config.stock = 100;
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    qInfo("%lld ok, oversold %lld, stale %lld, divergent %lld, %lld batches, largest %d", report.successes,
          report.oversold, report.staleReads, report.divergentKeysAtEnd.value_or(-1),
          report.combining.batchCount(), report.combining.largest());
    QCOMPARE(report.errors, 0LL);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY(report.ledgerOk);
    QCOMPARE(report.ledgerBrokenLinks, 0LL);
    QCOMPARE(report.staleReads, 0LL);
    QCOMPARE(report.divergentKeysAtEnd.value_or(-1), 0LL);
    QCOMPARE(report.successes, 100LL);
    QCOMPARE(report.auditRows, 100LL);
    QVERIFY(report.combining.batchCount() > 0);
    QVERIFY(report.correct().value_or(false));
}

void TestCombined::twoProcessesShareOneSku()
{
    const QString runId = QStringLiteral("comb_%1").arg(QString::number(std::random_device{}() % 100000000));
    const QStringList arguments{
        QStringLiteral("simulate"),   QStringLiteral("--scenario"), QStringLiteral("flash-sale"),
        QStringLiteral("--strategy"), QStringLiteral("combined"),   QStringLiteral("--sku"),
        QStringLiteral("SHARED-C"),   QStringLiteral("--stock"),    QStringLiteral("200"),
        QStringLiteral("--buyers"),   QStringLiteral("1500"),       QStringLiteral("--blind-buyers"),
        QStringLiteral("--servers"),  QStringLiteral("2"),          QStringLiteral("--connections"),
        QStringLiteral("8"),          QStringLiteral("--run-id"),   runId,
        QStringLiteral("--keep"),     QStringLiteral("--json")};
    QProcess first, second;
    first.start(testpaths::cli(), arguments);
    second.start(testpaths::cli(), arguments);
    QVERIFY(first.waitForFinished(120000));
    QVERIFY(second.waitForFinished(120000));
    const QJsonObject a = QJsonDocument::fromJson(first.readAllStandardOutput()).object();
    const QJsonObject b = QJsonDocument::fromJson(second.readAllStandardOutput()).object();
    QVERIFY2(!a.isEmpty() && !b.isEmpty(), first.readAllStandardError().constData());
    QCOMPARE(a.value(QLatin1String("successes")).toInt() + b.value(QLatin1String("successes")).toInt(), 200);
    for (const auto &report : {a, b}) {
        QVERIFY(report.value(QLatin1String("ledger_ok")).toBool());
        const QJsonObject combining = report.value(QLatin1String("combining")).toObject();
        QVERIFY(combining.value(QLatin1String("batches")).toInt() > 0);
        QCOMPARE(combining.value(QLatin1String("purchases")).toInt(), 1500);
    }
    inv::PgConnection space(testservices::pgUrl(), "sim_" + runId.toStdString());
    QCOMPARE(testservices::dbStock(space, "SHARED-C"), 0);
    QCOMPARE(testservices::auditTotals(space, "SHARED-C").rows, 200LL);
    QCOMPARE(runCli({QStringLiteral("simulate"), QStringLiteral("--cleanup")}).exitCode, 0);
}

QTEST_GUILESS_MAIN(TestCombined)
#include "tst_combined.moc"
