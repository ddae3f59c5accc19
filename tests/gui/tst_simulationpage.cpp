// The Simulation page against the real services, offscreen: a short run fills the charts and the
// SLO table, compare mode yields one result per strategy, a run stopped midway leaves the books
// balanced in the database, the run is stored in the history, a flash sale marks "sold out" on
// every chart, a fault fired during a run shades every chart where it was, the statistics hold a
// row per operation with the engine's percentiles, and runs
// that fail while the page keeps polling are reported without touching a destroyed simulation.
#include "sim/simulationspace.h"
#include "simulationchartpanel.h"
#include "simulationcharts.h"
#include "simulationform.h"
#include "simulationpage.h"
#include "simulationresults.h"
#include "simulationstatsmodel.h"
#include "simulationstatstable.h"
#include "simulationwindow.h"
#include "testservices.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QGraphicsScene>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QXYSeries>

class TestSimulationPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void shortRunFillsChartsAndSlos();
    void compareGivesOneResultPerStrategy();
    void soldOutIsMarkedOnEveryChart();
    void chartsStayWholeAt1024x700();
    void keepDataReachesTheConfigAndKeepsTheSpace();
    void nearCacheReachesTheConfig();
    void loopClientReachesTheConfig();
    void stopMidwayLeavesBooksBalanced();
    void fireNowShadesEveryChart();
    void failedRunsAreReportedWhileThePagePolls();

private:
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<MainWindow> m_window;
    SimulationPage *m_page = nullptr;
    std::unique_ptr<QAbstractItemModelTester> m_statsTester;
};

void TestSimulationPage::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_window = testservices::openSimulationWindow();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
    m_page = m_window->simulationPage();
    m_statsTester = std::make_unique<QAbstractItemModelTester>(
        m_page->statistics()->statsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
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
    // The time axis fits the 2 s run with round ticks, rather than a fixed 0 to 10 s.
    SimulationCharts *charts = m_page->charts();
    QCOMPARE(charts->timeMin(), 0.0);
    QVERIFY2(charts->timeMax() >= report.timeline.back().t && charts->timeMax() <= 3.5,
             qPrintable(QString::number(charts->timeMax())));
    QVERIFY(charts->timeTickInterval() == 0.5 || charts->timeTickInterval() == 1);
    // The statistics table holds the whole run, one row per operation that occurred: reads,
    // purchases and restocks (a quarter of the writes), and all requests.
    const auto *stats = m_page->statistics()->statsModel();
    using M = SimulationStatsModel;
    QCOMPARE(stats->rowCount(), 4);
    QCOMPARE(report.operations.size(), std::size_t(4));
    QCOMPARE(stats->index(stats->rowOf(0, M::All), M::RequestsColumn).data(M::ValueRole).toLongLong(),
             report.requests);
    const M::Operation operations[] = {M::Read, M::Purchase, M::Restock, M::All};
    for (std::size_t k = 0; k < report.operations.size(); ++k) {
        const auto &o = report.operations[k];
        const int row = stats->rowOf(0, operations[k]);
        QVERIFY2(row >= 0 && o.latency.count > 0, o.name.c_str());
        QCOMPARE(stats->index(row, M::RequestsColumn).data(M::ValueRole).toLongLong(), o.latency.count);
        // The row's p99 is the engine's, from the merged histograms of every worker.
        QCOMPARE(stats->index(row, M::P99Column).data(M::ValueRole).toDouble(), o.latency.p99);
        QCOMPARE(stats->index(row, M::MaxColumn).data(M::ValueRole).toDouble(), o.latency.max);
    }
    QCOMPARE(report.operations[0].latency.p99, report.read.p99);
    QCOMPARE(report.operations[1].latency.count + report.operations[2].latency.count, report.write.count);
    QCOMPARE(report.operations[3].latency.count, report.requests);
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

void TestSimulationPage::soldOutIsMarkedOnEveryChart()
{
    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->selectScenario(QStringLiteral("flash-sale"));
    m_page->setParameter(QStringLiteral("buyers"), 600);
    m_page->setParameter(QStringLiteral("stock"), 30);
    m_page->start(QStringLiteral("flash-sale"), {QStringLiteral("versioned")});
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    const auto &report = *m_page->results()->reports().front();
    const auto soldOut = std::find_if(report.events.begin(), report.events.end(),
                                      [](const auto &e) { return e.label == "sold out"; });
    QVERIFY(soldOut != report.events.end());
    // At the right time: no purchase was refused in a window that ended before it, and one was
    // refused in the window that holds it or soon after.
    bool refused = false;
    for (const auto &p : report.timeline) {
        if (p.rejectedPerSecond > 0) {
            QVERIFY2(p.t >= soldOut->t - 1e-6,
                     qPrintable(QStringLiteral("%1 < %2").arg(p.t).arg(soldOut->t)));
            refused = true;
        }
    }
    QVERIFY(refused);
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        SimulationChartPanel *panel = m_page->charts()->panel(static_cast<SimulationCharts::Panel>(p));
        const auto markers = panel->overlay().markers();
        QVERIFY2(std::any_of(markers.begin(), markers.end(),
                             [&](const auto &m) {
                                 return m.label == QStringLiteral("sold out") && m.t == soldOut->t;
                             }),
                 qPrintable(panel->chart()->title()));
    }
}

void TestSimulationPage::chartsStayWholeAt1024x700()
{
    // At the smallest size operators use, every chart keeps at least its minimum size and lies
    // inside the scroll area's width: the charts scroll, they are never cropped or squashed.
    const QSize before = m_window->size();
    m_window->resize(1024, 700);
    QTest::qWait(200);
    const QString directory = QDir::tempPath();
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        QChart *chart = m_page->charts()->chart(static_cast<SimulationCharts::Panel>(p));
        auto *view = qobject_cast<QChartView *>(chart->scene()->views().value(0));
        QVERIFY(view);
        QVERIFY2(view->width() >= view->minimumWidth() && view->height() >= view->minimumHeight(),
                 qPrintable(chart->title()));
        auto *scroll = qobject_cast<QScrollArea *>(view->parentWidget()->parentWidget()->parentWidget());
        QVERIFY(scroll);
        QVERIFY2(view->geometry().right() < scroll->viewport()->width(), qPrintable(chart->title()));
        // Every legend entry is laid out whole.
        for (auto *marker : chart->legend()->markers())
            if (static_cast<QXYSeries *>(marker->series())->count() == 0 &&
                !marker->label().startsWith(QStringLiteral("SLO")))
                QVERIFY2(marker->isVisible(), qPrintable(marker->label()));
    }
    QVERIFY(m_window->grab().save(directory + QStringLiteral("/simulationpage-1024x700.png")));
    // The dark palette reaches the charts.
    const QPalette light = QApplication::palette();
    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(37, 40, 45));
    dark.setColor(QPalette::Base, QColor(28, 30, 34));
    dark.setColor(QPalette::Text, QColor(220, 223, 228));
    dark.setColor(QPalette::WindowText, QColor(220, 223, 228));
    QApplication::setPalette(dark);
    QTest::qWait(50);
    QCOMPARE(m_page->charts()->chart(SimulationCharts::Latency)->backgroundBrush().color(),
             QColor(28, 30, 34));
    QVERIFY(m_window->grab().save(directory + QStringLiteral("/simulationpage-1024x700-dark.png")));
    QApplication::setPalette(light);
    m_window->resize(before);
}

void TestSimulationPage::nearCacheReachesTheConfig()
{
    SimulationForm *form = m_page->form();
    auto *near = form->findChild<QCheckBox *>(QStringLiteral("nearCache"));
    QVERIFY(near);
    QVERIFY(near->isVisibleTo(form));
    const QString pg = QString::fromStdString(testservices::pgUrl());
    const QString redis = QString::fromStdString(testservices::redisUrl());
    QVERIFY(!near->isChecked());
    QVERIFY(!form->configFor(QStringLiteral("versioned"), pg, redis).nearCache);
    // The form scrolls at small window sizes: bring the box into view, as an operator would.
    form->ensureWidgetVisible(near);
    // On the box itself: a check box takes clicks on its indicator and label, not on the empty rest
    // of a wide row.
    const QPoint box(8, near->height() / 2);
    QTest::mouseClick(near, Qt::LeftButton, {}, box);
    QVERIFY(near->isChecked());
    QVERIFY(form->configFor(QStringLiteral("versioned"), pg, redis).nearCache);
    // unsafe has no near cache: its config stays valid in a compare run.
    const auto unsafe = form->configFor(QStringLiteral("unsafe"), pg, redis);
    QVERIFY(!unsafe.nearCache);
    unsafe.validate();
    QTest::mouseClick(near, Qt::LeftButton, {}, box);
    QVERIFY(!near->isChecked());
}

void TestSimulationPage::loopClientReachesTheConfig()
{
    // The event-loop client is on by default: versioned runs on the loop (reading or blind buyers,
    // every scenario), every other strategy and a race delay on threads, so that each config of
    // a compare run stays valid; cleared, everything runs on threads.
    SimulationForm *form = m_page->form();
    form->selectScenario(QStringLiteral("flash-sale"));
    // The race demo before this left its race delay, which the loop does not take.
    auto *raceDelay = form->findChild<QSpinBox *>(QStringLiteral("raceDelay"));
    QVERIFY(raceDelay);
    raceDelay->setValue(0);
    auto *blind = form->findChild<QCheckBox *>(QStringLiteral("blindBuyers"));
    auto *loop = form->findChild<QCheckBox *>(QStringLiteral("loopClient"));
    QVERIFY(blind && loop);
    const QString pg = QString::fromStdString(testservices::pgUrl());
    const QString redis = QString::fromStdString(testservices::redisUrl());
    QVERIFY(loop->isEnabled() && loop->isChecked());
    auto valid = [](const inv::SimulationConfig &config) {
        try {
            config.validate();
        } catch (const inv::InvalidInput &e) {
            QFAIL(e.what());
        }
    };
    const auto reading = form->configFor(QStringLiteral("versioned"), pg, redis);
    QVERIFY(reading.buyersRead);
    QCOMPARE(reading.client, inv::ClientKind::Loop);
    valid(reading);
    form->ensureWidgetVisible(blind);
    QTest::mouseClick(blind, Qt::LeftButton, {}, QPoint(8, blind->height() / 2));
    const auto versioned = form->configFor(QStringLiteral("versioned"), pg, redis);
    QVERIFY(!versioned.buyersRead);
    QCOMPARE(versioned.client, inv::ClientKind::Loop);
    valid(versioned);
    // Every strategy, and a race delay too, runs on the loop.
    const auto locked = form->configFor(QStringLiteral("locked"), pg, redis);
    QCOMPARE(locked.client, inv::ClientKind::Loop);
    valid(locked);
    raceDelay->setValue(5);
    const auto racing = form->configFor(QStringLiteral("naive"), pg, redis);
    QCOMPARE(racing.client, inv::ClientKind::Loop);
    valid(racing);
    raceDelay->setValue(0);
    form->selectScenario(QStringLiteral("mixed"));
    QVERIFY(loop->isEnabled());
    const auto mixed = form->configFor(QStringLiteral("versioned"), pg, redis);
    QCOMPARE(mixed.client, inv::ClientKind::Loop);
    valid(mixed);
    form->ensureWidgetVisible(loop);
    QTest::mouseClick(loop, Qt::LeftButton, {}, QPoint(8, loop->height() / 2));
    QVERIFY(!loop->isChecked());
    QCOMPARE(form->configFor(QStringLiteral("versioned"), pg, redis).client, inv::ClientKind::Threads);
    form->selectScenario(QStringLiteral("stampede"));
    QVERIFY(loop->isEnabled());
    form->selectScenario(QStringLiteral("flash-sale"));
    QTest::mouseClick(loop, Qt::LeftButton, {}, QPoint(8, loop->height() / 2));
    QTest::mouseClick(blind, Qt::LeftButton, {}, QPoint(8, blind->height() / 2));
    QVERIFY(!blind->isChecked() && loop->isChecked());
}

void TestSimulationPage::keepDataReachesTheConfigAndKeepsTheSpace()
{
    SimulationForm *form = m_page->form();
    auto *keep = form->findChild<QCheckBox *>(QStringLiteral("keepData"));
    QVERIFY(keep);
    QVERIFY(keep->isVisibleTo(form));
    QVERIFY2(keep->toolTip().contains(QStringLiteral("simulate --cleanup")), qPrintable(keep->toolTip()));
    const QString pg = QString::fromStdString(testservices::pgUrl());
    const QString redis = QString::fromStdString(testservices::redisUrl());
    QVERIFY(!keep->isChecked());
    QVERIFY(!form->configFor(QStringLiteral("naive"), pg, redis).keep);
    QTest::mouseClick(keep, Qt::LeftButton);
    QVERIFY(keep->isChecked());
    QVERIFY(form->configFor(QStringLiteral("versioned"), pg, redis).keep);

    // A run started from the page leaves its schema behind, for --cleanup to remove.
    const auto simSchemas = [this] {
        return m_db->exec("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'sim\\_%'").int64(0, 0);
    };
    inv::SimulationSpace::cleanup(testservices::pgUrl(), testservices::redisUrl(), true);
    const long long before = simSchemas();
    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->selectScenario(QStringLiteral("flash-sale"));
    m_page->setParameter(QStringLiteral("buyers"), 200);
    m_page->setParameter(QStringLiteral("stock"), 20);
    m_page->start(QStringLiteral("flash-sale"), {QStringLiteral("versioned")});
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QCOMPARE(simSchemas(), before + 1);
    QTest::mouseClick(keep, Qt::LeftButton);
    QVERIFY(!form->configFor(QStringLiteral("versioned"), pg, redis).keep);
    const auto removed = inv::SimulationSpace::cleanup(testservices::pgUrl(), testservices::redisUrl(), true);
    QCOMPARE(removed.schemasDropped, 1);
    QCOMPARE(simSchemas(), before);
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

void TestSimulationPage::fireNowShadesEveryChart()
{
    auto *fire = m_page->form()->findChild<QPushButton *>(QStringLiteral("fire"));
    auto *kind = m_page->form()->findChild<QComboBox *>(QStringLiteral("fireKind"));
    auto *seconds = m_page->form()->findChild<QSpinBox *>(QStringLiteral("fireSeconds"));
    auto *note = m_page->form()->findChild<QLabel *>(QStringLiteral("fireNote"));
    QVERIFY(fire && kind && seconds && note);
    QVERIFY(!fire->isEnabled());
    // Between runs a fault has nothing to break: refused, and said so.
    inv::FaultSpec pause;
    pause.kind = inv::FaultKind::RedisPause;
    pause.duration = std::chrono::seconds(1);
    m_page->fireFault(pause);
    QVERIFY2(note->text().contains(QStringLiteral("not fired")) &&
                 note->text().contains(QStringLiteral("no simulation is running")),
             qPrintable(note->text()));

    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->selectScenario(QStringLiteral("mixed"));
    m_page->setParameter(QStringLiteral("rate"), 500);
    m_page->setParameter(QStringLiteral("duration"), 4);
    m_page->setParameter(QStringLiteral("products"), 30);
    m_page->start(QStringLiteral("mixed"), {QStringLiteral("versioned")});
    QTRY_VERIFY_WITH_TIMEOUT(m_page->charts()->pointCount() >= 3 && fire->isEnabled(), 10000);
    kind->setCurrentIndex(kind->findText(QStringLiteral("redis-pause")));
    seconds->setValue(1);
    QTest::mouseClick(fire, Qt::LeftButton);
    QVERIFY2(note->text() == QStringLiteral("redis-pause fired for 1 s"), qPrintable(note->text()));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY(!fire->isEnabled());

    const auto &report = *m_page->results()->reports().front();
    QCOMPARE(report.faults.size(), std::size_t(1));
    const inv::FaultOutcome &f = report.faults.front();
    QCOMPARE(f.kind, std::string("redis-pause"));
    // Fired once three windows were drawn (the first at t = 0): a quarter of a second in at least.
    QVERIFY2(f.startS >= 0.25 && f.endS >= f.startS + 0.9, report.humanSummary().c_str());
    QVERIFY2(f.failOpenReads > 0, "reads during the pause should come from PostgreSQL");
    QCOMPARE(report.oversold, 0LL);
    QVERIFY(report.ledgerOk);
    QCOMPARE(report.divergentKeysAtEnd.value_or(-1), 0LL);
    // One band on every chart, where the fault really was.
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        SimulationChartPanel *panel = m_page->charts()->panel(static_cast<SimulationCharts::Panel>(p));
        const auto bands = panel->overlay().faultBands();
        QVERIFY2(bands.size() == 1, qPrintable(panel->chart()->title()));
        QCOMPARE(bands.front().kind, QStringLiteral("redis-pause"));
        QVERIFY(std::abs(bands.front().from - f.startS) < 1e-6);
        QVERIFY(bands.front().to && std::abs(*bands.front().to - f.endS) < 1e-6);
    }
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
