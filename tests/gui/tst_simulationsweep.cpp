// The Simulation page's Load sweep tab against the real services, offscreen: a sweep of two
// strategies draws one set of lines per strategy, in its strategy colour, with a point per step
// that ran, and marks the knee of a strategy whose sweep broke an SLO.
#include "simulationcharts.h"
#include "simulationform.h"
#include "simulationpage.h"
#include "simulationsweeppanel.h"
#include "simulationwindow.h"
#include "sweepchart.h"
#include "testservices.h"

#include <QLineSeries>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTest>

class TestSimulationSweep : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void sweepDrawsOneSeriesPerStrategy();
    void badRangeRunsNothing();

private:
    std::unique_ptr<MainWindow> m_window;
    SimulationPage *m_page = nullptr;
};

void TestSimulationSweep::initTestCase()
{
    REQUIRE_SERVICES();
    m_window = testservices::openSimulationWindow();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
    m_page = m_window->simulationPage();
}

void TestSimulationSweep::sweepDrawsOneSeriesPerStrategy()
{
    QSignalSpy finished(m_page, &SimulationPage::sweepFinished);
    m_page->setParameter(QStringLiteral("products"), 50);
    const QStringList strategies{QStringLiteral("versioned"), QStringLiteral("locked")};
    QVERIFY2(m_page->startSweep(QStringLiteral("rate=100..400:3"), strategies, 1),
             qPrintable(m_page->sweep()->status()));
    QVERIFY(m_page->sweep()->isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
    QCOMPARE(finished.first().first().toBool(), false);
    QVERIFY(!m_page->sweep()->isRunning());
    // The form shows what was swept: the mixed scenario, with these strategies.
    QCOMPARE(m_page->form()->scenario(), QStringLiteral("mixed"));
    QStringList checked = m_page->form()->checkedStrategies();
    checked.sort();
    QCOMPARE(checked, (QStringList{QStringLiteral("locked"), QStringLiteral("versioned")}));

    SweepChart *chart = m_page->sweep()->chart();
    QCOMPARE(chart->strategies(), strategies);
    for (const QString &strategy : strategies) {
        QLineSeries *p99 = chart->series(strategy, SweepChart::Line::ReadP99);
        QLineSeries *p50 = chart->series(strategy, SweepChart::Line::ReadP50);
        QLineSeries *served = chart->series(strategy, SweepChart::Line::Throughput);
        QVERIFY(p99 && p50 && served);
        QCOMPARE(p99->pen().color(), SimulationCharts::colorFor(strategy));
        QCOMPARE(served->pen().color(), SimulationCharts::colorFor(strategy));
        QVERIFY(p99->name().startsWith(strategy));
        // A point per step that ran: the sweep stops at the first step that fails.
        QVERIFY(p99->count() >= 1 && p99->count() <= 3);
        QCOMPARE(p50->count(), p99->count());
        QCOMPARE(served->count(), p99->count());
        QCOMPARE(p99->at(0).x(), 100.0);
        QVERIFY(served->at(0).y() > 50);
        // A strategy that stopped before the last step broke an SLO there, and its knee is marked.
        QScatterSeries *knee = chart->knee(strategy);
        QVERIFY(knee);
        if (p99->count() < 3) {
            QCOMPARE(knee->count(), 1);
            QCOMPARE(knee->at(0).x(), p99->at(p99->count() - 1).x());
        }
        QCOMPARE(knee->count() == 1, knee->name().contains(QLatin1String("knee at")));
    }
    QVERIFY(!chart->series(QStringLiteral("naive"), SweepChart::Line::ReadP99));
}

void TestSimulationSweep::badRangeRunsNothing()
{
    QSignalSpy finished(m_page, &SimulationPage::sweepFinished);
    QVERIFY(!m_page->startSweep(QStringLiteral("rate=400..100"), {QStringLiteral("versioned")}, 1));
    QVERIFY(!m_page->sweep()->isRunning());
    QVERIFY2(m_page->sweep()->status().contains(QLatin1String("rate=FROM..TO")),
             qPrintable(m_page->sweep()->status()));
    QTest::qWait(200);
    QCOMPARE(finished.size(), 0);
}

QTEST_MAIN(TestSimulationSweep)
#include "tst_simulationsweep.moc"
