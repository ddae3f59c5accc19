#include "simulationcharts.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QCursor>
#include <QGraphicsLayout>
#include <QGraphicsSimpleTextItem>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QStyle>
#include <QToolTip>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace {
using Panel = SimulationCharts::Panel;

struct MetricSpec
{
    Panel panel;
    const char *name; // unique over every chart: setMetricShown() finds a metric by it
    const char *unit;
    Qt::PenStyle style;
    bool secondAxis;
    std::function<double(const inv::TimelinePoint &)> value;
};

// Every run draws these series. Colour tells the runs apart, line style the metrics of a chart.
const std::vector<MetricSpec> &metricSpecs()
{
    using P = SimulationCharts;
    static const std::vector<MetricSpec> specs{
        {P::Latency, "read p99", "ms", Qt::SolidLine, false, [](const auto &p) { return p.readP99Ms; }},
        {P::Latency, "write p99", "ms", Qt::DashLine, false, [](const auto &p) { return p.writeP99Ms; }},
        {P::Latency, "read p50", "ms", Qt::DotLine, false, [](const auto &p) { return p.readP50Ms; }},
        {P::Throughput, "requests", "/s", Qt::SolidLine, false, [](const auto &p) { return p.rps; }},
        {P::Throughput, "writes ok", "/s", Qt::DashLine, false, [](const auto &p) { return p.okPerSecond; }},
        {P::Throughput, "refused", "/s", Qt::DotLine, false,
         [](const auto &p) { return p.rejectedPerSecond; }},
        {P::HitRate, "hit rate", "%", Qt::SolidLine, false, [](const auto &p) { return p.hitRate * 100; }},
        {P::Locks, "busy", "/s", Qt::SolidLine, false, [](const auto &p) { return p.lockBusyPerSecond; }},
        {P::Locks, "wait p99", "ms", Qt::DashLine, true, [](const auto &p) { return p.lockWaitP99Ms; }},
        {P::Consistency, "stale reads", "", Qt::SolidLine, false,
         [](const auto &p) { return double(p.staleReads); }},
        {P::Consistency, "oversold", "", Qt::DashLine, false,
         [](const auto &p) { return double(p.oversold); }},
        {P::Consistency, "divergent keys", "", Qt::DotLine, false,
         [](const auto &p) { return double(p.divergentKeys); }},
        {P::HotStock, "database", "units", Qt::SolidLine, false,
         [](const auto &p) { return double(p.hotDbStock); }},
        {P::HotStock, "cache", "units", Qt::DashLine, false,
         [](const auto &p) { return double(p.hotCacheStock); }},
    };
    return specs;
}

struct PanelSpec
{
    const char *title;
    const char *yTitle;
    const char *y2Title; // nullptr: one axis
    bool integer;        // counts: whole-number ticks
};

const PanelSpec kPanels[SimulationCharts::PanelCount] = {
    {QT_TRANSLATE_NOOP("SimulationCharts", "Latency"), QT_TRANSLATE_NOOP("SimulationCharts", "ms"), nullptr,
     false},
    {QT_TRANSLATE_NOOP("SimulationCharts", "Throughput"), QT_TRANSLATE_NOOP("SimulationCharts", "per second"),
     nullptr, true},
    {QT_TRANSLATE_NOOP("SimulationCharts", "Cache hit rate"),
     QT_TRANSLATE_NOOP("SimulationCharts", "% of reads"), nullptr, false},
    {QT_TRANSLATE_NOOP("SimulationCharts", "Redis lock contention"),
     QT_TRANSLATE_NOOP("SimulationCharts", "busy per second"),
     QT_TRANSLATE_NOOP("SimulationCharts", "wait p99 ms"), true},
    {QT_TRANSLATE_NOOP("SimulationCharts", "Consistency violations"),
     QT_TRANSLATE_NOOP("SimulationCharts", "count"), nullptr, true},
    {QT_TRANSLATE_NOOP("SimulationCharts", "Hottest SKU: database vs cache"),
     QT_TRANSLATE_NOOP("SimulationCharts", "units in stock"), nullptr, true},
};

const QColor kThresholdColor(170, 80, 220);

// A round step (1, 2 or 5 × 10^n) that cuts `range` into at most `ticks` intervals.
double niceStep(double range, int ticks, bool integer)
{
    const double raw = std::max(range, 1e-9) / std::max(1, ticks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * magnitude;
    for (double m : {1.0, 2.0, 5.0})
        if (m * magnitude >= raw * (1 - 1e-9)) {
            step = m * magnitude;
            break;
        }
    return integer ? std::max(1.0, std::round(step)) : step;
}

// "1.5k", "2M", "0.25", "999,999": a suffix when the step allows it, never exponents.
QString tickLabel(double value, double step, double top)
{
    const QLocale locale;
    if (std::abs(value) < step * 1e-6)
        return QStringLiteral("0");
    const auto decimals = [](double s) {
        return std::max(0, static_cast<int>(std::ceil(-std::log10(s) - 1e-9)));
    };
    if (std::abs(top) >= 1e6 && step >= 1e5)
        return locale.toString(value / 1e6, 'f', decimals(step / 1e6)) + QLatin1Char('M');
    if (std::abs(top) >= 1e3 && step >= 100)
        return locale.toString(value / 1e3, 'f', decimals(step / 1e3)) + QLatin1Char('k');
    return locale.toString(value, 'f', step >= 1 ? 0 : decimals(step));
}

// Gives the axis round ticks over [low, high], rebuilding its labels only when they change.
template <typename Fit>
void fitAxis(QCategoryAxis *axis, Fit &fit, double low, double high, bool integer, int ticks = 5)
{
    if (!(high > low))
        high = low + 1;
    const double step = niceStep(high - low, ticks, integer);
    const double lo = std::floor(low / step + 1e-9) * step;
    double hi = std::ceil(high / step - 1e-9) * step;
    if (hi <= lo)
        hi = lo + step;
    if (lo != fit.low || hi != fit.high || step != fit.step) {
        fit.low = lo;
        fit.high = hi;
        fit.step = step;
        for (const QString &label : axis->categoriesLabels())
            axis->remove(label);
        axis->setStartValue(lo);
        const int count = static_cast<int>(std::llround((hi - lo) / step));
        for (int i = 0; i <= count; ++i)
            axis->append(tickLabel(lo + i * step, step, hi), lo + i * step);
    }
    if (axis->min() != lo || axis->max() != hi)
        axis->setRange(lo, hi);
}

QCategoryAxis *categoryAxis(const QString &title)
{
    auto *axis = new QCategoryAxis;
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    axis->setTitleText(title);
    return axis;
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
    m_buffer.reserve(kMaxPoints + 1);

    for (int i = 0; i < PanelCount; ++i) {
        PanelState panel;
        panel.chart = new QChart;
        panel.chart->setTitle(tr(kPanels[i].title));
        QFont titleFont = panel.chart->titleFont();
        titleFont.setBold(true);
        panel.chart->setTitleFont(titleFont);
        panel.chart->setMargins(QMargins(2, 2, 2, 2));
        panel.chart->layout()->setContentsMargins(0, 0, 0, 0);
        QLegend *legend = panel.chart->legend();
        legend->setAlignment(Qt::AlignBottom);
        legend->setMarkerShape(QLegend::MarkerShapeFromSeries);
        QFont legendFont = legend->font();
        legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
        legend->setFont(legendFont);
        panel.x = new QValueAxis;
        panel.x->setTickType(QValueAxis::TicksDynamic);
        panel.x->setTickAnchor(0);
        panel.chart->addAxis(panel.x, Qt::AlignBottom);
        panel.y = categoryAxis(tr(kPanels[i].yTitle));
        panel.chart->addAxis(panel.y, Qt::AlignLeft);
        if (kPanels[i].y2Title) {
            panel.y2 = categoryAxis(tr(kPanels[i].y2Title));
            panel.chart->addAxis(panel.y2, Qt::AlignRight);
        }
        if (i == Latency) {
            panel.logY = new QLogValueAxis(this);
            panel.logY->setBase(10);
            panel.logY->setRange(0.01, 100);
            panel.logY->setLabelFormat(QStringLiteral("%g"));
            panel.logY->setTitleText(tr("ms (log)"));
        }
        connect(panel.x, &QValueAxis::rangeChanged, this, [this](qreal min, qreal max) {
            // A rubber band or zoomOut() on one chart: every chart follows.
            if (!m_fitting && (std::abs(min - timeMin()) > 1e-9 || std::abs(max - timeMax()) > 1e-9))
                zoomTime(min, max);
        });
        // Queued: the plot area changes inside the chart's layout pass.
        connect(
            panel.chart, &QChart::plotAreaChanged, this, [this] { rescale(); }, Qt::QueuedConnection);
        panel.view = new QChartView(panel.chart, m_grid);
        panel.view->setRenderHint(QPainter::Antialiasing);
        panel.view->setMinimumSize(250, 205);
        panel.view->setRubberBand(QChartView::HorizontalRubberBand);
        panel.view->setToolTip(description(static_cast<Panel>(i)) +
                               tr("\nWheel or drag: zoom the time of every chart; double-click: reset."));
        panel.view->viewport()->installEventFilter(this);
        m_panels.push_back(panel);
    }
    // One empty series per metric carries its legend entry; runs' own series have none.
    const auto &specs = metricSpecs();
    for (std::size_t s = 0; s < specs.size(); ++s) {
        QLineSeries *key = addSeries(s, tr(specs[s].name), palette().color(QPalette::Text));
        m_keys.push_back(key);
        m_shown.push_back(true);
        for (auto *marker : m_panels[specs[s].panel].chart->legend()->markers(key))
            connect(marker, &QLegendMarker::clicked, this, [this, marker] { onMarkerClicked(marker); });
    }
    applyPalette();
    fitTime();
    rescale();
    reflow();
}

SimulationCharts::~SimulationCharts() = default;

QAbstractAxis *SimulationCharts::yAxisFor(std::size_t spec) const
{
    const MetricSpec &m = metricSpecs()[spec];
    const PanelState &panel = m_panels[m.panel];
    if (m.secondAxis && panel.y2)
        return panel.y2;
    if (m_log && panel.logY)
        return panel.logY;
    return panel.y;
}

QLineSeries *SimulationCharts::addSeries(std::size_t spec, const QString &name, const QColor &color)
{
    const MetricSpec &m = metricSpecs()[spec];
    PanelState &panel = m_panels[m.panel];
    auto *series = new QLineSeries;
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(m.style == Qt::SolidLine ? 2.0 : 1.6);
    pen.setStyle(m.style);
    series->setPen(pen);
    // OpenGL would be faster, but it is not available under Xvfb or offscreen.
    panel.chart->addSeries(series);
    series->attachAxis(panel.x);
    series->attachAxis(yAxisFor(spec));
    return series;
}

void SimulationCharts::clear()
{
    for (auto &run : m_runs) {
        for (std::size_t s = 0; s < run.series.size(); ++s) {
            m_panels[metricSpecs()[s].panel].chart->removeSeries(run.series[s]);
            delete run.series[s];
        }
        delete run.toggle;
    }
    m_runs.clear();
    m_runBar->setVisible(false);
    for (auto &panel : m_panels) {
        panel.yMax = panel.y2Max = 0;
        panel.yMin = -1;
    }
    m_dataEnd = 0;
    m_zoom.reset();
    applyPalette();
    fitTime();
    rescale();
}

int SimulationCharts::beginRun(const QString &name, const QColor &color)
{
    Run run;
    run.name = name;
    run.color = color;
    const auto &specs = metricSpecs();
    for (std::size_t s = 0; s < specs.size(); ++s) {
        const QString label =
            name.isEmpty() ? tr(specs[s].name) : name + QLatin1Char(' ') + tr(specs[s].name);
        QLineSeries *series = addSeries(s, label, color);
        series->setVisible(m_shown[s]);
        PanelState &panel = m_panels[specs[s].panel];
        for (auto *marker : panel.chart->legend()->markers(series))
            marker->setVisible(false);
        connect(series, &QLineSeries::hovered, this,
                [this, series](const QPointF &point, bool state) { showPointTip(series, point, state); });
        run.series.push_back(series);
    }
    const int index = static_cast<int>(m_runs.size());
    if (!name.isEmpty()) {
        run.toggle = new QCheckBox(name, m_runBar);
        run.toggle->setChecked(true);
        run.toggle->setStyleSheet(
            QStringLiteral("QCheckBox { color: %1; font-weight: bold; }").arg(color.name()));
        run.toggle->setToolTip(tr("Show or hide this run's lines on every chart"));
        m_runLayout->insertWidget(m_runLayout->count() - 1, run.toggle);
        connect(run.toggle, &QCheckBox::toggled, this, [this, index](bool on) {
            auto &r = m_runs[static_cast<std::size_t>(index)];
            for (std::size_t s = 0; s < r.series.size(); ++s)
                r.series[s]->setVisible(on && m_shown[s]);
            applyPalette();
        });
        m_runBar->setVisible(true);
    }
    m_runs.push_back(run);
    applyPalette();
    return index;
}

void SimulationCharts::setTimeline(int runIndex, const std::vector<inv::TimelinePoint> &timeline)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()))
        return;
    Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    const auto &specs = metricSpecs();
    // A long run is drawn from at most kMaxPoints per series: each bucket of ticks keeps its
    // largest value, so spikes stay visible while redrawing costs the same at minute 1 and 60.
    const std::size_t stride = std::max<std::size_t>(1, (timeline.size() + kMaxPoints - 1) / kMaxPoints);
    for (std::size_t s = 0; s < specs.size(); ++s) {
        m_buffer.clear();
        double yMax = 0, yMin = std::numeric_limits<double>::max();
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
            yMin = std::min(yMin, v);
        }
        run.series[s]->replace(m_buffer);
        PanelState &panel = m_panels[specs[s].panel];
        if (specs[s].secondAxis)
            panel.y2Max = std::max(panel.y2Max, yMax);
        else
            panel.yMax = std::max(panel.yMax, yMax);
        if (specs[s].panel == HotStock && !m_buffer.isEmpty())
            panel.yMin = panel.yMin < 0 ? yMin : std::min(panel.yMin, yMin);
    }
    if (!timeline.empty())
        m_dataEnd = std::max(m_dataEnd, timeline.back().t);
    fitTime();
    rescale();
}

void SimulationCharts::setThresholds(const std::vector<inv::Slo> &slos)
{
    for (auto &panel : m_panels)
        panel.thresholdValue.reset();
    for (const auto &slo : slos) {
        if (slo.name == "read_p99_ms")
            m_panels[Latency].thresholdValue = slo.threshold;
        else if (slo.name == "throughput_rps")
            m_panels[Throughput].thresholdValue = slo.threshold;
        else if (slo.name == "cache_hit_rate")
            m_panels[HitRate].thresholdValue = slo.threshold * 100;
    }
    for (std::size_t i = 0; i < m_panels.size(); ++i) {
        PanelState &panel = m_panels[i];
        if (!panel.thresholdValue) {
            if (panel.threshold) {
                panel.chart->removeSeries(panel.threshold);
                delete panel.threshold;
                panel.threshold = nullptr;
                delete panel.thresholdLabel;
                panel.thresholdLabel = nullptr;
            }
            continue;
        }
        if (!panel.threshold) {
            panel.threshold = new QLineSeries;
            QPen pen(kThresholdColor);
            pen.setWidthF(1.6);
            pen.setStyle(Qt::DashLine);
            panel.threshold->setPen(pen);
            panel.chart->addSeries(panel.threshold);
            panel.threshold->attachAxis(panel.x);
            panel.threshold->attachAxis(i == Latency && m_log ? static_cast<QAbstractAxis *>(panel.logY)
                                                              : panel.y);
            panel.thresholdLabel = new QGraphicsSimpleTextItem(panel.chart);
            panel.thresholdLabel->setBrush(kThresholdColor);
            QFont font = panel.chart->legend()->font();
            font.setBold(true);
            panel.thresholdLabel->setFont(font);
            panel.thresholdLabel->setZValue(10);
        }
        const bool lower = i == HitRate || i == Throughput;
        const double v = *panel.thresholdValue;
        const QString value = i == HitRate   ? QString(QString::number(v, 'g', 3) + QLatin1Char('%'))
                              : i == Latency ? QString(QLocale().toString(v, 'g', 4) + tr(" ms"))
                                             : QString(tickLabel(v, 1, v) + tr("/s"));
        panel.threshold->setName((lower ? tr("SLO ≥ %1") : tr("SLO ≤ %1")).arg(value));
        panel.thresholdLabel->setText(panel.threshold->name());
    }
    applyPalette();
    rescale();
}

void SimulationCharts::fitTime()
{
    // At most one tick every 70 px, on round seconds; the axis ends half a step past the data.
    const int width = m_panels.front().view->width();
    const int ticks = std::clamp(width / 70, 4, 10);
    double from = 0, to = 0, step = 0;
    if (m_zoom) {
        from = m_zoom->first;
        to = m_zoom->second;
        step = niceStep(to - from, ticks, false);
    } else {
        const double end = std::max(1.0, m_dataEnd);
        step = niceStep(end, ticks, false);
        const double half = step / 2;
        to = std::ceil(end / half - 1e-9) * half;
    }
    const QString format = step >= 1     ? QStringLiteral("%.0f s")
                           : step >= 0.1 ? QStringLiteral("%.1f s")
                                         : QStringLiteral("%.2f s");
    for (auto &panel : m_panels) {
        m_fitting = true;
        panel.x->setLabelFormat(format);
        panel.x->setTickInterval(step);
        panel.x->setRange(from, to);
        m_fitting = false;
    }
    for (auto &panel : m_panels)
        if (panel.threshold && panel.thresholdValue)
            panel.threshold->replace(
                QList<QPointF>{{0, *panel.thresholdValue}, {std::max(to, m_dataEnd), *panel.thresholdValue}});
    placeThresholdLabels();
}

void SimulationCharts::rescale()
{
    for (std::size_t i = 0; i < m_panels.size(); ++i) {
        PanelState &panel = m_panels[i];
        const bool integer = kPanels[i].integer;
        // A label every 30 px of plot at most: Qt elides labels that would overlap.
        const int ticks = std::clamp(static_cast<int>(panel.chart->plotArea().height()) / 30, 2, 5);
        const double threshold = panel.thresholdValue.value_or(0) * 1.15;
        if (i == HitRate) {
            fitAxis(panel.y, panel.yFit, 0, 100, false, ticks);
        } else if (i == HotStock) {
            // Fitted to the data's range, so that a cache a few units off is visible at a million.
            const double lo = std::max(0.0, panel.yMin), hi = std::max(panel.yMax, lo);
            const double pad = std::max(1.0, (hi - lo) * 0.1);
            fitAxis(panel.y, panel.yFit, std::max(0.0, lo - pad), hi + pad, integer, ticks);
        } else {
            fitAxis(panel.y, panel.yFit, 0, std::max({panel.yMax * 1.05, threshold, 1.0}), integer, ticks);
        }
        if (panel.y2)
            fitAxis(panel.y2, panel.y2Fit, 0, std::max(panel.y2Max * 1.05, 1.0), false, ticks);
        if (panel.logY) {
            const double top = std::pow(10.0, std::ceil(std::log10(std::max({1.0, panel.yMax, threshold}))));
            if (panel.logY->max() != top)
                panel.logY->setRange(0.01, top);
        }
    }
    placeThresholdLabels();
}

void SimulationCharts::placeThresholdLabels()
{
    // Right-aligned just above the line, inside the plot.
    for (auto &panel : m_panels) {
        if (!panel.threshold || !panel.thresholdLabel || !panel.thresholdValue)
            continue;
        const QRectF plot = panel.chart->plotArea();
        const QPointF at =
            panel.chart->mapToPosition(QPointF(timeMax(), *panel.thresholdValue), panel.threshold);
        const QRectF box = panel.thresholdLabel->boundingRect();
        panel.thresholdLabel->setPos(plot.right() - box.width() - 4, at.y() - box.height() - 1);
        panel.thresholdLabel->setVisible(
            panel.threshold->isVisible() &&
            plot.adjusted(0, -1, 0, 1).contains(QPointF(plot.center().x(), at.y())));
    }
}

void SimulationCharts::setLogLatency(bool logarithmic)
{
    if (logarithmic == m_log)
        return;
    m_log = logarithmic;
    PanelState &panel = m_panels[Latency];
    QAbstractAxis *from = logarithmic ? static_cast<QAbstractAxis *>(panel.y) : panel.logY;
    QAbstractAxis *to = logarithmic ? static_cast<QAbstractAxis *>(panel.logY) : panel.y;
    const auto series = panel.chart->series();
    for (auto *s : series)
        s->detachAxis(from);
    panel.chart->removeAxis(from);
    from->setParent(this); // removeAxis() hands the axis back; keep it for the next switch
    panel.chart->addAxis(to, Qt::AlignLeft);
    for (auto *s : series)
        s->attachAxis(to);
    panel.yFit = {};
    applyPalette();
    rescale();
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

void SimulationCharts::setMetricShown(const QString &metric, bool shown)
{
    const auto &specs = metricSpecs();
    for (std::size_t s = 0; s < specs.size(); ++s) {
        if (metric != QLatin1String(specs[s].name))
            continue;
        m_shown[s] = shown;
        for (auto &run : m_runs)
            run.series[s]->setVisible(shown && (!run.toggle || run.toggle->isChecked()));
    }
    applyPalette();
}

bool SimulationCharts::isMetricShown(const QString &metric) const
{
    const auto &specs = metricSpecs();
    for (std::size_t s = 0; s < specs.size(); ++s)
        if (metric == QLatin1String(specs[s].name))
            return m_shown[s] && std::all_of(m_runs.begin(), m_runs.end(), [s](const Run &run) {
                       return run.series[s]->isVisible() || (run.toggle && !run.toggle->isChecked());
                   });
    return false;
}

void SimulationCharts::onMarkerClicked(QLegendMarker *marker)
{
    const auto it = std::find(m_keys.begin(), m_keys.end(), marker->series());
    if (it != m_keys.end()) {
        const auto s = static_cast<std::size_t>(it - m_keys.begin());
        setMetricShown(QLatin1String(metricSpecs()[s].name), !m_shown[s]);
        return;
    }
    for (auto &panel : m_panels)
        if (panel.threshold == marker->series())
            panel.threshold->setVisible(!panel.threshold->isVisible());
    applyPalette();
}

void SimulationCharts::showPointTip(QLineSeries *series, const QPointF &point, bool state)
{
    if (!state) {
        QToolTip::hideText();
        return;
    }
    // The nearest real point, not the spot on the segment under the cursor.
    const QList<QPointF> points = series->points();
    if (points.isEmpty())
        return;
    const auto nearest =
        std::min_element(points.begin(), points.end(), [&point](const QPointF &a, const QPointF &b) {
            return std::abs(a.x() - point.x()) < std::abs(b.x() - point.x());
        });
    const auto &specs = metricSpecs();
    QString unit;
    for (const auto &run : m_runs)
        for (std::size_t s = 0; s < run.series.size(); ++s)
            if (run.series[s] == series)
                unit = QString::fromUtf8(specs[s].unit);
    const QLocale locale;
    QToolTip::showText(QCursor::pos(),
                       tr("%1\nat %2 s: %3 %4")
                           .arg(series->name())
                           .arg(locale.toString(nearest->x(), 'f', 2))
                           .arg(locale.toString(nearest->y(), 'f', nearest->y() < 100 ? 2 : 0))
                           .arg(unit));
}

bool SimulationCharts::eventFilter(QObject *watched, QEvent *event)
{
    for (auto &panel : m_panels) {
        if (watched != panel.view->viewport())
            continue;
        if (event->type() == QEvent::MouseButtonDblClick) {
            resetZoom();
            return true;
        }
        if (event->type() == QEvent::Wheel) {
            auto *wheel = static_cast<QWheelEvent *>(event);
            const QRectF plot = panel.chart->plotArea();
            const QPointF scene = panel.view->mapToScene(wheel->position().toPoint());
            const double from = timeMin(), to = timeMax();
            const double fraction =
                std::clamp((scene.x() - plot.left()) / std::max(1.0, plot.width()), 0.0, 1.0);
            const double at = from + fraction * (to - from);
            const double factor = wheel->angleDelta().y() > 0 ? 0.8 : 1.25;
            const double width = (to - from) * factor;
            if (factor > 1 && width >= std::max(1.0, m_dataEnd))
                resetZoom();
            else
                zoomTime(at - fraction * width, at + (1 - fraction) * width);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

double SimulationCharts::timeMin() const
{
    return m_panels.front().x->min();
}

double SimulationCharts::timeMax() const
{
    return m_panels.front().x->max();
}

double SimulationCharts::timeTickInterval() const
{
    return m_panels.front().x->tickInterval();
}

QChart *SimulationCharts::chart(Panel panel) const
{
    return m_panels[panel].chart;
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

void SimulationCharts::applyPalette()
{
    const QPalette pal = palette();
    const QColor background = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    QColor faint = text;
    faint.setAlphaF(0.35f);
    QColor grid = text;
    grid.setAlphaF(0.15f);
    QColor line = text;
    line.setAlphaF(0.4f);
    for (auto &panel : m_panels) {
        panel.chart->setBackgroundBrush(background);
        panel.chart->setBackgroundPen(QPen(grid));
        panel.chart->setTitleBrush(text);
        panel.view->setBackgroundBrush(pal.color(QPalette::Window));
        QList<QAbstractAxis *> axes = panel.chart->axes();
        // The latency chart's linear or logarithmic axis, whichever is not shown now.
        for (QAbstractAxis *axis :
             {static_cast<QAbstractAxis *>(panel.y), static_cast<QAbstractAxis *>(panel.logY)})
            if (axis && !axes.contains(axis))
                axes << axis;
        for (auto *axis : axes) {
            axis->setLabelsColor(text);
            axis->setTitleBrush(text);
            axis->setGridLineColor(grid);
            axis->setLinePenColor(line);
            QFont font = axis->titleFont();
            font.setBold(false);
            axis->setTitleFont(font);
        }
        panel.chart->legend()->setLabelColor(text);
        for (auto *marker : panel.chart->legend()->markers()) {
            const auto key = std::find(m_keys.begin(), m_keys.end(), marker->series());
            const bool isKey = key != m_keys.end();
            marker->setVisible(isKey);
            bool shown = true;
            if (isKey) {
                const auto s = static_cast<std::size_t>(key - m_keys.begin());
                shown = m_shown[s];
                // One run: the key takes the run's colour; several: a neutral line, the colours
                // being explained by the run bar.
                QPen pen = (*key)->pen();
                QColor color = m_runs.size() == 1 ? m_runs.front().color : text;
                color.setAlphaF(shown ? 1.0f : 0.3f);
                pen.setColor(color);
                (*key)->setPen(pen);
            }
            marker->setLabelBrush(shown ? text : faint);
        }
    }
}

void SimulationCharts::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void SimulationCharts::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    reflow();
    fitTime();
    rescale();
}

void SimulationCharts::reflow()
{
    // Three charts a row when each gets 250 px, else two or one; the rest scrolls, never crops.
    // The viewport may not have its new size yet: take ours, less a scroll bar.
    const int width = this->width() - style()->pixelMetric(QStyle::PM_ScrollBarExtent);
    const int columns = std::clamp(width / 250, 1, 3);
    if (columns == m_columns)
        return;
    m_columns = columns;
    for (int i = 0; i < PanelCount; ++i)
        m_gridLayout->removeWidget(m_panels[static_cast<std::size_t>(i)].view);
    for (int i = 0; i < PanelCount; ++i)
        m_gridLayout->addWidget(m_panels[static_cast<std::size_t>(i)].view, i / columns, i % columns);
}

qsizetype SimulationCharts::pointCount() const
{
    qsizetype n = 0;
    for (const auto &run : m_runs)
        for (auto *series : run.series)
            n += series->count();
    return n;
}
