// The Servers page, opened through the main window as `--page servers` would, against the real
// PostgreSQL and Redis, offscreen: the sessions and slow-log models fill (under
// QAbstractItemModelTester), the charts get points, the application's role gets the pg_monitor
// note, and the monitor samples only while the page is shown.
#include "cache/redisconnection.h"
#include "db/pgconnection.h"
#include "mainwindow.h"
#include "pgserverpanel.h"
#include "pgsessionsmodel.h"
#include "redisserverpanel.h"
#include "redisslowlogmodel.h"
#include "serverchart.h"
#include "serverspage.h"
#include "testservices.h"

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QLabel>
#include <QListWidget>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace std::chrono_literals;

class TestServersPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void navigationListsTheServersPage();
    void modelsFillAndTheNoteShows();
    void chartsGetPoints();
    void samplesOnlyWhileShown();

private:
    std::unique_ptr<inv::PgConnection> m_otherRole, m_ownRole;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QAbstractItemModelTester> m_sessionsTester, m_slowLogTester;
    std::string m_slowLogThreshold;
};

void TestServersPage::initTestCase()
{
    REQUIRE_SERVICES();
    // A session of another role, which the application's role may list but not inspect.
    QVERIFY2(testservices::ownerUrl() != testservices::pgUrl(),
             "INVENTORY_PG_OWNER_URL must name a second role");
    m_otherRole = std::make_unique<inv::PgConnection>(testservices::ownerUrl());
    // And one of the application's role, idle, which it may inspect.
    m_ownRole = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    // One slow command in the slow log, whatever ran before.
    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), {{}, 2000ms});
    m_slowLogThreshold = redis.command({"CONFIG", "GET", "slowlog-log-slower-than"})->element[1]->str;
    redis.command({"CONFIG", "SET", "slowlog-log-slower-than", "1000"});
    redis.command({"EVAL",
                   "local s = redis.call('TIME') local i = 0 repeat i = i + 1 local n = redis.call('TIME') "
                   "until (n[1] - s[1]) * 1000000 + n[2] - s[2] >= 5000 or i > 100000000 return i",
                   "0"});

    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QString::fromStdString(testservices::redisUrl());
    options.page = QStringLiteral("servers");
    m_window = std::make_unique<MainWindow>(options);
    ServersPage *page = m_window->serversPage();
    QVERIFY(page);
    m_sessionsTester = std::make_unique<QAbstractItemModelTester>(
        page->pgPanel()->sessionsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_slowLogTester = std::make_unique<QAbstractItemModelTester>(
        page->redisPanel()->slowLogModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestServersPage::cleanupTestCase()
{
    m_sessionsTester.reset();
    m_slowLogTester.reset();
    m_window.reset();
    if (!m_slowLogThreshold.empty()) {
        inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), {});
        redis.command({"CONFIG", "SET", "slowlog-log-slower-than", m_slowLogThreshold});
    }
}

void TestServersPage::navigationListsTheServersPage()
{
    auto *navigation = m_window->findChild<QListWidget *>();
    QVERIFY(navigation);
    QCOMPARE(navigation->count(), 4);
    QCOMPARE(navigation->item(3)->text(), QStringLiteral("Servers"));
    QCOMPARE(navigation->currentRow(), 3);
    QVERIFY(m_window->serversPage()->isVisible());
}

void TestServersPage::modelsFillAndTheNoteShows()
{
    ServersPage *page = m_window->serversPage();
    PgSessionsModel *sessions = page->pgPanel()->sessionsModel();
    // The other role's session is listed as hidden; the application role's own (the test's, and
    // the console's once connected) are visible. A sample may come before either, so wait for both.
    const auto listed = [sessions](bool wantHidden) {
        for (int row = 0; row < sessions->rowCount(); ++row) {
            const QString state = sessions->index(row, PgSessionsModel::State).data().toString();
            if (wantHidden ? state == QStringLiteral("hidden")
                           : state == QStringLiteral("idle") || state == QStringLiteral("active"))
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(listed(true) && listed(false), 10000);
    QCOMPARE(sessions->columnCount(), int(PgSessionsModel::ColumnCount));

    QLabel *note = page->pgPanel()->noteLabel();
    QTRY_VERIFY_WITH_TIMEOUT(note->isVisible(), 5000);
    QVERIFY2(note->text().contains(QStringLiteral("GRANT pg_monitor TO inventory_app")),
             qPrintable(note->text()));
    QVERIFY(page->pgPanel()->statusLabel()->text().startsWith(QStringLiteral("PostgreSQL ")));
    QVERIFY(page->pgPanel()->figure(QStringLiteral("Connections")).contains(QStringLiteral("hidden")));

    RedisSlowLogModel *slowLog = page->redisPanel()->slowLogModel();
    QTRY_VERIFY_WITH_TIMEOUT(slowLog->rowCount() > 0, 5000);
    bool eval = false;
    for (int row = 0; row < slowLog->rowCount(); ++row)
        eval |= slowLog->index(row, RedisSlowLogModel::Command)
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("EVAL"));
    QVERIFY(eval);
    QVERIFY(page->redisPanel()->statusLabel()->text().startsWith(QStringLiteral("Redis ")));
    QTRY_VERIFY_WITH_TIMEOUT(
        !page->redisPanel()->figure(QStringLiteral("Operations/s")).startsWith(QStringLiteral("–")), 5000);
}

void TestServersPage::chartsGetPoints()
{
    ServersPage *page = m_window->serversPage();
    // Rates need two samples; the connections chart has a point from the first.
    for (ServerChart *chart : page->pgPanel()->charts())
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() >= 1, 5000);
    for (ServerChart *chart : page->redisPanel()->charts())
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() >= 1, 5000);
}

void TestServersPage::samplesOnlyWhileShown()
{
    ServersPage *page = m_window->serversPage();
    QVERIFY(page->isSampling());
    m_window->showPage(0);
    QVERIFY(!page->isVisible());
    QVERIFY(!page->isSampling());
    m_window->showPage(3);
    QVERIFY(page->isSampling());
}

QTEST_MAIN(TestServersPage)
#include "tst_serverspage.moc"
