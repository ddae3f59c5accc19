// What operators do to live stock while a shop sells it: an adjust that carries the version it was
// computed from, a stock-count import applied in one transaction, and a reversal. Real PostgreSQL and
// Redis; every test asserts on rows, versions, sums and cache contents.
#include "../clirunner.h"
#include "../testservices.h"

#include "errors.h"
#include "inventory/auditlog.h"
#include "inventory/stockcount.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <latch>
#include <thread>

using namespace Qt::Literals::StringLiterals;

class TestOperatorEdits : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void adjustRefusedAfterConcurrentPurchase_data();
    void adjustRefusedAfterConcurrentPurchase();
    void adjustNeverOverwritesUnseenChanges();
    void cliExpectVersion();
    void importAppliesInOneTransaction();
    void importRefusesBrokenFiles_data();
    void importRefusesBrokenFiles();
    void importRefusedWhenStockChangedSincePreview();
    void reversal();
    void reversalIgnoresLookAlikes();
    void concurrentReversesWriteOne_data();
    void concurrentReversesWriteOne();
    void requestIdWritesOnce_data();
    void requestIdWritesOnce();
    void requestIdCli();
    void replayRepairsTheCache();

private:
    QString writeFile(const QString &name, const QByteArray &bytes);
    std::int64_t version(const std::string &sku);

    QTemporaryDir m_dir;
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::InventoryService> m_service;
};

void TestOperatorEdits::initTestCase()
{
    REQUIRE_SERVICES();
    QVERIFY(m_dir.isValid());
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_service = testservices::makeService(inv::StrategyKind::Versioned);
}

QString TestOperatorEdits::writeFile(const QString &name, const QByteArray &bytes)
{
    const QString path = m_dir.filePath(name);
    std::ofstream(path.toStdString(), std::ios::binary).write(bytes.constData(), bytes.size());
    return path;
}

std::int64_t TestOperatorEdits::version(const std::string &sku)
{
    return m_db->exec("SELECT version FROM inventory WHERE sku = $1", {sku}).int64(0, 0);
}

void TestOperatorEdits::adjustRefusedAfterConcurrentPurchase_data()
{
    QTest::addColumn<int>("strategy");
    // unsafe writes a computed value without a row lock: the version check is in the statement itself.
    QTest::newRow("versioned") << static_cast<int>(inv::StrategyKind::Versioned);
    QTest::newRow("locked") << static_cast<int>(inv::StrategyKind::Locked);
    QTest::newRow("unsafe") << static_cast<int>(inv::StrategyKind::Unsafe);
    QTest::newRow("combined") << static_cast<int>(inv::StrategyKind::Combined);
}

void TestOperatorEdits::adjustRefusedAfterConcurrentPurchase()
{
    QFETCH(int, strategy);
    auto operatorConsole = testservices::makeService(static_cast<inv::StrategyKind>(strategy));
    const std::string sku = testservices::uniqueSku("cas");
    m_service->addProduct(sku, "Counted", 44);
    const auto seen = operatorConsole->databaseStock(sku);
    QVERIFY(seen);
    // The shop sells 3 between the operator's look and the operator's Apply.
    m_service->purchase(sku, 3, "web order 4032");
    try {
        operatorConsole->adjust(sku, 50, "shelf count", seen->version);
        QFAIL("the adjust applied although the product changed since the operator looked");
    } catch (const inv::VersionConflict &e) {
        QCOMPARE(e.expectedVersion(), seen->version);
        QCOMPARE(e.currentVersion(), seen->version + 1);
        QCOMPARE(e.currentStock(), 41);
    }
    QCOMPARE(testservices::dbStock(*m_db, sku), 41);
    QCOMPARE(version(sku), seen->version + 1);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL); // the purchase only
    const auto changes = inv::AuditLog(m_service->pgPool()).changesAfter(sku, seen->version, 0, 10);
    QCOMPARE(changes.size(), std::size_t(1));
    QCOMPARE(changes[0].action, std::string("purchase"));
    QCOMPARE(changes[0].reason.value_or(""), std::string("web order 4032"));
    // Re-applied on the new version, it writes.
    const auto result = operatorConsole->adjust(sku, 50, "shelf count", seen->version + 1);
    QCOMPARE(result.stockBefore, 41);
    QCOMPARE(testservices::dbStock(*m_db, sku), 50);
    QCOMPARE(testservices::auditTotals(*m_db, sku).adjusted, 9LL);
    // The cache follows the adjust.
    QCOMPARE(operatorConsole->getStock(sku).stock, 50);
}

void TestOperatorEdits::adjustNeverOverwritesUnseenChanges()
{
    const std::string sku = testservices::uniqueSku("cas-race");
    m_service->addProduct(sku, "Raced", 1'000'000);
    std::atomic<bool> stop{false};
    std::vector<std::jthread> buyers;
    for (int i = 0; i < 3; ++i)
        buyers.emplace_back([&] {
            while (!stop.load())
                m_service->purchase(sku, 1, "shop");
        });
    auto operatorConsole = testservices::makeService(inv::StrategyKind::Versioned, 2);
    int applied = 0;
    int refused = 0;
    for (int i = 0; i < 150; ++i) {
        const auto seen = operatorConsole->databaseStock(sku);
        try {
            const auto result = operatorConsole->adjust(sku, 1'000'000 - i, "recount", seen->version);
            // Applied: nothing happened between the look and the write.
            QCOMPARE(result.version, seen->version + 1);
            QCOMPARE(result.stockBefore, seen->stock);
            ++applied;
        } catch (const inv::VersionConflict &e) {
            QVERIFY(e.currentVersion() > seen->version);
            ++refused;
        }
    }
    stop = true;
    buyers.clear();
    qInfo("adjusts against 3 buyers: %d applied, %d refused", applied, refused);
    QVERIFY(refused > 0); // the race really happened
    // The ledger: every change follows the one before it, with no gap and no overwrite.
    const auto broken =
        m_db->exec("SELECT count(*) FROM (SELECT stock_before, lag(stock_after) OVER (ORDER BY "
                   "version) AS prev FROM inventory_audit WHERE sku = $1) t "
                   "WHERE prev IS NOT NULL AND prev <> stock_before",
                   {sku});
    QCOMPARE(broken.int64(0, 0), 0LL);
}

void TestOperatorEdits::cliExpectVersion()
{
    const std::string sku = testservices::uniqueSku("cas-cli");
    m_service->addProduct(sku, "CLI counted", 20);
    const QString s = QString::fromStdString(sku);
    const auto v = version(sku);
    m_service->purchase(sku, 2);
    auto run = runCli(
        {u"adjust"_s, s, u"30"_s, u"--expect-version"_s, QString::number(v), u"--reason"_s, u"count"_s});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(u"version %1"_s.arg(v + 1)), qPrintable(run.err));
    QVERIFY2(run.err.contains(u"nothing was written"_s), qPrintable(run.err));
    QCOMPARE(testservices::dbStock(*m_db, sku), 18);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL);
    run = runCli({u"purchase"_s, s, u"1"_s, u"--expect-version"_s, QString::number(v)});
    QCOMPARE(run.exitCode, 2);
    run = runCli({u"adjust"_s, s, u"30"_s, u"--expect-version"_s, u"x"_s});
    QCOMPARE(run.exitCode, 2);
    run = runCli({u"adjust"_s, s, u"30"_s, u"--expect-version"_s, QString::number(v + 1), u"--json"_s});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(u"\"stock\": 30"_s), qPrintable(run.out));
    QCOMPARE(testservices::dbStock(*m_db, sku), 30);
}

void TestOperatorEdits::importAppliesInOneTransaction()
{
    const std::string a = testservices::uniqueSku("count");
    const std::string b = testservices::uniqueSku("count");
    const std::string c = testservices::uniqueSku("count");
    m_service->addProduct(a, "Counted A", 10);
    m_service->addProduct(b, "Counted B", 20);
    m_service->addProduct(c, "Counted C", 30);
    QCOMPARE(m_service->getStock(a).stock, 10); // cached now
    const auto path = writeFile(u"count.csv"_s, QByteArray("\xEF\xBB\xBFsku,counted,reason\r\n") + a.c_str() +
                                                    ",7,damaged\r\n" + b.c_str() + ",20\r\n\"" + c.c_str() +
                                                    "\",31,\"found, behind the shelf\"\r\n");
    auto run = runCli({u"import-count"_s, path, u"--dry-run"_s});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(u"2 to change"_s), qPrintable(run.out));
    QCOMPARE(testservices::dbStock(*m_db, a), 10);
    QCOMPARE(testservices::auditTotals(*m_db, a).rows, 0LL);

    run = runCli({u"import-count"_s, path});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(u"2 adjusted, 1 unchanged"_s), qPrintable(run.out));
    QCOMPARE(testservices::dbStock(*m_db, a), 7);
    QCOMPARE(testservices::dbStock(*m_db, b), 20);
    QCOMPARE(testservices::dbStock(*m_db, c), 31);
    QCOMPARE(testservices::auditTotals(*m_db, b).rows, 0LL); // unchanged: no adjustment, no row
    const auto rows = m_db->exec("SELECT sku, quantity, reason, xmin::text FROM inventory_audit WHERE sku IN "
                                 "($1, $2) ORDER BY sku",
                                 {a, c});
    QCOMPARE(rows.rows(), 2);
    QCOMPARE(rows.int32(0, 1), -3);
    QCOMPARE(rows.text(0, 2), std::string("stock count count.csv: damaged"));
    QCOMPARE(rows.text(1, 2), std::string("stock count count.csv: found, behind the shelf"));
    QCOMPARE(rows.text(0, 3), rows.text(1, 3)); // written by one transaction
    // No reader sees the value cached before the count.
    QCOMPARE(m_service->getStock(a).stock, 7);
}

void TestOperatorEdits::importRefusesBrokenFiles_data()
{
    QTest::addColumn<QByteArray>("body"); // after a valid first data line for the known SKU
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("expected");
    const QByteArray header = "sku,counted\n";
    QTest::newRow("bad number") << QByteArray("%2,12x\n") << header << u"line 3: invalid quantity '12x'"_s;
    QTest::newRow("negative") << QByteArray("%2,-1\n") << header << u"line 3: invalid quantity -1"_s;
    QTest::newRow("unknown SKU") << QByteArray("NOPE-%3,5\n") << header << u"line 3: unknown SKU"_s;
    QTest::newRow("duplicate SKU") << QByteArray("%1,4\n") << header << u"first on line 2"_s;
    QTest::newRow("wrong header") << QByteArray() << QByteArray("product,qty\n")
                                  << u"line 1: the first line must be"_s;
    QTest::newRow("empty file") << QByteArray("EMPTY") << QByteArray() << u"the file is empty"_s;
    QTest::newRow("not UTF-8") << QByteArray("%2,5,caf\xe9\n") << QByteArray("sku,counted,reason\n")
                               << u"line 3 is not UTF-8"_s;
    QTest::newRow("field count") << QByteArray("%2,5,extra\n") << header << u"line 3: expected 2 fields"_s;
    QTest::newRow("open quote") << QByteArray("\"%2,5\n") << header
                                << u"line 3: a quoted field is not closed"_s;
}

void TestOperatorEdits::importRefusesBrokenFiles()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, header);
    QFETCH(QString, expected);
    const std::string first = testservices::uniqueSku("broken");
    const std::string second = testservices::uniqueSku("broken");
    m_service->addProduct(first, "Broken A", 10);
    m_service->addProduct(second, "Broken B", 10);
    QByteArray bytes;
    if (body != "EMPTY") {
        bytes = header + QByteArray(first.c_str()) + ",1\n" + body;
        bytes.replace("%1", first.c_str()).replace("%2", second.c_str()).replace("%3", first.c_str());
    }
    const auto path = writeFile(u"broken.csv"_s, bytes);
    const auto run = runCli({u"import-count"_s, path});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(expected), qPrintable(run.err));
    QVERIFY2(run.err.contains(u"nothing was written"_s), qPrintable(run.err));
    // The valid first line was not applied either.
    QCOMPARE(testservices::dbStock(*m_db, first), 10);
    QCOMPARE(testservices::auditTotals(*m_db, first).rows, 0LL);
    QCOMPARE(testservices::auditTotals(*m_db, second).rows, 0LL);
}

void TestOperatorEdits::importRefusedWhenStockChangedSincePreview()
{
    const std::string a = testservices::uniqueSku("count-race");
    const std::string b = testservices::uniqueSku("count-race");
    m_service->addProduct(a, "Previewed A", 10);
    m_service->addProduct(b, "Previewed B", 10);
    auto count = inv::StockCount::parse("sku,counted\n" + a + ",5\n" + b + ",6\n", "race.csv");
    count.preview(m_service->pgPool());
    QVERIFY(count.valid());
    QCOMPARE(count.changeCount(), 2);
    m_service->purchase(b, 1, "sold during the preview");
    QVERIFY_THROWS_EXCEPTION(inv::VersionConflict, m_service->importCount(count));
    QCOMPARE(testservices::dbStock(*m_db, a), 10);
    QCOMPARE(testservices::auditTotals(*m_db, a).rows, 0LL);
    QCOMPARE(testservices::dbStock(*m_db, b), 9);
    // Not previewed or not valid: refused before any statement.
    auto unchecked = inv::StockCount::parse("sku,counted\n" + a + ",5\n", "x.csv");
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, m_service->importCount(unchecked));
}

void TestOperatorEdits::reversal()
{
    const std::string sku = testservices::uniqueSku("reverse");
    m_service->addProduct(sku, "Reversed", 10);
    const auto sold = m_service->purchase(sku, 3, "wrong product scanned");
    const auto undone = m_service->reverse(sold.auditId);
    QCOMPARE(undone.stock, 10);
    const auto row = inv::AuditLog(m_service->pgPool()).entry(undone.auditId);
    QVERIFY(row);
    QCOMPARE(row->action, std::string("restock"));
    QCOMPARE(row->reason.value_or(""),
             "reverses #" + std::to_string(sold.auditId) + ": wrong product scanned");
    // Reversed once only; the original row is untouched.
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, m_service->reverse(sold.auditId));
    QCOMPARE(inv::AuditLog(m_service->pgPool()).entry(sold.auditId)->quantity, 3);

    // A restock whose units were sold since: the reversal would make stock negative, so it is refused.
    const auto delivered = m_service->restock(sku, 5, "delivery");
    m_service->purchase(sku, 12);
    QVERIFY_THROWS_EXCEPTION(inv::InsufficientStock, m_service->reverse(delivered.auditId));
    QCOMPARE(testservices::dbStock(*m_db, sku), 3);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 4LL);

    // An adjust is reversed by its difference, relative to today's stock.
    const auto counted = m_service->adjust(sku, 8, "count");
    m_service->purchase(sku, 1);
    const auto back = m_service->reverse(counted.auditId, "miscounted");
    QCOMPARE(back.stock, 2);
    QVERIFY(inv::AuditLog(m_service->pgPool())
                .entry(back.auditId)
                ->reason.value_or("")
                .ends_with("(miscounted)"));

    // The command line.
    auto run = runCli({u"reverse"_s, u"#%1"_s.arg(sold.auditId)});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"reversed already"_s), qPrintable(run.err));
    run = runCli({u"reverse"_s, u"99999999999"_s});
    QCOMPARE(run.exitCode, 2);
    run = runCli({u"reverse"_s, u"abc"_s});
    QCOMPARE(run.exitCode, 2);
    const auto sold2 = m_service->purchase(sku, 2);
    run = runCli({u"reverse"_s, QString::number(sold2.auditId)});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(testservices::dbStock(*m_db, sku), 2);
}

// Whether a row was reversed is the database's link, not text an operator can type: a restock whose
// reason or request id looks like a reversal's blocks nothing.
void TestOperatorEdits::reversalIgnoresLookAlikes()
{
    const std::string sku = testservices::uniqueSku("lookalike");
    m_service->addProduct(sku, "Look-alike", 20);
    const auto first = m_service->purchase(sku, 3, "wrong size");
    const auto second = m_service->purchase(sku, 2, "wrong colour");
    const auto byReason =
        m_service->restock(sku, 1, "reverses #" + std::to_string(first.auditId) + ": nothing");
    auto run = runCli({u"restock"_s, QString::fromStdString(sku), u"1"_s, u"--request-id"_s,
                       u"reverses-#%1"_s.arg(second.auditId)});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(testservices::dbStock(*m_db, sku), 17);

    const auto undoFirst = m_service->reverse(first.auditId);
    const auto undoSecond = m_service->reverse(second.auditId);
    QCOMPARE(undoSecond.stock, 22);
    const auto links = m_db->exec("SELECT reverses, id FROM inventory_audit WHERE sku = $1 AND reverses IS "
                                  "NOT NULL ORDER BY id",
                                  {sku});
    QCOMPARE(links.rows(), 2);
    QCOMPARE(links.int64(0, 0), first.auditId);
    QCOMPARE(links.int64(0, 1), undoFirst.auditId);
    QCOMPARE(links.int64(1, 0), second.auditId);
    QCOMPARE(links.int64(1, 1), undoSecond.auditId);
    const auto entry = inv::AuditLog(m_service->pgPool()).entry(first.auditId);
    QCOMPARE(entry->reversedBy.value_or(0), undoFirst.auditId);
    QVERIFY(!inv::AuditLog(m_service->pgPool()).entry(byReason.auditId)->reverses);
    // The audit report shows the link both ways.
    run = runCli({u"audit"_s, u"--sku"_s, QString::fromStdString(sku), u"--json"_s});
    QCOMPARE(run.exitCode, 0);
    const QJsonArray rows = QJsonDocument::fromJson(run.out.toUtf8()).array();
    QCOMPARE(rows.size(), 6);
    for (const QJsonValue &row : rows) {
        const qint64 id = row[u"id"_s].toInteger();
        QCOMPARE(row[u"reverses"_s].toInteger(-1), id == undoFirst.auditId    ? first.auditId
                                                   : id == undoSecond.auditId ? second.auditId
                                                                              : -1);
        QCOMPARE(row[u"reversed_by"_s].toInteger(-1), id == first.auditId    ? undoFirst.auditId
                                                      : id == second.auditId ? undoSecond.auditId
                                                                             : -1);
    }

    // A second reversal is refused, by the engine and on the command line, and writes nothing.
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, m_service->reverse(first.auditId));
    run = runCli({u"reverse"_s, QString::number(second.auditId)});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"reversed already by #%1"_s.arg(undoSecond.auditId)), qPrintable(run.err));
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 6LL);
    QCOMPARE(testservices::dbStock(*m_db, sku), 22);
}

void TestOperatorEdits::concurrentReversesWriteOne_data()
{
    QTest::addColumn<int>("strategy");
    QTest::newRow("versioned") << static_cast<int>(inv::StrategyKind::Versioned);
    QTest::newRow("locked") << static_cast<int>(inv::StrategyKind::Locked);
    QTest::newRow("naive") << static_cast<int>(inv::StrategyKind::Naive);
    QTest::newRow("unsafe") << static_cast<int>(inv::StrategyKind::Unsafe);
    // The reversal of a restock is a purchase, which `combined` would otherwise batch.
    QTest::newRow("combined") << static_cast<int>(inv::StrategyKind::Combined);
}

// Four operators reverse the same row at once: the unique link lets exactly one reversal in.
void TestOperatorEdits::concurrentReversesWriteOne()
{
    QFETCH(int, strategy);
    auto service = testservices::makeService(static_cast<inv::StrategyKind>(strategy), 8);
    const std::string sku = testservices::uniqueSku("reverse-race");
    service->addProduct(sku, "Reversed at once", 10);
    const auto delivered = service->restock(sku, 5, "delivery");

    constexpr int kOperators = 4;
    std::latch start(kOperators);
    std::atomic<int> written{0};
    std::atomic<int> refused{0};
    std::vector<std::string> errors(kOperators);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kOperators; ++i)
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                try {
                    service->reverse(delivered.auditId);
                    written.fetch_add(1);
                } catch (const inv::InvalidInput &e) {
                    if (std::string(e.what()).find("reversed already") != std::string::npos)
                        refused.fetch_add(1);
                    else
                        errors[static_cast<std::size_t>(i)] = e.what();
                } catch (const std::exception &e) {
                    errors[static_cast<std::size_t>(i)] = e.what();
                }
            });
    }
    for (const auto &error : errors)
        QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(written.load(), 1);
    QCOMPARE(refused.load(), kOperators - 1);
    QCOMPARE(m_db->exec("SELECT count(*) FROM inventory_audit WHERE reverses = $1",
                        {std::to_string(delivered.auditId)})
                 .int64(0, 0),
             1LL);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 2LL);
    QCOMPARE(testservices::dbStock(*m_db, sku), 10);
}

void TestOperatorEdits::requestIdWritesOnce_data()
{
    QTest::addColumn<int>("strategy");
    QTest::newRow("versioned") << static_cast<int>(inv::StrategyKind::Versioned);
    QTest::newRow("locked") << static_cast<int>(inv::StrategyKind::Locked);
    QTest::newRow("naive") << static_cast<int>(inv::StrategyKind::Naive);
    QTest::newRow("unsafe") << static_cast<int>(inv::StrategyKind::Unsafe);
}

void TestOperatorEdits::requestIdWritesOnce()
{
    QFETCH(int, strategy);
    auto service = testservices::makeService(static_cast<inv::StrategyKind>(strategy), 8);
    const std::string sku = testservices::uniqueSku("idem");
    service->addProduct(sku, "Once", 100);
    const std::string id = testservices::uniqueSku("order");
    inv::WriteRequest request;
    request.sku = sku;
    request.action = inv::Action::Purchase;
    request.quantity = 3;
    request.requestId = id;
    const auto first = service->write(request);
    QVERIFY(!first.replayed);
    // A retry after a lost acknowledgement: the first result again, nothing written.
    const auto retry = service->write(request);
    QVERIFY(retry.replayed);
    QCOMPARE(retry.auditId, first.auditId);
    QCOMPARE(retry.stock, 97);
    QCOMPARE(testservices::dbStock(*m_db, sku), 97);

    // Eight retries at the same moment with a new id: one write.
    request.requestId = id + "-b";
    std::vector<inv::WriteResult> results(8);
    {
        std::vector<std::jthread> threads;
        for (auto &result : results)
            threads.emplace_back([&] { result = service->write(request); });
    }
    QCOMPARE(testservices::dbStock(*m_db, sku), 94);
    QCOMPARE(std::count_if(results.begin(), results.end(), [](const auto &r) { return !r.replayed; }), 1L);
    for (const auto &result : results)
        QCOMPARE(result.auditId, results.front().auditId);
    QCOMPARE(m_db->exec("SELECT count(*) FROM inventory_audit WHERE request_id IN ($1, $2)", {id, id + "-b"})
                 .int64(0, 0),
             2LL);

    // The same id for a different change is refused, and writes nothing.
    request.quantity = 4;
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, service->write(request));
    QCOMPARE(testservices::dbStock(*m_db, sku), 94);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 2LL);
}

void TestOperatorEdits::requestIdCli()
{
    const std::string sku = testservices::uniqueSku("idem-cli");
    m_service->addProduct(sku, "Once from the shell", 10);
    const QString s = QString::fromStdString(sku);
    const QString id = QString::fromStdString(testservices::uniqueSku("web-order"));
    auto run = runCli({u"purchase"_s, s, u"2"_s, u"--request-id"_s, id});
    QCOMPARE(run.exitCode, 0);
    run = runCli({u"purchase"_s, s, u"2"_s, u"--request-id"_s, id});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(u"already done"_s), qPrintable(run.out));
    run = runCli({u"purchase"_s, s, u"2"_s, u"--request-id"_s, id, u"--json"_s});
    QVERIFY2(run.out.contains(u"\"replayed\": true"_s), qPrintable(run.out));
    QCOMPARE(testservices::dbStock(*m_db, sku), 8);
    run = runCli({u"restock"_s, s, u"2"_s, u"--request-id"_s, id});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"different change"_s), qPrintable(run.err));
    for (const QString &bad : {u"has space"_s, QString(129, u'x'), u"caf\u00e9"_s}) {
        run = runCli({u"purchase"_s, s, u"1"_s, u"--request-id"_s, bad});
        QCOMPARE(run.exitCode, 2);
    }
    QCOMPARE(testservices::dbStock(*m_db, sku), 8);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL);
}

void TestOperatorEdits::replayRepairsTheCache()
{
    // A purchase committed, and its acknowledgement was lost before its cache update ran: the cache
    // still holds the value from before it. The retry with the same id must not leave it there.
    auto service = testservices::makeService(inv::StrategyKind::Versioned);
    const std::string sku = testservices::uniqueSku("replay");
    service->addProduct(sku, "Replayed", 50);
    inv::WriteRequest request;
    request.sku = sku;
    request.action = inv::Action::Purchase;
    request.quantity = 5;
    request.requestId = testservices::uniqueSku("lost-ack");
    const auto committed = service->store().applyConditional(request); // the commit, no cache update
    service->cache().set(sku, 50, committed.version - 1);              // the value cached before it
    QCOMPARE(service->cache().peek(sku)->stock, 50);
    const auto retry = service->write(request);
    QVERIFY(retry.replayed);
    QCOMPARE(retry.auditId, committed.auditId);
    // The repair owed by the replay is applied within the repair poll (1 s).
    QTRY_COMPARE_WITH_TIMEOUT(service->getStock(sku).stock, 45, 5000);
    QCOMPARE(testservices::dbStock(*m_db, sku), 45);
}

QTEST_GUILESS_MAIN(TestOperatorEdits)
#include "tst_operatoredits.moc"
