#include "simulationcharts.h"

#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <functional>

namespace {
enum PanelIndex
{
    Latency,
    Throughput,
    HitRate,
    Locks,
    Consistency,
    HotStock,
    PanelCount
};

struct SeriesSpec
{
    int panel;
    const char *suffix;
    Qt::PenStyle style;
    std::function<double(const inv::TimelinePoint &)> value;
};

// Every run draws these series; in compare mode the run's name prefixes each legend entry.
const std::vector<SeriesSpec> &seriesSpecs()
{
    static const std::vector<SeriesSpec> specs{
        {Latency, "read p99", Qt::SolidLine, [](const auto &p) { return p.readP99Ms; }},
        {Latency, "write p99", Qt::DashLine, [](const auto &p) { return p.writeP99Ms; }},
        {Latency, "read p50", Qt::DotLine, [](const auto &p) { return p.readP50Ms; }},
        {Throughput, "ok/s", Qt::SolidLine, [](const auto &p) { return p.okPerSecond; }},
        {Throughput, "requests/s", Qt::DotLine, [](const auto &p) { return p.rps; }},
        {Throughput, "refused/s", Qt::DashLine, [](const auto &p) { return p.rejectedPerSecond; }},
        {HitRate, "hit %", Qt::SolidLine, [](const auto &p) { return p.hitRate * 100; }},
        {Locks, "busy/s", Qt::SolidLine, [](const auto &p) { return p.lockBusyPerSecond; }},
        {Locks, "wait p99 ms", Qt::DashLine, [](const auto &p) { return p.lockWaitP99Ms; }},
        {Consistency, "stale reads", Qt::SolidLine, [](const auto &p) { return double(p.staleReads); }},
        {Consistency, "oversold", Qt::DashLine, [](const auto &p) { return double(p.oversold); }},
        {Consistency, "divergent keys", Qt::DotLine, [](const auto &p) { return double(p.divergentKeys); }},
        {HotStock, "DB stock", Qt::SolidLine, [](const auto &p) { return double(p.hotDbStock); }},
        {HotStock, "cache stock", Qt::DashLine, [](const auto &p) { return double(p.hotCacheStock); }},
    };
    return specs;
}

// Line styles are explained in the titles, so that the legend can name one entry per run.
const char *kTitles[PanelCount] = {"Latency ms: — read p99  - - write p99  ··· read p50",
                                   "Per second: — ok  ··· requests  - - refused",
                                   "Cache hit rate %",
                                   "Locks: — busy/s  - - wait p99 ms",
                                   "Violations: — stale reads  - - oversold  ··· divergent",
                                   "Hottest SKU: — database  - - cache"};

// Axes only grow, to the next round number, so they do not jitter tick by tick.
double niceCeiling(double v)
{
    if (v <= 1)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
    for (double step : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (v <= step * magnitude)
            return step * magnitude;
    return 10 * magnitude;
}
} // namespace

QColor SimulationCharts::colorFor(const QString &strategy)
{
    if (strategy == QLatin1String("unsafe"))
        return QColor(220, 50, 47);
    if (strategy == QLatin1String("naive"))
        return QColor(203, 120, 22);
    if (strategy == QLatin1String("locked"))
        return QColor(38, 110, 190);
    return QColor(42, 161, 90);
}

SimulationCharts::SimulationCharts(QWidget *parent) : QWidget(parent)
{
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    m_buffer.reserve(kMaxPoints + 1);
    for (int i = 0; i < PanelCount; ++i) {
        Panel panel;
        panel.chart = new QChart;
        panel.chart->setTitle(tr(kTitles[i]));
        QFont titleFont = panel.chart->titleFont();
        titleFont.setPointSizeF(titleFont.pointSizeF() * 0.9);
        panel.chart->setTitleFont(titleFont);
        panel.chart->legend()->setAlignment(Qt::AlignBottom);
        panel.chart->setMargins(QMargins(4, 4, 4, 4));
        QFont legendFont = panel.chart->legend()->font();
        legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
        panel.chart->legend()->setFont(legendFont);
        panel.x = new QValueAxis;
        panel.x->setRange(0, m_xMax);
        panel.x->setLabelFormat(QStringLiteral("%.0f s"));
        panel.y = new QValueAxis;
        panel.y->setRange(0, 1);
        panel.y->setLabelFormat(QStringLiteral("%g"));
        panel.chart->addAxis(panel.x, Qt::AlignBottom);
        panel.chart->addAxis(panel.y, Qt::AlignLeft);
        if (i == Latency) {
            panel.logY = new QLogValueAxis;
            panel.logY->setBase(10);
            panel.logY->setRange(0.01, 100);
            panel.logY->setLabelFormat(QStringLiteral("%g"));
        }
        auto *view = new QChartView(panel.chart, this);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumSize(260, 190);
        grid->addWidget(view, i / 3, i % 3);
        m_panels.push_back(panel);
    }
}

QLineSeries *SimulationCharts::addSeries(int panelIndex, const QString &name, const QColor &color,
                                         Qt::PenStyle style)
{
    Panel &panel = m_panels[static_cast<std::size_t>(panelIndex)];
    auto *series = new QLineSeries;
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(style == Qt::SolidLine ? 2.0 : 1.5);
    pen.setStyle(style);
    series->setPen(pen);
    // OpenGL would be faster, but it is not available under Xvfb or offscreen.
    panel.chart->addSeries(series);
    series->attachAxis(panel.x);
    series->attachAxis(m_log && panel.logY ? static_cast<QAbstractAxis *>(panel.logY) : panel.y);
    return series;
}

void SimulationCharts::clear()
{
    for (auto &panel : m_panels) {
        panel.chart->removeAllSeries();
        panel.yMax = 1;
        panel.y->setRange(0, 1);
    }
    m_runs.clear();
    m_xMax = 10;
    for (auto &panel : m_panels)
        panel.x->setRange(0, m_xMax);
}

int SimulationCharts::beginRun(const QString &name, const QColor &color)
{
    Run run;
    run.name = name;
    run.color = color;
    for (const auto &spec : seriesSpecs()) {
        // One legend entry per run and chart: the solid line, named after the run. A single run
        // needs no legend: the title explains the line styles.
        const bool primary = spec.style == Qt::SolidLine;
        Panel &panel = m_panels[static_cast<std::size_t>(spec.panel)];
        QLineSeries *series =
            addSeries(spec.panel, name.isEmpty() ? tr(spec.suffix) : name, color, spec.style);
        for (auto *marker : panel.chart->legend()->markers(series))
            marker->setVisible(primary && !name.isEmpty());
        panel.chart->legend()->setVisible(!name.isEmpty());
        run.series.push_back(series);
    }
    m_runs.push_back(run);
    return static_cast<int>(m_runs.size()) - 1;
}

void SimulationCharts::setTimeline(int runIndex, const std::vector<inv::TimelinePoint> &timeline)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()))
        return;
    Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    const auto &specs = seriesSpecs();
    // A long run is drawn from at most kMaxPoints per series: each bucket of ticks keeps its
    // largest value, so spikes stay visible while redrawing costs the same at minute 1 and 60.
    const std::size_t stride = std::max<std::size_t>(1, (timeline.size() + kMaxPoints - 1) / kMaxPoints);
    for (std::size_t s = 0; s < specs.size(); ++s) {
        m_buffer.clear();
        double yMax = 0;
        for (std::size_t begin = 0; begin < timeline.size(); begin += stride) {
            const std::size_t end = std::min(timeline.size(), begin + stride);
            double v = specs[s].value(timeline[begin]);
            for (std::size_t i = begin + 1; i < end; ++i)
                v = std::max(v, specs[s].value(timeline[i]));
            if (specs[s].panel == HotStock && v < 0)
                continue; // unknown or missing: leave a gap
            if (specs[s].panel == Latency && m_log)
                v = std::max(v, 0.01);
            m_buffer.append(QPointF(timeline[end - 1].t, v));
            yMax = std::max(yMax, v);
        }
        run.series[s]->replace(m_buffer);
        Panel &panel = m_panels[static_cast<std::size_t>(specs[s].panel)];
        panel.yMax = std::max(panel.yMax, yMax * 1.1);
    }
    if (!timeline.empty())
        m_xMax = std::max(m_xMax, niceCeiling(timeline.back().t));
    rescale();
}

void SimulationCharts::rescale()
{
    for (std::size_t i = 0; i < m_panels.size(); ++i) {
        Panel &panel = m_panels[i];
        panel.x->setRange(0, m_xMax);
        const double top = i == HitRate ? 100 : niceCeiling(panel.yMax);
        if (panel.y->max() != top) {
            panel.y->setRange(0, top);
            panel.y->applyNiceNumbers();
        }
        if (panel.logY)
            panel.logY->setRange(0.01, std::max(1.0, niceCeiling(panel.yMax)));
    }
}

void SimulationCharts::setLogLatency(bool logarithmic)
{
    if (logarithmic == m_log)
        return;
    m_log = logarithmic;
    Panel &panel = m_panels[Latency];
    QAbstractAxis *from = logarithmic ? static_cast<QAbstractAxis *>(panel.y) : panel.logY;
    QAbstractAxis *to = logarithmic ? static_cast<QAbstractAxis *>(panel.logY) : panel.y;
    for (auto &run : m_runs)
        for (std::size_t s = 0; s < seriesSpecs().size(); ++s)
            if (seriesSpecs()[s].panel == Latency)
                run.series[s]->detachAxis(from);
    panel.chart->removeAxis(from);
    panel.chart->addAxis(to, Qt::AlignLeft);
    for (auto &run : m_runs)
        for (std::size_t s = 0; s < seriesSpecs().size(); ++s)
            if (seriesSpecs()[s].panel == Latency)
                run.series[s]->attachAxis(to);
}

qsizetype SimulationCharts::pointCount() const
{
    qsizetype n = 0;
    for (const auto &run : m_runs)
        for (auto *series : run.series)
            n += series->count();
    return n;
}
