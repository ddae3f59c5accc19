// The console against the real services, offscreen: the inventory model passes Qt's model tester,
// a purchase through the side panel changes the database and the table, an invalid quantity
// shows an error and writes nothing, and a Redis outage turns its status red while the event loop
// stays responsive.
#include "elidedlabel.h"
#include "inventorymodel.h"
#include "inventorypage.h"
#include "mainwindow.h"
#include "testservices.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTimer>

#include <algorithm>

class TestInventoryPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void modelPassesTester();
    void purchaseThroughPanel();
    void invalidQuantityWritesNothing();
    void redisOutageTurnsStatusRed();
    void statusSaysWhenWritesAreNotDurable();
    void redisThatRefusesIsSaidSo();
    void cleanupTestCase();

private:
    void showOnly(const std::string &sku);
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::InventoryService> m_service;
    std::unique_ptr<MainWindow> m_window;
};

void TestInventoryPage::initTestCase()
{
    REQUIRE_SERVICES();
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_service = testservices::makeService(inv::StrategyKind::Versioned);
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QString::fromStdString(testservices::redisUrl());
    options.strategy = QStringLiteral("versioned");
    options.page = QStringLiteral("inventory");
    m_window = std::make_unique<MainWindow>(options);
    m_window->show();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
}

void TestInventoryPage::showOnly(const std::string &sku)
{
    auto *filter = m_window->findChild<QLineEdit *>(QStringLiteral("filter"));
    QVERIFY(filter);
    filter->setText(QString::fromStdString(sku));
    InventoryModel *model = m_window->inventoryPage()->model();
    // The previous filter's rows stay until the debounced refresh answers.
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 1 && model->rowAt(0)->sku == QString::fromStdString(sku),
                             5000);
    m_window->inventoryPage()->selectSku(QString::fromStdString(sku));
}

void TestInventoryPage::modelPassesTester()
{
    InventoryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    InventorySnapshot snapshot;
    for (int i = 0; i < 5; ++i) {
        InventoryRow row;
        row.sku = QStringLiteral("T-%1").arg(i);
        row.name = QStringLiteral("Tester %1").arg(i);
        row.dbStock = 10 + i;
        row.dbVersion = 1;
        row.cached = i % 2 == 0;
        row.cacheStock = row.dbStock;
        row.cacheVersion = 1;
        row.ttlMs = 20000;
        snapshot.rows.push_back(row);
    }
    model.setSnapshot(snapshot); // reset
    QCOMPARE(model.rowCount(), 5);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    snapshot.rows[2].dbStock = 5;
    snapshot.rows[2].dbVersion = 2; // the cache still says version 1: stale
    model.setSnapshot(snapshot);
    QCOMPARE(reset.count(), 0);
    QVERIFY(changed.count() >= 1);
    for (const auto &signal : changed) // narrow: only row 2 changed
        QCOMPARE(signal.at(0).toModelIndex().row(), 2);
    QCOMPARE(model.staleCount(), 1);
    QCOMPARE(model.data(model.index(2, InventoryModel::CacheState)).toString(), QStringLiteral("STALE"));
    snapshot.rows.removeAt(0);
    model.setSnapshot(snapshot);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 4);

    // The live model inside the window, checked by the tester while it refreshes from the real
    // database: a product added, then sold from outside the window, shows in it.
    InventoryModel *liveModel = m_window->inventoryPage()->model();
    QAbstractItemModelTester live(liveModel, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const std::string sku = testservices::uniqueSku("gui-live");
    m_service->addProduct(sku, "live model", 7);
    showOnly(sku);
    const auto stockShown = [liveModel] {
        const InventoryRow *row = liveModel->rowCount() == 1 ? liveModel->rowAt(0) : nullptr;
        return row ? row->dbStock : -1;
    };
    QCOMPARE(stockShown(), 7);
    m_service->purchase(sku, 2);
    QTRY_COMPARE_WITH_TIMEOUT(stockShown(), 5, 5000);
}

void TestInventoryPage::purchaseThroughPanel()
{
    const std::string sku = testservices::uniqueSku("gui-buy");
    m_service->addProduct(sku, "GUI purchase", 40);
    showOnly(sku);
    auto *page = m_window->inventoryPage();
    auto *action = m_window->findChild<QComboBox *>(QStringLiteral("action"));
    action->setCurrentIndex(action->findData(QStringLiteral("purchase")));
    auto *quantity = m_window->findChild<QLineEdit *>(QStringLiteral("quantity"));
    quantity->clear();
    QTest::keyClicks(quantity, QStringLiteral("3"));
    m_window->findChild<QLineEdit *>(QStringLiteral("reason"))->setText(QStringLiteral("gui test"));
    QTest::mouseClick(m_window->findChild<QPushButton *>(QStringLiteral("apply")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(page->resultText().startsWith(QLatin1String("Done")), 5000);
    QCOMPARE(testservices::dbStock(*m_db, sku), 37);
    const auto audit = m_db->exec("SELECT quantity, reason FROM inventory_audit WHERE sku = $1", {sku});
    QCOMPARE(audit.rows(), 1);
    QCOMPARE(audit.int32(0, 0), 3);
    QCOMPARE(audit.text(0, 1), std::string("gui test"));
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowAt(0)->dbStock, 37, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowAt(0)->cacheStock, 37, 5000);
}

void TestInventoryPage::invalidQuantityWritesNothing()
{
    const std::string sku = testservices::uniqueSku("gui-invalid");
    m_service->addProduct(sku, "GUI invalid", 12);
    showOnly(sku);
    auto *page = m_window->inventoryPage();
    auto *quantity = m_window->findChild<QLineEdit *>(QStringLiteral("quantity"));
    for (const QString &bad :
         {QStringLiteral("abc"), QStringLiteral("0"), QStringLiteral("-4"), QStringLiteral("2147483648")}) {
        quantity->setText(bad);
        QTest::mouseClick(m_window->findChild<QPushButton *>(QStringLiteral("apply")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->resultText().startsWith(QLatin1String("Invalid")), 5000);
        QVERIFY2(page->resultText().contains(QLatin1String("quantity")), qPrintable(page->resultText()));
    }
    QCOMPARE(testservices::dbStock(*m_db, sku), 12);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 0LL);
}

void TestInventoryPage::redisOutageTurnsStatusRed()
{
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
        QSKIP("needs a sandbox it may stop and start");
    }
    inv::Sandbox sandbox(dir);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().redisUp, 5000);
    // The event loop's lateness: a 20 ms timer, and how late each tick arrives. The test's own calls
    // that stop and start Redis block this thread by design, so the tick they delay is not counted:
    // what is measured is whether the console blocks its own event loop during the outage.
    QList<qint64> lags;
    QElapsedTimer clock;
    clock.start();
    qint64 expected = 20;
    bool measuring = true;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(20);
    connect(&ticker, &QTimer::timeout, this, [&] {
        if (measuring)
            lags.push_back(std::max<qint64>(0, clock.elapsed() - expected));
        measuring = true;
        expected = clock.elapsed() + 20;
    });
    const auto blocking = [&](auto &&call) {
        call();
        measuring = false;
    };
    ticker.start();
    blocking([&] { sandbox.stopRedis(); });
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->health().redisUp, 10000);
    QVERIFY(!m_window->health().redisError.isEmpty());
    // The table keeps refreshing from PostgreSQL while Redis is down.
    QTest::qWait(2000);
    blocking([&] { sandbox.startRedis(); });
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().redisUp, 10000);
    ticker.stop();
    std::sort(lags.begin(), lags.end());
    QVERIFY(lags.size() > 50);
    const qint64 p99 = lags.at(static_cast<qsizetype>(lags.size() * 0.99));
    qInfo("event loop lateness during the outage: p99 %lld ms, max %lld ms over %lld ticks", p99, lags.last(),
          static_cast<long long>(lags.size()));
    // A frame is 16 ms; 100 ms is where an operator feels a stall. The host is shared, so the bound
    // leaves room for the scheduler, not for a call that waits on a service.
    QVERIFY2(p99 < 100, qPrintable(QStringLiteral("event loop lateness p99 %1 ms").arg(p99)));
}

void TestInventoryPage::statusSaysWhenWritesAreNotDurable()
{
    // ./test.sh's instance runs --fast-unsafe; a durable server must not be flagged either way.
    const bool off = m_db->exec("SELECT current_setting('fsync') = 'off' OR "
                                "current_setting('synchronous_commit') = 'off'")
                         .text(0, 0) == "t";
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 5000);
    QCOMPARE(m_window->health().pgNotDurable, off);
    auto *status = m_window->findChild<ElidedLabel *>(QStringLiteral("pgStatus"));
    QVERIFY(status);
    QCOMPARE(status->fullText().contains(QLatin1String("fsync off")), off);
}

void TestInventoryPage::redisThatRefusesIsSaidSo()
{
    // Redis answers but wants a password: not "down" but refusing, with the code and what to do.
    const std::string url = testservices::redisUrl();
    const auto at = url.rfind('@');
    if (at == std::string::npos)
        QSKIP("the test Redis has no password: run ./test.sh");
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QStringLiteral("redis://") + QString::fromStdString(url.substr(at + 1));
    options.strategy = QStringLiteral("versioned");
    options.page = QStringLiteral("inventory");
    MainWindow window(options);
    window.show();
    QTRY_VERIFY_WITH_TIMEOUT(window.health().pgUp && !window.health().redisError.isEmpty(), 10000);
    auto *redisStatus = window.findChild<ElidedLabel *>(QStringLiteral("redisStatus"));
    QVERIFY(redisStatus);
    QVERIFY2(redisStatus->fullText().startsWith(QLatin1String("Redis refuses the console (NOAUTH)")) &&
                 redisStatus->fullText().contains(QLatin1String("redis://:PASSWORD@host:port")),
             qPrintable(redisStatus->fullText()));
    InventoryModel *model = window.inventoryPage()->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0 &&
                                 model->index(0, InventoryModel::CacheState).data().toString() ==
                                     QLatin1String("refused"),
                             10000);
    auto *summary = window.findChild<ElidedLabel *>(QStringLiteral("summary"));
    QVERIFY(summary);
    QVERIFY2(summary->fullText().contains(QLatin1String("NOAUTH")), qPrintable(summary->fullText()));
}

void TestInventoryPage::cleanupTestCase()
{
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (!dir.empty()) {
        inv::Sandbox sandbox(dir);
        if (!sandbox.status().redisRunning)
            sandbox.startRedis();
    }
    m_window.reset();
}

QTEST_MAIN(TestInventoryPage)
#include "tst_inventorypage.moc"
