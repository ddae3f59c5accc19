#include "simulationcharts.h"

#include "chartaxisscale.h"
#include "simulationchartpanel.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QScrollArea>
#include <QStyle>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

static_assert(SimulationCharts::kMaxPoints == SimulationChartPanel::kMaxPoints);

namespace {
using Metric = SimulationChartPanel::Metric;
using YRange = SimulationChartPanel::YRange;

// The metrics each chart draws, for every run. Colour tells the runs apart, line style the metrics
// of a chart.
std::vector<Metric> metricsOf(SimulationCharts::Panel panel)
{
    switch (panel) {
    case SimulationCharts::Latency:
        return {{"read p99", "ms", Qt::SolidLine, false, [](const auto &p) { return p.readP99Ms; }},
                {"write p99", "ms", Qt::DashLine, false, [](const auto &p) { return p.writeP99Ms; }},
                {"read p50", "ms", Qt::DotLine, false, [](const auto &p) { return p.readP50Ms; }}};
    case SimulationCharts::Throughput:
        return {{"requests", "/s", Qt::SolidLine, false, [](const auto &p) { return p.rps; }},
                {"writes ok", "/s", Qt::DashLine, false, [](const auto &p) { return p.okPerSecond; }},
                {"refused", "/s", Qt::DotLine, false, [](const auto &p) { return p.rejectedPerSecond; }}};
    case SimulationCharts::HitRate:
        return {{"hit rate", "%", Qt::SolidLine, false, [](const auto &p) { return p.hitRate * 100; }}};
    case SimulationCharts::Locks:
        return {{"busy", "/s", Qt::SolidLine, false, [](const auto &p) { return p.lockBusyPerSecond; }},
                {"wait p99", "ms", Qt::DashLine, true, [](const auto &p) { return p.lockWaitP99Ms; }}};
    case SimulationCharts::RowLocks:
        return {{"PostgreSQL lock waits", "backends", Qt::SolidLine, false,
                 [](const auto &p) { return double(p.pgLockWaits); }}};
    case SimulationCharts::Consistency:
        return {{"stale reads", "", Qt::SolidLine, false, [](const auto &p) { return double(p.staleReads); }},
                {"oversold", "", Qt::DashLine, false, [](const auto &p) { return double(p.oversold); }},
                {"divergent", "", Qt::DotLine, false, [](const auto &p) { return double(p.divergentKeys); }}};
    case SimulationCharts::HotStock:
        return {
            {"database", "units", Qt::SolidLine, false, [](const auto &p) { return double(p.hotDbStock); }},
            {"cache", "units", Qt::DashLine, false, [](const auto &p) { return double(p.hotCacheStock); }}};
    case SimulationCharts::PanelCount:
        break;
    }
    return {};
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
    if (strategy == QLatin1String("combined"))
        return QColor(142, 68, 173);
    return QColor(42, 161, 90);
}

QString SimulationCharts::description(Panel panel)
{
    switch (panel) {
    case Latency:
        return tr("Latency: how long reads and writes took from their intended start, per 250 ms window "
                  "(p99: 99 of 100 requests were faster).");
    case Throughput:
        return tr("Throughput: requests served per second, writes that succeeded, and purchases refused "
                  "because the stock ran out.");
    case HitRate:
        return tr("Cache hit rate: the share of reads answered from Redis without asking PostgreSQL.");
    case Locks:
        return tr("Redis lock contention: attempts per second that found the lock held (left axis) and the "
                  "99th percentile wait to acquire it (right axis).");
    case RowLocks:
        return tr("PostgreSQL row-lock contention: how many database backends were waiting on a lock "
                  "(the hot row's, in a flash sale), sampled from pg_stat_activity every 250 ms.");
    case Consistency:
        return tr("Violations so far: stale reads (a read that started after a newer version was "
                  "acknowledged and still returned an older one), units sold beyond the stock, and keys "
                  "whose cache disagrees with the database.");
    case HotStock:
        return tr("The hottest SKU's stock as PostgreSQL and Redis report it, sampled once a second: the "
                  "lines part when the cache diverges.");
    case PanelCount:
        break;
    }
    return {};
}

SimulationCharts::SimulationCharts(QWidget *parent)
    : QWidget(parent), m_scroll(new QScrollArea(this)), m_grid(new QWidget),
      m_gridLayout(new QGridLayout(m_grid)), m_runBar(new QWidget(this)),
      m_runLayout(new QHBoxLayout(m_runBar))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_runLayout->setContentsMargins(4, 0, 4, 0);
    m_runLayout->addWidget(new QLabel(tr("Runs (click to hide):"), m_runBar));
    m_runLayout->addStretch(1);
    m_runBar->setVisible(false);
    layout->addWidget(m_runBar);
    m_gridLayout->setContentsMargins(0, 0, 0, 0);
    m_gridLayout->setSpacing(4);
    m_scroll->setWidget(m_grid);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_scroll, 1);

    const auto spec = [](Panel panel, const QString &title, const QString &yTitle, const QString &y2Title,
                         bool integer, YRange range) {
        SimulationChartPanel::Spec s;
        s.title = title;
        s.description = description(panel);
        s.yTitle = yTitle;
        s.y2Title = y2Title;
        s.integer = integer;
        s.range = range;
        s.logAxis = panel == Latency;
        s.metrics = metricsOf(panel);
        return s;
    };
    const SimulationChartPanel::Spec specs[PanelCount] = {
        spec(Latency, tr("Latency"), tr("ms"), {}, false, YRange::FromZero),
        spec(Throughput, tr("Throughput"), tr("per second"), {}, true, YRange::FromZero),
        spec(HitRate, tr("Cache hit rate"), tr("% of reads"), {}, false, YRange::Percent),
        spec(Locks, tr("Redis lock contention"), tr("busy per second"), tr("wait p99 ms"), true,
             YRange::FromZero),
        spec(RowLocks, tr("PostgreSQL row-lock contention"), tr("backends waiting"), {}, true,
             YRange::FromZero),
        spec(Consistency, tr("Consistency violations"), tr("count"), {}, true, YRange::FromZero),
        spec(HotStock, tr("Hottest SKU: database vs cache"), tr("units in stock"), {}, true,
             YRange::DataRange),
    };
    for (const auto &s : specs) {
        auto *panel = new SimulationChartPanel(s, m_grid);
        connect(panel, &SimulationChartPanel::timeRangeSelected, this, &SimulationCharts::zoomTime);
        connect(panel, &SimulationChartPanel::wheelZoomed, this, &SimulationCharts::onWheelZoomed);
        connect(panel, &SimulationChartPanel::resetZoomRequested, this, &SimulationCharts::resetZoom);
        connect(panel, &SimulationChartPanel::crosshairMoved, this, &SimulationCharts::onCrosshairMoved);
        m_panels.push_back(panel);
    }
    fitTime();
    reflow();
}

SimulationCharts::~SimulationCharts() = default;

void SimulationCharts::clear()
{
    for (auto *panel : m_panels)
        panel->clear();
    for (auto &run : m_runs)
        delete run.toggle;
    m_runs.clear();
    m_runBar->setVisible(false);
    m_dataEnd = 0;
    m_zoom.reset();
    fitTime();
}

int SimulationCharts::beginRun(const QString &name, const QColor &color)
{
    int index = 0;
    for (auto *panel : m_panels)
        index = panel->addRun(name, color);
    Run run;
    run.name = name;
    if (!name.isEmpty()) {
        run.toggle = new QCheckBox(name, m_runBar);
        run.toggle->setChecked(true);
        run.toggle->setStyleSheet(
            QStringLiteral("QCheckBox { color: %1; font-weight: bold; }").arg(color.name()));
        run.toggle->setToolTip(tr("Show or hide this run's lines on every chart"));
        m_runLayout->insertWidget(m_runLayout->count() - 1, run.toggle);
        connect(run.toggle, &QCheckBox::toggled, this, [this, index](bool on) {
            for (auto *panel : m_panels)
                panel->setRunVisible(index, on);
        });
        m_runBar->setVisible(true);
    }
    m_runs.push_back(run);
    return index;
}

void SimulationCharts::setRunShown(int run, bool shown)
{
    if (run < 0 || run >= static_cast<int>(m_runs.size()))
        return;
    if (QCheckBox *toggle = m_runs[static_cast<std::size_t>(run)].toggle) {
        toggle->setChecked(shown); // its toggled signal shows or hides the lines
        return;
    }
    for (auto *panel : m_panels)
        panel->setRunVisible(run, shown);
}

void SimulationCharts::setTimeline(int run, const std::vector<inv::TimelinePoint> &timeline)
{
    if (run < 0 || run >= static_cast<int>(m_runs.size()))
        return;
    for (auto *panel : m_panels)
        panel->setTimeline(run, timeline);
    if (!timeline.empty())
        m_dataEnd = std::max(m_dataEnd, timeline.back().t);
    fitTime();
}

void SimulationCharts::setEvents(int run, const std::vector<inv::TimelineEvent> &events)
{
    if (run < 0 || run >= static_cast<int>(m_runs.size()))
        return;
    std::vector<inv::TimelineEvent> shown = events;
    const QString &name = m_runs[static_cast<std::size_t>(run)].name;
    if (!name.isEmpty()) {
        // Compare mode overlays the runs from t = 0, each on its own time line: they do not share
        // one, so a "switch" at some time would be invented. Each run's start is labelled instead,
        // and stands for its own "load starts".
        std::erase_if(shown, [](const auto &e) { return e.label == "load starts"; });
        shown.insert(shown.begin(), inv::TimelineEvent{0, tr("%1 starts").arg(name).toStdString()});
    }
    for (auto *panel : m_panels)
        panel->setEvents(run, shown);
}

void SimulationCharts::onCrosshairMoved(double t, bool shown)
{
    for (auto *panel : m_panels)
        panel->setCrosshair(shown ? std::optional<double>(t) : std::nullopt);
}

void SimulationCharts::setThresholds(const std::vector<inv::Slo> &slos)
{
    std::optional<double> values[PanelCount];
    for (const auto &slo : slos) {
        if (slo.name == "read_p99_ms")
            values[Latency] = slo.threshold;
        else if (slo.name == "throughput_rps")
            values[Throughput] = slo.threshold;
        else if (slo.name == "cache_hit_rate")
            values[HitRate] = slo.threshold * 100;
    }
    for (int i = 0; i < PanelCount; ++i) {
        QString label;
        if (const auto &v = values[i]) {
            const bool lower = i == HitRate || i == Throughput;
            const QString value = i == HitRate   ? QString(QString::number(*v, 'g', 3) + QLatin1Char('%'))
                                  : i == Latency ? QString(QLocale().toString(*v, 'g', 4) + tr(" ms"))
                                                 : QString(ChartAxisScale::tickLabel(*v, 1, *v) + tr("/s"));
            label = (lower ? tr("SLO ≥ %1") : tr("SLO ≤ %1")).arg(value);
        }
        m_panels[static_cast<std::size_t>(i)]->setThreshold(values[i], label);
    }
}

void SimulationCharts::setLogLatency(bool logarithmic)
{
    m_panels[Latency]->setLogarithmic(logarithmic);
}

void SimulationCharts::fitTime()
{
    // At most one tick every 70 px, on round seconds; the axis ends half a step past the data.
    const int ticks = std::clamp(m_panels.front()->width() / 70, 4, 10);
    double from = 0, to = 0, step = 0;
    if (m_zoom) {
        from = m_zoom->first;
        to = m_zoom->second;
        step = ChartAxisScale::niceStep(to - from, ticks, false);
    } else {
        const double end = std::max(1.0, m_dataEnd);
        step = ChartAxisScale::niceStep(end, ticks, false);
        const double half = step / 2;
        to = std::ceil(end / half - 1e-9) * half;
    }
    for (auto *panel : m_panels)
        panel->setTimeRange(from, to, step);
}

void SimulationCharts::zoomTime(double from, double to)
{
    if (!(to > from))
        return;
    m_zoom = std::make_pair(std::max(0.0, from), to);
    fitTime();
}

void SimulationCharts::resetZoom()
{
    m_zoom.reset();
    fitTime();
}

void SimulationCharts::onWheelZoomed(double from, double to, bool out)
{
    // Zooming out past the whole run fits the run again.
    if (out && to - from >= std::max(1.0, m_dataEnd))
        resetZoom();
    else
        zoomTime(from, to);
}

void SimulationCharts::setMetricShown(const QString &metric, bool shown)
{
    for (auto *panel : m_panels)
        panel->setMetricShown(panel->metricIndex(metric), shown);
}

bool SimulationCharts::isMetricShown(const QString &metric) const
{
    for (auto *panel : m_panels)
        if (const int index = panel->metricIndex(metric); index >= 0)
            return panel->isMetricShown(index);
    return false;
}

double SimulationCharts::timeMin() const
{
    return m_panels.front()->timeAxis()->min();
}

double SimulationCharts::timeMax() const
{
    return m_panels.front()->timeAxis()->max();
}

double SimulationCharts::timeTickInterval() const
{
    return m_panels.front()->timeAxis()->tickInterval();
}

QChart *SimulationCharts::chart(Panel panel) const
{
    return m_panels[panel]->chart();
}

qsizetype SimulationCharts::pointCount() const
{
    qsizetype n = 0;
    for (const auto *panel : m_panels)
        n += panel->pointCount();
    return n;
}

QPixmap SimulationCharts::image()
{
    const QPixmap charts = m_grid->grab();
    if (!m_runBar->isVisible())
        return charts;
    const QPixmap bar = m_runBar->grab();
    QPixmap out(std::max(charts.width(), bar.width()), charts.height() + bar.height());
    out.fill(palette().color(QPalette::Window));
    QPainter painter(&out);
    painter.drawPixmap(0, 0, bar);
    painter.drawPixmap(0, bar.height(), charts);
    return out;
}

void SimulationCharts::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    reflow();
    fitTime();
}

void SimulationCharts::reflow()
{
    // Three charts a row when each gets its minimum width (its whole legend), else two or one; the
    // rest scrolls, never crops. The viewport may not have its new size yet: take ours, less a
    // scroll bar.
    int least = 0;
    for (auto *panel : m_panels)
        least = std::max(least, panel->minimumWidth());
    const int width = this->width() - style()->pixelMetric(QStyle::PM_ScrollBarExtent);
    const int columns =
        std::clamp((width + m_gridLayout->spacing()) / (least + m_gridLayout->spacing()), 1, 3);
    if (columns == m_columns)
        return;
    m_columns = columns;
    for (auto *panel : m_panels)
        m_gridLayout->removeWidget(panel);
    for (int i = 0; i < PanelCount; ++i)
        m_gridLayout->addWidget(m_panels[static_cast<std::size_t>(i)], i / columns, i % columns);
}
