// The Simulation page against the real services, offscreen: a short run fills the charts and the
// SLO table, compare mode yields one result per strategy, a run stopped midway leaves the books
// balanced in the database, the run is stored in the history, and runs that fail while the page
// keeps polling are reported without touching a destroyed simulation.
#include "mainwindow.h"
#include "simulationcharts.h"
#include "simulationpage.h"
#include "simulationresults.h"
#include "testservices.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

class TestSimulationPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void shortRunFillsChartsAndSlos();
    void compareGivesOneResultPerStrategy();
    void stopMidwayLeavesBooksBalanced();
    void failedRunsAreReportedWhileThePagePolls();

private:
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<MainWindow> m_window;
    SimulationPage *m_page = nullptr;
};

void TestSimulationPage::initTestCase()
{
    REQUIRE_SERVICES();
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QString::fromStdString(testservices::redisUrl());
    options.page = QStringLiteral("simulation");
    m_window = std::make_unique<MainWindow>(options);
    m_window->show();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
    m_page = m_window->simulationPage();
}

void TestSimulationPage::shortRunFillsChartsAndSlos()
{
    const long long runsBefore = m_db->exec("SELECT count(*) FROM simulation_runs").int64(0, 0);
    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->selectScenario(QStringLiteral("mixed"));
    m_page->setParameter(QStringLiteral("rate"), 500);
    m_page->setParameter(QStringLiteral("duration"), 2);
    m_page->setParameter(QStringLiteral("products"), 50);
    m_page->start(QStringLiteral("mixed"), {QStringLiteral("versioned")});
    // Points arrive while the run goes on, not only at the end.
    QTRY_VERIFY_WITH_TIMEOUT(m_page->charts()->pointCount() > 0 && m_page->isRunning(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY(m_page->charts()->pointCount() > 50);
    QCOMPARE(m_page->results()->reports().size(), std::size_t(1));
    const auto &report = *m_page->results()->reports().front();
    QVERIFY(!report.slos.empty());
    QVERIFY(m_page->results()->rowCount() >= static_cast<int>(report.slos.size()));
    QVERIFY(m_page->results()->item(0, 0)->text().contains(QStringLiteral("\u2713")) ||
            m_page->results()->item(0, 0)->text().contains(QStringLiteral("\u2717")));
    QVERIFY(report.ledgerOk);
    QTRY_COMPARE_WITH_TIMEOUT(m_db->exec("SELECT count(*) FROM simulation_runs").int64(0, 0), runsBefore + 1,
                              5000);
}

void TestSimulationPage::compareGivesOneResultPerStrategy()
{
    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->selectScenario(QStringLiteral("flash-sale"));
    m_page->setParameter(QStringLiteral("buyers"), 800);
    m_page->setParameter(QStringLiteral("stock"), 40);
    m_page->setParameter(QStringLiteral("race-delay-ms"), 3);
    m_page->start(QStringLiteral("flash-sale"), {QStringLiteral("unsafe"), QStringLiteral("locked")});
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    const bool passed = finished.first().at(0).toBool();
    QVERIFY(!passed); // unsafe oversells
    const auto &reports = m_page->results()->reports();
    QCOMPARE(reports.size(), std::size_t(2));
    QCOMPARE(reports[0]->config.strategy, inv::StrategyKind::Unsafe);
    QCOMPARE(reports[1]->config.strategy, inv::StrategyKind::Locked);
    QVERIFY(reports[0]->oversold > 0);
    QCOMPARE(reports[1]->oversold, 0LL);
    QCOMPARE(m_page->results()->columnCount(), 2);
}

void TestSimulationPage::stopMidwayLeavesBooksBalanced()
{
    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->selectScenario(QStringLiteral("mixed"));
    m_page->setParameter(QStringLiteral("rate"), 800);
    m_page->setParameter(QStringLiteral("duration"), 60);
    m_page->setParameter(QStringLiteral("products"), 30);
    m_page->start(QStringLiteral("mixed"), {QStringLiteral("versioned")});
    QTRY_VERIFY_WITH_TIMEOUT(m_page->charts()->pointCount() > 20, 10000);
    m_page->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QVERIFY(finished.first().at(1).toBool()); // stopped
    const auto &report = *m_page->results()->reports().front();
    QVERIFY(report.stoppedEarly);
    QVERIFY(report.ledgerOk);
    QCOMPARE(report.auditRows, report.successes);
    QCOMPARE(report.oversold, 0LL);
}

void TestSimulationPage::failedRunsAreReportedWhileThePagePolls()
{
    // Every run of the compare fails inside Simulation::run() (no PostgreSQL on port 1) while the
    // page's timer keeps sampling the runner: the runner must unpublish each simulation before it
    // is destroyed. Built with -fsanitize=address this shows the use-after-free it fixes.
    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->setConnection(QStringLiteral("postgresql://inventory@127.0.0.1:1/inventory?connect_timeout=1"),
                          QString::fromStdString(testservices::redisUrl()));
    m_page->selectScenario(QStringLiteral("flash-sale"));
    m_page->setParameter(QStringLiteral("buyers"), 50);
    const QStringList strategies{QStringLiteral("unsafe"), QStringLiteral("naive"), QStringLiteral("locked"),
                                 QStringLiteral("versioned")};
    for (int round = 0; round < 3; ++round) {
        const int before = static_cast<int>(finished.count());
        m_page->start(QStringLiteral("flash-sale"), strategies);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), before + 1, 30000);
        QVERIFY(!finished.last().at(0).toBool()); // nothing passed
        QVERIFY(!m_page->isRunning());
        QVERIFY(m_page->results()->reports().empty());
    }
    m_page->setConnection(QString::fromStdString(testservices::pgUrl()),
                          QString::fromStdString(testservices::redisUrl()));
}

QTEST_MAIN(TestSimulationPage)
#include "tst_simulationpage.moc"
