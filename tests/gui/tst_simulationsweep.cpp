// The Simulation page's Load sweep tab against the real services, offscreen: a sweep of two
// strategies draws one set of lines per strategy, in its strategy colour, with a point per step
// that ran, and marks the knee of a strategy whose sweep broke an SLO; peers' results are drawn
// from a reference file as they were measured, a bad file is refused and changes nothing; Export
// chart and the demo mode's --export-sweep write a PNG of the export size, and a bad
// --reference runs nothing and writes nothing.
#include "clirunner.h"
#include "simulationcharts.h"
#include "simulationform.h"
#include "simulationpage.h"
#include "simulationsweeppanel.h"
#include "simulationwindow.h"
#include "sweepchart.h"
#include "testpaths.h"
#include "testservices.h"

#include <QImage>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>

class TestSimulationSweep : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void sweepDrawsOneSeriesPerStrategy();
    void badRangeRunsNothing();
    void referencesDrawnAgainstConnections();
    void referencesDrawnAgainstOfferedLoad();
    void badReferenceFileChangesNothing();
    void exportWritesAPngOfTheExportSize();
    void demoModeExportsTheChart();
    void demoModeRefusesABadReference_data();
    void demoModeRefusesABadReference();

private:
    QString writeReferences(const QByteArray &text);
    // The console in demo mode, offscreen, with settings of its own (not the user's).
    CliRun runConsole(const QStringList &arguments, int timeoutMs);
    QTemporaryDir m_dir;
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

namespace {
// Two peers over three client counts; pgbench without percentiles, as when it was not asked for them.
const QByteArray kReferences = R"({"references": [
  {"tool": "redis-benchmark", "workload": "GET", "clients": 1, "throughput_rps": 20000,
   "latency_ms": {"p50": 0.05, "p99": 0.1}},
  {"tool": "redis-benchmark", "workload": "GET", "clients": 4, "throughput_rps": 60000,
   "latency_ms": {"p50": 0.06, "p99": 0.2}},
  {"tool": "redis-benchmark", "workload": "GET", "clients": 2, "throughput_rps": 40000,
   "latency_ms": {"p50": 0.05, "p99": 0.15}},
  {"tool": "pgbench", "workload": "purchase", "clients": 2, "throughput_rps": 3000}
]})";

QAbstractSeries *named(const QList<QAbstractSeries *> &list, const QString &start, const QString &part)
{
    for (QAbstractSeries *series : list)
        if (series->name().startsWith(start) && series->name().contains(part))
            return series;
    return nullptr;
}

QList<QPointF> pointsOf(QAbstractSeries *series)
{
    return static_cast<QXYSeries *>(series)->points();
}
} // namespace

QString TestSimulationSweep::writeReferences(const QByteArray &text)
{
    static int count = 0;
    const QString path = m_dir.filePath(QStringLiteral("references-%1.json").arg(++count));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        return {};
    return path;
}

CliRun TestSimulationSweep::runConsole(const QStringList &arguments, int timeoutMs)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"})
        environment.insert(QLatin1String(name),
                           m_dir.filePath(QStringLiteral("home/") + QLatin1String(name)));
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return runProgram(testpaths::cli(), arguments, timeoutMs, environment);
}

void TestSimulationSweep::referencesDrawnAgainstConnections()
{
    SimulationSweepPanel *panel = m_page->sweep();
    QVERIFY2(panel->loadReferences(writeReferences(kReferences)), qPrintable(panel->status()));
    QSignalSpy finished(m_page, &SimulationPage::sweepFinished);
    m_page->setParameter(QStringLiteral("products"), 50);
    m_page->setParameter(QStringLiteral("rate"), 200);
    QVERIFY2(m_page->startSweep(QStringLiteral("connections=1..2"), {QStringLiteral("versioned")}, 1),
             qPrintable(panel->status()));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
    SweepChart *chart = panel->chart();
    QCOMPARE(chart->series(QStringLiteral("versioned"), SweepChart::Line::ReadP99)->at(0).x(), 1.0);
    // One served line per peer over its client counts, in rising order, as measured.
    const QList<QAbstractSeries *> peers = chart->referenceSeries();
    QAbstractSeries *redisServed =
        named(peers, QStringLiteral("redis-benchmark GET"), QStringLiteral("served"));
    QAbstractSeries *redisP99 = named(peers, QStringLiteral("redis-benchmark GET"), QStringLiteral("p99"));
    QAbstractSeries *pgServed = named(peers, QStringLiteral("pgbench purchase"), QStringLiteral("served"));
    QVERIFY(redisServed && redisP99 && pgServed);
    QCOMPARE(pointsOf(redisServed), (QList<QPointF>{{1, 20000}, {2, 40000}, {4, 60000}}));
    QCOMPARE(pointsOf(redisP99), (QList<QPointF>{{1, 0.1}, {2, 0.15}, {4, 0.2}}));
    QCOMPARE(pointsOf(pgServed), (QList<QPointF>{{2, 3000}}));
    // pgbench reported no percentiles: no latency is drawn for it.
    QVERIFY(!named(peers, QStringLiteral("pgbench"), QStringLiteral("p99")));
    QCOMPARE(peers.size(), 3);
    for (QAbstractSeries *series : peers)
        QVERIFY2(series->name().contains(QLatin1String("measured")), qPrintable(series->name()));
    // The axes take the peers in: 60,000 req/s is on the chart.
    auto *served = qobject_cast<QValueAxis *>(chart->chart()->axes(Qt::Vertical).last());
    QVERIFY(served && served->max() >= 60000);
}

void TestSimulationSweep::referencesDrawnAgainstOfferedLoad()
{
    SimulationSweepPanel *panel = m_page->sweep();
    QVERIFY(panel->loadReferences(writeReferences(kReferences)));
    SweepChart *chart = panel->chart();
    chart->reset(inv::SweepParameter::Rate);
    inv::SweepStep step;
    step.value = step.offeredRps = step.throughputRps = 1000;
    step.read.p50 = 0.2;
    step.read.p99 = 1;
    chart->addStep(QStringLiteral("versioned"), step);
    const QList<QAbstractSeries *> peers = chart->referenceSeries();
    // Against offered load, each entry is the rate it reached: a level line across the whole axis,
    // and its p99 as a point at that rate.
    QAbstractSeries *level =
        named(peers, QStringLiteral("redis-benchmark GET, 4 clients"), QStringLiteral("served"));
    QVERIFY(level);
    const QList<QPointF> points = pointsOf(level);
    QCOMPARE(points.size(), 2);
    QCOMPARE(points[0].y(), 60000.0);
    QCOMPARE(points[1].y(), 60000.0);
    QVERIFY(points[0].x() <= 1000 && points[1].x() >= 60000);
    QAbstractSeries *p99 =
        named(peers, QStringLiteral("redis-benchmark GET, 4 clients"), QStringLiteral("p99"));
    QVERIFY(qobject_cast<QScatterSeries *>(p99));
    QCOMPARE(pointsOf(p99), (QList<QPointF>{{60000, 0.2}}));
    // Three redis-benchmark entries (a level and a point each) and pgbench's level.
    QCOMPARE(peers.size(), 7);
}

void TestSimulationSweep::badReferenceFileChangesNothing()
{
    SimulationSweepPanel *panel = m_page->sweep();
    QVERIFY(panel->loadReferences(writeReferences(kReferences)));
    const QStringList before = [&] {
        QStringList names;
        for (QAbstractSeries *series : panel->chart()->referenceSeries())
            names << series->name();
        return names;
    }();
    QVERIFY(
        !panel->loadReferences(writeReferences(R"({"references": [{"tool": "pgbench", "clients": 0}]})")));
    QVERIFY2(panel->status().contains(QLatin1String("invalid --reference")) &&
                 panel->status().contains(QLatin1String("\"clients\" must be a whole number")),
             qPrintable(panel->status()));
    QVERIFY(!panel->loadReferences(m_dir.filePath(QStringLiteral("missing.json"))));
    QVERIFY2(panel->status().contains(QLatin1String("cannot read")), qPrintable(panel->status()));
    QStringList after;
    for (QAbstractSeries *series : panel->chart()->referenceSeries())
        after << series->name();
    QCOMPARE(after, before);
}

void TestSimulationSweep::exportWritesAPngOfTheExportSize()
{
    SimulationSweepPanel *panel = m_page->sweep();
    const QSize viewSize = panel->chart()->size();
    const QString path = m_dir.filePath(QStringLiteral("chart.png"));
    QVERIFY2(panel->exportChart(path), qPrintable(panel->status()));
    const QImage image(path);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), SweepChart::kExportSize * panel->chart()->devicePixelRatio());
    // Drawn, not blank: axes, text, lines and the legend make many colours.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
        for (int x = 0; x < image.width(); x += 4)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
    // The view on the page keeps its own size.
    QCOMPARE(panel->chart()->size(), viewSize);
    // A folder that does not exist: refused, nothing written.
    const QString nowhere = m_dir.filePath(QStringLiteral("no/such/folder/chart.png"));
    QVERIFY(!panel->exportChart(nowhere));
    QVERIFY2(panel->status().contains(QLatin1String("Could not write")), qPrintable(panel->status()));
    QVERIFY(!QFile::exists(nowhere));
}

void TestSimulationSweep::demoModeExportsTheChart()
{
    const QString png = m_dir.filePath(QStringLiteral("demo.png"));
    const CliRun run = runConsole(
        {QStringLiteral("--sweep"), QStringLiteral("rate=100..200"), QStringLiteral("--step-seconds"),
         QStringLiteral("0.5"), QStringLiteral("--products"), QStringLiteral("20"),
         QStringLiteral("--reference"), writeReferences(kReferences), QStringLiteral("--export-sweep"), png},
        180000);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.err.contains(QLatin1String("Saved the chart to")), qPrintable(run.err));
    const QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), SweepChart::kExportSize);
}

void TestSimulationSweep::demoModeRefusesABadReference_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("why");
    const QString png = m_dir.filePath(QStringLiteral("refused.png"));
    const QStringList sweep{QStringLiteral("--sweep"), QStringLiteral("rate=100..200"),
                            QStringLiteral("--export-sweep"), png};
    QTest::newRow("malformed") << sweep + QStringList{QStringLiteral("--reference"),
                                                      writeReferences(R"({"references": [{"tool": "x"}]})")}
                               << QStringLiteral("invalid --reference");
    QTest::newRow("missing") << sweep + QStringList{QStringLiteral("--reference"),
                                                    m_dir.filePath(QStringLiteral("none.json"))}
                             << QStringLiteral("cannot read --reference");
    QTest::newRow("without a sweep") << QStringList{QStringLiteral("--export-sweep"), png}
                                     << QStringLiteral("go with --sweep");
    QTest::newRow("folder missing") << QStringList{QStringLiteral("--sweep"), QStringLiteral("rate=100..200"),
                                                   QStringLiteral("--export-sweep"),
                                                   m_dir.filePath(QStringLiteral("none/x.png"))}
                                    << QStringLiteral("cannot write --export-sweep");
}

void TestSimulationSweep::demoModeRefusesABadReference()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, why);
    const CliRun run = runConsole(arguments, 30000);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(why), qPrintable(run.err));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("refused.png"))));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("none/x.png"))));
}

QTEST_MAIN(TestSimulationSweep)
#include "tst_simulationsweep.moc"
