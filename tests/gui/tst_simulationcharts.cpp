// The Simulation page's charts and live statistics, driven by synthetic snapshots so that a 30 s
// run takes no 30 s: the time axis fits the run with round ticks and only grows, legend entries
// hide and show their metric, SLO thresholds are drawn, count axes have whole-number ticks and
// large values read "2M" rather than "2e+06", zoom applies to every chart, the charts follow the
// palette, and the statistics model passes QAbstractItemModelTester.
#include "simulationcharts.h"
#include "simulationstatsmodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QGraphicsScene>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QTest>
#include <QValueAxis>
#include <QWheelEvent>

#include <cmath>

namespace {
// A run of `seconds` as the monitor records it: a point every 250 ms, the last one at the end.
inv::SimulationSnapshot syntheticRun(double seconds, double rps = 2000)
{
    inv::SimulationSnapshot s;
    s.running = false;
    s.elapsedSeconds = seconds;
    s.progress = 1;
    for (double t = 0.25; t < seconds + 1e-9; t += 0.25) {
        inv::TimelinePoint p;
        p.t = t;
        p.rps = rps;
        p.okPerSecond = rps * 0.1;
        p.rejectedPerSecond = rps * 0.01;
        p.readP50Ms = 0.4;
        p.readP95Ms = 2;
        p.readP99Ms = 3 + std::sin(t);
        p.writeP50Ms = 1;
        p.writeP95Ms = 4;
        p.writeP99Ms = 6;
        p.hitRate = 0.95;
        p.staleReads = static_cast<long long>(t);
        p.hotDbStock = 1'000'000 - static_cast<long long>(t * 10);
        p.hotCacheStock = p.hotDbStock;
        s.timeline.push_back(p);
    }
    if (s.timeline.empty() || s.timeline.back().t < seconds) {
        s.timeline.push_back(s.timeline.empty() ? inv::TimelinePoint{} : s.timeline.back());
        s.timeline.back().t = seconds;
    }
    return s;
}

bool isRoundStep(double step)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(step)));
    const double m = step / magnitude;
    return std::abs(m - 1) < 1e-6 || std::abs(m - 2) < 1e-6 || std::abs(m - 5) < 1e-6;
}

QLegendMarker *marker(QChart *chart, const QString &label)
{
    for (auto *m : chart->legend()->markers())
        if (m->isVisible() && m->label() == label)
            return m;
    return nullptr;
}

QLineSeries *runSeries(QChart *chart, const QString &name)
{
    for (auto *s : chart->series())
        if (s->name() == name && static_cast<QLineSeries *>(s)->count() > 0)
            return static_cast<QLineSeries *>(s);
    return nullptr;
}
} // namespace

class TestSimulationCharts : public QObject
{
    Q_OBJECT

private slots:
    void timeAxisFitsTheRun_data();
    void timeAxisFitsTheRun();
    void timeAxisOnlyGrowsDuringARun();
    void legendEntryHidesAndShowsItsMetric();
    void legendHasOneEntryPerMetric();
    void thresholdsAreDrawn();
    void axesHaveUnitsWholeCountsAndSuffixes();
    void zoomAppliesToEveryChart();
    void wheelDragAndDoubleClickZoomEveryChart_data();
    void wheelDragAndDoubleClickZoomEveryChart();
    void chartsFollowThePalette();
    void statisticsModel();
};

void TestSimulationCharts::timeAxisFitsTheRun_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<double>("maxEnd");
    QTest::newRow("1 s") << 1.0 << 1.5;
    QTest::newRow("2.6 s") << 2.6 << 3.5;
    QTest::newRow("10 s") << 10.0 << 12.5;
    QTest::newRow("30 s") << 30.0 << 40.0;
    QTest::newRow("10 min") << 600.0 << 750.0;
}

void TestSimulationCharts::timeAxisFitsTheRun()
{
    QFETCH(double, seconds);
    QFETCH(double, maxEnd);
    SimulationCharts charts;
    charts.resize(1000, 500);
    const int run = charts.beginRun({}, SimulationCharts::colorFor(QStringLiteral("versioned")));
    charts.setSnapshot(run, syntheticRun(seconds));
    QCOMPARE(charts.timeMin(), 0.0);
    QVERIFY2(charts.timeMax() >= seconds, qPrintable(QString::number(charts.timeMax())));
    QVERIFY2(charts.timeMax() <= maxEnd, qPrintable(QString::number(charts.timeMax())));
    const double step = charts.timeTickInterval();
    QVERIFY2(isRoundStep(step), qPrintable(QString::number(step)));
    const double ticks = charts.timeMax() / step;
    QVERIFY2(ticks >= 2 && ticks <= 10.5, qPrintable(QString::number(ticks)));
    // Every chart shares the range.
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        const auto axes = charts.chart(static_cast<SimulationCharts::Panel>(p))->axes(Qt::Horizontal);
        QCOMPARE(axes.size(), 1);
        QCOMPARE(static_cast<QValueAxis *>(axes.front())->max(), charts.timeMax());
    }
}

void TestSimulationCharts::timeAxisOnlyGrowsDuringARun()
{
    SimulationCharts charts;
    charts.resize(1000, 500);
    const int run = charts.beginRun({}, Qt::green);
    const auto full = syntheticRun(30);
    double previous = 0;
    inv::SimulationSnapshot partial;
    for (const auto &point : full.timeline) {
        partial.timeline.push_back(point);
        charts.setSnapshot(run, partial);
        QVERIFY(charts.timeMax() >= previous);
        QVERIFY(charts.timeMax() >= point.t);
        previous = charts.timeMax();
    }
    charts.clear();
    QVERIFY(charts.timeMax() <= 1.0); // a new run starts small again
}

void TestSimulationCharts::legendEntryHidesAndShowsItsMetric()
{
    SimulationCharts charts;
    charts.resize(1000, 600);
    charts.show();
    QVERIFY(QTest::qWaitForWindowExposed(&charts));
    const int run = charts.beginRun({}, Qt::green);
    charts.setSnapshot(run, syntheticRun(3));
    QTest::qWait(50); // the legend lays out its entries on the next pass
    QChart *latency = charts.chart(SimulationCharts::Latency);
    QLegendMarker *readP99 = marker(latency, QStringLiteral("read p99"));
    QVERIFY(readP99);
    QLineSeries *series = runSeries(latency, QStringLiteral("read p99"));
    QVERIFY(series);
    QVERIFY(series->isVisible());

    emit readP99->clicked();
    QTest::qWait(50);
    QVERIFY(!charts.isMetricShown(QStringLiteral("read p99")));
    QVERIFY(!series->isVisible());
    QVERIFY(runSeries(latency, QStringLiteral("write p99"))->isVisible());
    // The entry stays in the legend, so that it can be clicked again.
    QVERIFY(marker(latency, QStringLiteral("read p99")));

    emit marker(latency, QStringLiteral("read p99"))->clicked();
    QVERIFY(charts.isMetricShown(QStringLiteral("read p99")));
    QVERIFY(series->isVisible());

    // A hidden metric stays hidden for a run that starts afterwards.
    charts.setMetricShown(QStringLiteral("stale reads"), false);
    const int second = charts.beginRun(QStringLiteral("locked"), Qt::blue);
    charts.setSnapshot(second, syntheticRun(3));
    QVERIFY(!runSeries(charts.chart(SimulationCharts::Consistency), QStringLiteral("locked stale reads"))
                 ->isVisible());
}

void TestSimulationCharts::legendHasOneEntryPerMetric()
{
    SimulationCharts charts;
    charts.resize(1000, 600);
    charts.show();
    QVERIFY(QTest::qWaitForWindowExposed(&charts));
    for (const auto &name : {QStringLiteral("naive"), QStringLiteral("unsafe"), QStringLiteral("locked")})
        charts.setSnapshot(charts.beginRun(name, SimulationCharts::colorFor(name)), syntheticRun(2));
    QTest::qWait(50);
    QStringList labels;
    for (auto *m : charts.chart(SimulationCharts::Latency)->legend()->markers())
        if (m->isVisible())
            labels << m->label();
    QCOMPARE(labels, (QStringList{QStringLiteral("read p99"), QStringLiteral("write p99"),
                                  QStringLiteral("read p50")}));
    QVERIFY(charts.chart(SimulationCharts::Latency)->legend()->isVisible());
}

void TestSimulationCharts::thresholdsAreDrawn()
{
    SimulationCharts charts;
    inv::Slo read;
    read.name = "read_p99_ms";
    read.threshold = 5;
    inv::Slo hit;
    hit.name = "cache_hit_rate";
    hit.upperBound = false;
    hit.threshold = 0.9;
    charts.setThresholds({read, hit});
    charts.setSnapshot(charts.beginRun({}, Qt::green), syntheticRun(4));
    const auto line = [&charts](SimulationCharts::Panel panel) -> QLineSeries * {
        for (auto *s : charts.chart(panel)->series())
            if (s->name().startsWith(QStringLiteral("SLO")))
                return static_cast<QLineSeries *>(s);
        return nullptr;
    };
    QLineSeries *latency = line(SimulationCharts::Latency);
    QVERIFY(latency);
    QCOMPARE(latency->pen().style(), Qt::DashLine);
    QCOMPARE(latency->at(0).y(), 5.0);
    QVERIFY(latency->at(latency->count() - 1).x() >= charts.timeMax());
    QVERIFY(latency->name().contains(QStringLiteral("5 ms")));
    QCOMPARE(line(SimulationCharts::HitRate)->at(0).y(), 90.0);
    QVERIFY(!line(SimulationCharts::Throughput));
    // The threshold is inside the visible range even when every value is far below it.
    const auto *y =
        static_cast<QValueAxis *>(charts.chart(SimulationCharts::Latency)->axes(Qt::Vertical).front());
    QVERIFY(y->max() > 5);
}

void TestSimulationCharts::axesHaveUnitsWholeCountsAndSuffixes()
{
    SimulationCharts charts;
    charts.setSnapshot(charts.beginRun({}, Qt::green), syntheticRun(5, 2'000'000));
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        for (auto *axis : charts.chart(static_cast<SimulationCharts::Panel>(p))->axes(Qt::Vertical)) {
            QVERIFY2(!axis->titleText().isEmpty(), "every value axis names its unit");
            auto *categories = qobject_cast<QCategoryAxis *>(axis);
            QVERIFY(categories);
            for (const auto &label : categories->categoriesLabels())
                QVERIFY2(!label.contains(QLatin1Char('e')), qPrintable(label));
        }
    }
    const auto labels = [&charts](SimulationCharts::Panel panel) {
        return static_cast<QCategoryAxis *>(charts.chart(panel)->axes(Qt::Vertical).front())
            ->categoriesLabels();
    };
    // 2,000,000 requests per second: "2M", not "2e+06".
    QVERIFY2(labels(SimulationCharts::Throughput).last().endsWith(QLatin1Char('M')),
             qPrintable(labels(SimulationCharts::Throughput).join(QLatin1Char(' '))));
    // A count of 0 to 5 stale reads: whole numbers only.
    for (const auto &label : labels(SimulationCharts::Consistency))
        QVERIFY2(!label.contains(QLatin1Char('.')), qPrintable(label));
    // Two units on one chart: two axes.
    QCOMPARE(charts.chart(SimulationCharts::Locks)->axes(Qt::Vertical).size(), 2);
    // The hottest SKU's axis fits its values, so that a divergence of a few units shows.
    const auto *stock =
        static_cast<QValueAxis *>(charts.chart(SimulationCharts::HotStock)->axes(Qt::Vertical).front());
    QVERIFY(stock->min() > 900'000);
}

void TestSimulationCharts::zoomAppliesToEveryChart()
{
    SimulationCharts charts;
    charts.setSnapshot(charts.beginRun({}, Qt::green), syntheticRun(30));
    const double fitted = charts.timeMax();
    charts.zoomTime(10, 15);
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        const auto *x = static_cast<QValueAxis *>(
            charts.chart(static_cast<SimulationCharts::Panel>(p))->axes(Qt::Horizontal).front());
        QCOMPARE(x->min(), 10.0);
        QCOMPARE(x->max(), 15.0);
    }
    // A zoom survives new points; reset fits the run again.
    charts.setSnapshot(0, syntheticRun(31));
    QCOMPARE(charts.timeMax(), 15.0);
    charts.resetZoom();
    QCOMPARE(charts.timeMin(), 0.0);
    QVERIFY(charts.timeMax() >= fitted);
}

void TestSimulationCharts::wheelDragAndDoubleClickZoomEveryChart_data()
{
    QTest::addColumn<int>("panel");
    for (int p = 0; p < SimulationCharts::PanelCount; ++p)
        QTest::addRow("%s", qPrintable(SimulationCharts::description(static_cast<SimulationCharts::Panel>(p))
                                           .section(QLatin1Char(':'), 0, 0)))
            << p;
}

void TestSimulationCharts::wheelDragAndDoubleClickZoomEveryChart()
{
    QFETCH(int, panel);
    SimulationCharts charts;
    charts.resize(1000, 600);
    charts.show();
    QVERIFY(QTest::qWaitForWindowExposed(&charts));
    charts.setSnapshot(charts.beginRun({}, Qt::green), syntheticRun(30));
    QTest::qWait(50);
    const double fitted = charts.timeMax();
    QChart *chart = charts.chart(static_cast<SimulationCharts::Panel>(panel));
    auto *view = qobject_cast<QChartView *>(chart->scene()->views().value(0));
    QVERIFY(view);
    const auto everyChartShows = [&charts](double from, double to) {
        for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
            const auto *x = static_cast<QValueAxis *>(
                charts.chart(static_cast<SimulationCharts::Panel>(p))->axes(Qt::Horizontal).front());
            if (std::abs(x->min() - from) > 1e-9 || std::abs(x->max() - to) > 1e-9)
                return false;
        }
        return true;
    };

    // The wheel zooms in around the cursor, on every chart.
    const QPoint centre = view->mapFromScene(chart->plotArea().center());
    QWheelEvent in(centre, view->viewport()->mapToGlobal(centre), {}, {0, 120}, Qt::NoButton, Qt::NoModifier,
                   Qt::NoScrollPhase, false);
    QApplication::sendEvent(view->viewport(), &in);
    QVERIFY2(charts.timeMax() - charts.timeMin() < fitted * 0.9,
             qPrintable(QString::number(charts.timeMax())));
    QVERIFY(charts.timeMin() > 0);
    QVERIFY(everyChartShows(charts.timeMin(), charts.timeMax()));

    // A double-click fits the run again.
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, centre);
    QCOMPARE(charts.timeMin(), 0.0);
    QCOMPARE(charts.timeMax(), fitted);

    // A rubber band (the chart's own zoom) on any chart: every chart follows.
    chart->zoomIn(QRectF(chart->plotArea().left() + chart->plotArea().width() / 4, chart->plotArea().top(),
                         chart->plotArea().width() / 4, chart->plotArea().height()));
    QVERIFY2(charts.timeMin() > 0 && charts.timeMax() < fitted,
             qPrintable(QString::number(charts.timeMin())));
    QVERIFY(everyChartShows(charts.timeMin(), charts.timeMax()));
    QCOMPARE(static_cast<QValueAxis *>(chart->axes(Qt::Horizontal).front())->min(), charts.timeMin());

    // Wheeling out past the whole run fits it again.
    for (int i = 0; i < 10; ++i) {
        QWheelEvent out(centre, view->viewport()->mapToGlobal(centre), {}, {0, -120}, Qt::NoButton,
                        Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view->viewport(), &out);
    }
    QCOMPARE(charts.timeMin(), 0.0);
    QCOMPARE(charts.timeMax(), fitted);
}

void TestSimulationCharts::chartsFollowThePalette()
{
    SimulationCharts charts;
    QPalette dark = charts.palette();
    dark.setColor(QPalette::Base, QColor(28, 30, 34));
    dark.setColor(QPalette::Text, QColor(220, 223, 228));
    charts.setPalette(dark);
    QChart *chart = charts.chart(SimulationCharts::Latency);
    QCOMPARE(chart->backgroundBrush().color(), QColor(28, 30, 34));
    QCOMPARE(chart->titleBrush().color(), QColor(220, 223, 228));
    QCOMPARE(chart->legend()->labelColor(), QColor(220, 223, 228));
    QCOMPARE(chart->axes(Qt::Horizontal).front()->labelsBrush().color(), QColor(220, 223, 228));
}

void TestSimulationCharts::statisticsModel()
{
    SimulationStatsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    using M = SimulationStatsModel;
    const int run = model.beginRun(QStringLiteral("versioned"));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(M::ColumnCount));
    const auto value = [&model](int row, int column) { return model.index(row, column).data(M::ValueRole); };
    // Live: 10 s of 2000 requests per second, a tenth of them writes served and 1% refused.
    model.setTimeline(run, syntheticRun(10).timeline);
    const int read = M::rowOf(run, M::Read), write = M::rowOf(run, M::Write), all = M::rowOf(run, M::All);
    QCOMPARE(qRound(value(all, M::RequestsColumn).toDouble()), 20'000);
    QCOMPARE(qRound(value(all, M::RateColumn).toDouble()), 2000);
    QCOMPARE(qRound(value(write, M::RateColumn).toDouble()), 220);
    QCOMPARE(qRound(value(read, M::RateColumn).toDouble()), 1780);
    QCOMPARE(value(write, M::P99Column).toDouble(), 6.0);
    QVERIFY(!value(read, M::MaxColumn).isValid()); // known only from the report
    QCOMPARE(model.index(read, M::MaxColumn).data().toString(), QStringLiteral("—"));
    QVERIFY(!model.index(read, M::MaxColumn).data(Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(model.index(read, M::OperationColumn).data().toString().contains(QStringLiteral("read")));

    // The report replaces the live values with the whole run's merged ones.
    inv::SimulationReport report;
    report.durationSeconds = 10;
    report.requests = 20'000;
    report.rejections = 200;
    report.errors = 3;
    report.throughputRps = 2000;
    report.read = {0.3, 1.5, 4.0, 12.5, 17'800};
    report.write = {1.0, 3.0, 5.5, 20.0, 2'200};
    model.setReport(run, report);
    QCOMPARE(value(read, M::P99Column).toDouble(), 4.0);
    QCOMPARE(value(read, M::MaxColumn).toDouble(), 12.5);
    QCOMPARE(value(all, M::ErrorsColumn).toDouble(), 3.0);
    QCOMPARE(value(write, M::RefusedColumn).toDouble(), 200.0);
    // A finished run's rows no longer move with live snapshots.
    model.setTimeline(run, syntheticRun(1).timeline);
    QCOMPARE(value(read, M::P99Column).toDouble(), 4.0);

    model.beginRun(QStringLiteral("locked"));
    QCOMPARE(model.rowCount(), 6);
    for (int c = 0; c < M::ColumnCount; ++c)
        QVERIFY(!model.headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestSimulationCharts)
#include "tst_simulationcharts.moc"
