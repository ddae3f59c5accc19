// The Simulation page's charts and live statistics, driven by synthetic snapshots so that a 30 s
// run takes no 30 s: the time axis fits the run with round ticks and only grows, legend entries
// hide and show their metric, SLO thresholds are drawn, count axes have whole-number ticks and
// large values read "2M" rather than "2e+06", zoom applies to every chart, the charts follow the
// palette, events are markers on every chart that follow zoom, the crosshair follows the cursor on
// every chart, legends are never elided, and the statistics model (one row per operation that
// occurred) passes QAbstractItemModelTester.
#include "simulationchartpanel.h"
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
#include <QMouseEvent>
#include <QTest>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
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
    void eventsAreMarkedOnEveryChart();
    void crosshairFollowsTheCursorOnEveryChart();
    void legendsAreWholeAtTheirMinimumWidth();
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

namespace {
inv::OperationStats operation(const char *name, long long count, double rate, double p99,
                              long long refused = 0, long long failures = 0)
{
    inv::OperationStats o;
    o.name = name;
    o.latency = {p99 / 4, p99 / 2, p99, p99 * 2, count};
    o.ratePerSecond = rate;
    o.refused = refused;
    o.failures = failures;
    return o;
}
} // namespace

void TestSimulationCharts::statisticsModel()
{
    SimulationStatsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    using M = SimulationStatsModel;
    const int run = model.beginRun(QStringLiteral("versioned"));
    QCOMPARE(model.rowCount(), 1); // all requests, before any operation
    QCOMPARE(model.columnCount(), int(M::ColumnCount));
    const auto value = [&model](int row, int column) { return model.index(row, column).data(M::ValueRole); };
    // Live: reads and purchases so far; no restock yet, so no restock row.
    model.setOperations(run,
                        {operation("read", 18'000, 1780, 3.0), operation("purchase", 2'000, 220, 6.0, 20),
                         operation("restock", 0, 0, 0), operation("all", 20'000, 2000, 5.0, 20, 1)});
    QCOMPARE(model.rowCount(), 3);
    const int read = model.rowOf(run, M::Read), purchase = model.rowOf(run, M::Purchase),
              all = model.rowOf(run, M::All);
    QCOMPARE(model.rowOf(run, M::Restock), -1);
    QCOMPARE(qRound(value(all, M::RequestsColumn).toDouble()), 20'000);
    QCOMPARE(qRound(value(all, M::RateColumn).toDouble()), 2000);
    QCOMPARE(qRound(value(purchase, M::RateColumn).toDouble()), 220);
    QCOMPARE(qRound(value(read, M::RateColumn).toDouble()), 1780);
    QCOMPARE(value(purchase, M::P99Column).toDouble(), 6.0);
    QCOMPARE(value(read, M::MaxColumn).toDouble(), 6.0); // the run so far: known live
    QCOMPARE(value(purchase, M::RefusedColumn).toDouble(), 20.0);
    QVERIFY(!value(read, M::RefusedColumn).isValid()); // only a purchase can be refused
    QCOMPARE(model.index(read, M::RefusedColumn).data().toString(), QStringLiteral("—"));
    QVERIFY(model.index(read, M::OperationColumn).data().toString().contains(QStringLiteral("read")));
    QVERIFY(model.index(purchase, M::OperationColumn).data().toString().contains(QStringLiteral("purchase")));
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(!model.index(row, M::OperationColumn).data(Qt::ToolTipRole).toString().isEmpty());

    // A restock occurs: its row is inserted between purchase and all.
    model.setOperations(run,
                        {operation("read", 18'100, 1780, 3.0), operation("purchase", 2'010, 220, 6.0, 20),
                         operation("restock", 5, 20, 4.0), operation("all", 20'115, 2020, 5.0, 20, 1)});
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.rowOf(run, M::Restock), model.rowOf(run, M::Purchase) + 1);
    QCOMPARE(model.rowOf(run, M::All), 3);

    // The report replaces the live values with the whole run's merged ones.
    inv::SimulationReport report;
    report.durationSeconds = 10;
    report.operations = {operation("read", 17'800, 1780, 4.0), operation("purchase", 2'100, 210, 5.5, 200),
                         operation("restock", 100, 10, 2.0), operation("all", 20'000, 2000, 5.0, 200, 3)};
    model.setReport(run, report);
    QCOMPARE(value(model.rowOf(run, M::Read), M::P99Column).toDouble(), 4.0);
    QCOMPARE(value(model.rowOf(run, M::Read), M::MaxColumn).toDouble(), 8.0);
    QCOMPARE(value(model.rowOf(run, M::All), M::ErrorsColumn).toDouble(), 3.0);
    QCOMPARE(value(model.rowOf(run, M::Purchase), M::RefusedColumn).toDouble(), 200.0);
    // A finished run's rows no longer move with live snapshots.
    model.setOperations(run, {operation("read", 1, 1, 99.0), operation("all", 1, 1, 99.0)});
    QCOMPARE(value(model.rowOf(run, M::Read), M::P99Column).toDouble(), 4.0);

    // A stored report from before operations were counted apart shows reads and writes.
    const int old = model.beginRun(QStringLiteral("locked"));
    inv::SimulationReport legacy;
    legacy.durationSeconds = 2;
    legacy.requests = 120;
    legacy.read = {0.3, 1.5, 4.0, 12.5, 100};
    legacy.write = {1.0, 3.0, 5.5, 20.0, 20};
    model.setReport(old, legacy);
    QCOMPARE(model.rowCount(), 7);
    QCOMPARE(value(model.rowOf(old, M::Write), M::P99Column).toDouble(), 5.5);
    QCOMPARE(value(model.rowOf(old, M::All), M::MaxColumn).toDouble(), 20.0);
    for (int c = 0; c < M::ColumnCount; ++c)
        QVERIFY(!model.headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestSimulationCharts::eventsAreMarkedOnEveryChart()
{
    SimulationCharts charts;
    charts.resize(1200, 900);
    charts.show();
    QVERIFY(QTest::qWaitForWindowExposed(&charts));
    const int run = charts.beginRun({}, QColor(42, 161, 90));
    charts.setTimeline(run, syntheticRun(4).timeline);
    charts.setEvents(run, {{0, "load starts"}, {1.25, "sold out"}, {3.5, "drain"}});
    QTest::qWait(50);
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        SimulationChartPanel *panel = charts.panel(static_cast<SimulationCharts::Panel>(p));
        const auto markers = panel->overlay().markers();
        const auto soldOut = std::find_if(markers.begin(), markers.end(), [](const auto &m) {
            return m.label == QStringLiteral("sold out");
        });
        QVERIFY2(soldOut != markers.end(), qPrintable(panel->chart()->title()));
        QCOMPARE(soldOut->t, 1.25);
        QCOMPARE(soldOut->color, QColor(42, 161, 90));
        // Drawn where 1.25 s falls on the time axis, inside the plot.
        const QRectF plot = panel->chart()->plotArea();
        const double x = panel->viewX(1.25);
        const double expected =
            plot.left() + plot.width() * (1.25 - charts.timeMin()) / (charts.timeMax() - charts.timeMin());
        QVERIFY2(std::abs(x - panel->mapFromScene(panel->chart()->mapToScene(QPointF(expected, 0))).x()) <
                     1.5,
                 qPrintable(panel->chart()->title()));
    }
    // Markers follow zoom: 1.25 s moves to the middle of a 1 to 1.5 s range.
    SimulationChartPanel *latency = charts.panel(SimulationCharts::Latency);
    const double before = latency->viewX(1.25);
    charts.zoomTime(1.0, 1.5);
    const QRectF plot = latency->chart()->mapRectToScene(latency->chart()->plotArea());
    QVERIFY(std::abs(latency->viewX(1.25) - latency->mapFromScene(plot.center()).x()) < 1.5);
    QVERIFY(std::abs(latency->viewX(1.25) - before) > 10);
    charts.resetZoom();

    // Compare mode: each run's start is labelled, in its colour, instead of its "load starts".
    charts.clear();
    const int naive =
        charts.beginRun(QStringLiteral("naive"), SimulationCharts::colorFor(QStringLiteral("naive")));
    charts.setEvents(naive, {{0, "load starts"}, {0.8, "sold out"}});
    const auto markers = charts.panel(SimulationCharts::Throughput)->overlay().markers();
    QCOMPARE(markers.size(), std::size_t(2));
    QCOMPARE(markers.front().label, QStringLiteral("naive starts"));
    QCOMPARE(markers.front().color, SimulationCharts::colorFor(QStringLiteral("naive")));
}

void TestSimulationCharts::crosshairFollowsTheCursorOnEveryChart()
{
    SimulationCharts charts;
    charts.resize(1200, 900);
    charts.show();
    QVERIFY(QTest::qWaitForWindowExposed(&charts));
    const int run = charts.beginRun({}, QColor(42, 161, 90));
    charts.setTimeline(run, syntheticRun(4).timeline);
    QTest::qWait(50);
    SimulationChartPanel *latency = charts.panel(SimulationCharts::Latency);
    const QRectF plot = latency->chart()->mapRectToScene(latency->chart()->plotArea());
    const QPoint at = latency->mapFromScene(QPointF(plot.left() + plot.width() / 4, plot.center().y()));
    QMouseEvent move(QEvent::MouseMove, QPointF(at), latency->viewport()->mapToGlobal(QPointF(at)),
                     Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(latency->viewport(), &move);
    QVERIFY(latency->crosshair().has_value());
    const double t = *latency->crosshair();
    QVERIFY2(std::abs(t - (charts.timeMin() + (charts.timeMax() - charts.timeMin()) / 4)) < 0.05,
             qPrintable(QString::number(t)));
    QVERIFY(std::abs(latency->viewX(t) - at.x()) < 1.5);
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        const auto other = charts.panel(static_cast<SimulationCharts::Panel>(p))->crosshair();
        QVERIFY(other.has_value());
        QCOMPARE(*other, t);
    }
    // Out of the plot, the crosshair goes away everywhere.
    QMouseEvent out(QEvent::MouseMove, QPointF(1, 1), latency->viewport()->mapToGlobal(QPointF(1, 1)),
                    Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(latency->viewport(), &out);
    for (int p = 0; p < SimulationCharts::PanelCount; ++p)
        QVERIFY(!charts.panel(static_cast<SimulationCharts::Panel>(p))->crosshair());
}

void TestSimulationCharts::legendsAreWholeAtTheirMinimumWidth()
{
    // A chart is never narrower than its legend needs, so no entry is elided ("divergent k…").
    SimulationCharts charts;
    for (int p = 0; p < SimulationCharts::PanelCount; ++p) {
        SimulationChartPanel *panel = charts.panel(static_cast<SimulationCharts::Panel>(p));
        const QFontMetrics metrics(panel->chart()->legend()->font());
        int needed = 0;
        for (auto *m : panel->chart()->legend()->markers())
            if (m->isVisible())
                needed += metrics.horizontalAdvance(m->label()) + metrics.height() + 8;
        QVERIFY2(panel->minimumWidth() >= needed, qPrintable(panel->chart()->title()));
    }
}

QTEST_MAIN(TestSimulationCharts)
#include "tst_simulationcharts.moc"
