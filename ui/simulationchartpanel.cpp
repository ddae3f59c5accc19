#include "simulationchartpanel.h"

#include "simulationcharthover.h"
#include "simulationcharttheme.h"
#include "simulationchartyaxes.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QStringList>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

SimulationChartPanel::SimulationChartPanel(Spec spec, QWidget *parent)
    : QChartView(new QChart, parent), m_spec(std::move(spec)), m_chart(QChartView::chart()),
      m_x(new QValueAxis)
{
    SimulationChartTheme::setUp(*m_chart, m_spec.title);
    m_x->setTickType(QValueAxis::TicksDynamic);
    m_x->setTickAnchor(0);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_yAxes =
        std::make_unique<SimulationChartYAxes>(m_chart, this, m_spec.yTitle, m_spec.y2Title, m_spec.logAxis);
    connect(m_x, &QValueAxis::rangeChanged, this, [this](qreal min, qreal max) {
        // A rubber band or zoomOut() on this chart, once a range was set: every chart follows.
        if (!m_fitting && m_to > m_from && (std::abs(min - m_from) > 1e-9 || std::abs(max - m_to) > 1e-9))
            emit timeRangeSelected(min, max);
    });
    // Queued: the plot area changes inside the chart's layout pass.
    connect(
        m_chart, &QChart::plotAreaChanged, this, [this] { rescale(); }, Qt::QueuedConnection);
    setRenderHint(QPainter::Antialiasing);
    // The markers and the crosshair are painted over everything: repaint the whole view.
    setViewportUpdateMode(QGraphicsView::FullViewportUpdate);
    setMouseTracking(true);
    viewport()->setMouseTracking(true);
    setRubberBand(QChartView::HorizontalRubberBand);
    setToolTip(m_spec.description +
               tr("\nWheel or drag: zoom the time of every chart; double-click: reset."));
    m_buffer.reserve(kMaxPoints + 1);

    // One empty series per metric carries its legend entry; runs' own series have none.
    QStringList names;
    for (std::size_t m = 0; m < m_spec.metrics.size(); ++m) {
        names << tr(m_spec.metrics[m].name);
        QLineSeries *key = addSeries(m, names.back(), palette().color(QPalette::Text));
        m_keys.push_back(key);
        m_shown.push_back(true);
        for (auto *marker : m_chart->legend()->markers(key))
            connect(marker, &QLegendMarker::clicked, this, [this, marker] { onMarkerClicked(marker); });
    }
    // Wide enough for every legend entry to show whole, never elided.
    setMinimumSize(std::max(250, SimulationChartTheme::legendWidth(*m_chart, names)), 205);
    applyPalette();
    rescale();
}

SimulationChartPanel::~SimulationChartPanel() = default;

QLineSeries *SimulationChartPanel::addSeries(std::size_t metric, const QString &name, const QColor &color)
{
    const Qt::PenStyle style = m_spec.metrics[metric].style;
    auto *series = new QLineSeries;
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(style == Qt::SolidLine ? 2.0 : 1.6);
    pen.setStyle(style);
    series->setPen(pen);
    // OpenGL would be faster, but it is not available under Xvfb or offscreen.
    m_chart->addSeries(series);
    series->attachAxis(m_x);
    series->attachAxis(m_yAxes->axisFor(m_spec.metrics[metric].secondAxis));
    return series;
}

int SimulationChartPanel::addRun(const QString &name, const QColor &color)
{
    Run run;
    run.color = color;
    for (std::size_t m = 0; m < m_spec.metrics.size(); ++m) {
        const QString metric = tr(m_spec.metrics[m].name);
        QLineSeries *series = addSeries(m, name.isEmpty() ? metric : name + QLatin1Char(' ') + metric, color);
        series->setVisible(m_shown[m]);
        for (auto *marker : m_chart->legend()->markers(series))
            marker->setVisible(false);
        connect(series, &QLineSeries::hovered, this, [this, m, series](const QPointF &point, bool state) {
            SimulationChartHover::showPointTip(*series, point, state, m_spec.metrics[m].unit);
        });
        run.series.push_back(series);
    }
    m_runs.push_back(run);
    applyPalette();
    return static_cast<int>(m_runs.size()) - 1;
}

void SimulationChartPanel::setRunVisible(int runIndex, bool visible)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()))
        return;
    Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    run.visible = visible;
    m_overlay.setRunVisible(runIndex, visible);
    for (std::size_t m = 0; m < run.series.size(); ++m)
        run.series[m]->setVisible(visible && m_shown[m]);
    applyPalette();
}

void SimulationChartPanel::setTimeline(int runIndex, const std::vector<inv::TimelinePoint> &timeline)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()))
        return;
    Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    // A long run is drawn from at most kMaxPoints per series: each bucket of ticks keeps its
    // largest value, so spikes stay visible while redrawing costs the same at minute 1 and 60.
    const std::size_t stride = std::max<std::size_t>(1, (timeline.size() + kMaxPoints - 1) / kMaxPoints);
    for (std::size_t m = 0; m < m_spec.metrics.size(); ++m) {
        const auto &value = m_spec.metrics[m].value;
        m_buffer.clear();
        double yMax = 0, yMin = std::numeric_limits<double>::max();
        for (std::size_t begin = 0; begin < timeline.size(); begin += stride) {
            const std::size_t end = std::min(timeline.size(), begin + stride);
            double v = value(timeline[begin]);
            for (std::size_t i = begin + 1; i < end; ++i)
                v = std::max(v, value(timeline[i]));
            if (v < 0)
                continue; // unknown or missing: leave a gap
            if (m_yAxes->isLogarithmic() && !m_spec.metrics[m].secondAxis)
                v = std::max(v, 0.01);
            m_buffer.append(QPointF(timeline[end - 1].t, v));
            yMax = std::max(yMax, v);
            yMin = std::min(yMin, v);
        }
        run.series[m]->replace(m_buffer);
        if (m_spec.metrics[m].secondAxis)
            m_y2Max = std::max(m_y2Max, yMax);
        else
            m_yMax = std::max(m_yMax, yMax);
        if (m_spec.range == YRange::DataRange && !m_buffer.isEmpty())
            m_yMin = m_yMin < 0 ? yMin : std::min(m_yMin, yMin);
    }
    if (!timeline.empty())
        m_dataEnd = std::max(m_dataEnd, timeline.back().t);
    updateThresholdLine();
    rescale();
}

void SimulationChartPanel::setEvents(int runIndex, const std::vector<inv::TimelineEvent> &events)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()))
        return;
    m_overlay.setEvents(runIndex, m_runs[static_cast<std::size_t>(runIndex)].color, events);
    viewport()->update();
}

double SimulationChartPanel::viewX(double t) const
{
    const double scene = SimulationChartOverlay::sceneX(*m_chart, m_keys.front(), t);
    return mapFromScene(QPointF(scene, 0)).x();
}

void SimulationChartPanel::setCrosshair(std::optional<double> t)
{
    if (t == m_overlay.crosshair())
        return;
    m_overlay.setCrosshair(t);
    viewport()->update();
}

void SimulationChartPanel::drawForeground(QPainter *painter, const QRectF &rect)
{
    QChartView::drawForeground(painter, rect);
    m_overlay.paint(*painter, *m_chart, m_keys.front(), palette().color(QPalette::Text),
                    palette().color(QPalette::Base));
}

void SimulationChartPanel::mouseMoveEvent(QMouseEvent *event)
{
    QChartView::mouseMoveEvent(event);
    const QPointF scene = mapToScene(event->position().toPoint());
    if (const auto t = SimulationChartHover::timeAt(*m_chart, m_keys.front(), scene)) {
        setCrosshair(t);
        emit crosshairMoved(*t, true);
    } else {
        hideCrosshair();
    }
}

void SimulationChartPanel::leaveEvent(QEvent *event)
{
    QChartView::leaveEvent(event);
    hideCrosshair();
}

void SimulationChartPanel::hideCrosshair()
{
    if (crosshair()) {
        setCrosshair(std::nullopt);
        emit crosshairMoved(0, false);
    }
}

void SimulationChartPanel::clear()
{
    m_overlay.clear();
    for (auto &run : m_runs)
        for (auto *series : run.series) {
            m_chart->removeSeries(series);
            delete series;
        }
    m_runs.clear();
    m_yMax = m_y2Max = 0;
    m_yMin = -1;
    m_dataEnd = 0;
    applyPalette();
    rescale();
}

void SimulationChartPanel::setThreshold(std::optional<double> value, const QString &label)
{
    if (!value) {
        m_threshold.reset();
    } else {
        if (!m_threshold)
            m_threshold = std::make_unique<SloThresholdLine>(m_chart, m_x, m_yAxes->axisFor(false));
        m_threshold->set(*value, label);
        updateThresholdLine();
    }
    applyPalette();
    rescale();
}

void SimulationChartPanel::updateThresholdLine()
{
    if (m_threshold)
        m_threshold->setEnd(std::max(m_to, m_dataEnd));
}

void SimulationChartPanel::setTimeRange(double from, double to, double step)
{
    const QString format = step >= 1     ? QStringLiteral("%.0f s")
                           : step >= 0.1 ? QStringLiteral("%.1f s")
                                         : QStringLiteral("%.2f s");
    m_from = from;
    m_to = to;
    m_fitting = true;
    m_x->setLabelFormat(format);
    m_x->setTickInterval(step);
    m_x->setRange(from, to);
    m_fitting = false;
    updateThresholdLine();
}

void SimulationChartPanel::rescale()
{
    // A label every 30 px of plot at most: Qt elides labels that would overlap.
    const int ticks = std::clamp(static_cast<int>(m_chart->plotArea().height()) / 30, 2, 5);
    const double threshold = m_threshold ? m_threshold->value() * 1.15 : 0;
    double low = 0, high = 100;
    bool integer = m_spec.integer;
    switch (m_spec.range) {
    case YRange::Percent:
        integer = false;
        break;
    case YRange::DataRange: {
        const double lo = std::max(0.0, m_yMin), hi = std::max(m_yMax, lo);
        const double pad = std::max(1.0, (hi - lo) * 0.1);
        low = std::max(0.0, lo - pad);
        high = hi + pad;
        break;
    }
    case YRange::FromZero:
        high = std::max({m_yMax * 1.05, threshold, 1.0});
        break;
    }
    m_yAxes->fit(low, high, integer, std::max(m_y2Max * 1.05, 1.0), std::max({1.0, m_yMax, threshold}),
                 ticks);
    if (m_threshold)
        m_threshold->placeLabel();
}

void SimulationChartPanel::setLogarithmic(bool logarithmic)
{
    if (!m_yAxes->setLogarithmic(logarithmic))
        return;
    applyPalette();
    rescale();
}

int SimulationChartPanel::metricIndex(const QString &metric) const
{
    for (std::size_t m = 0; m < m_spec.metrics.size(); ++m)
        if (metric == QLatin1String(m_spec.metrics[m].name))
            return static_cast<int>(m);
    return -1;
}

void SimulationChartPanel::setMetricShown(int metric, bool shown)
{
    if (metric < 0 || metric >= static_cast<int>(m_shown.size()))
        return;
    const auto m = static_cast<std::size_t>(metric);
    m_shown[m] = shown;
    for (auto &run : m_runs)
        run.series[m]->setVisible(shown && run.visible);
    applyPalette();
}

bool SimulationChartPanel::isMetricShown(int metric) const
{
    if (metric < 0 || metric >= static_cast<int>(m_shown.size()))
        return false;
    const auto m = static_cast<std::size_t>(metric);
    return m_shown[m] && std::all_of(m_runs.begin(), m_runs.end(), [m](const Run &run) {
               return run.series[m]->isVisible() || !run.visible;
           });
}

qsizetype SimulationChartPanel::pointCount() const
{
    qsizetype n = 0;
    for (const auto &run : m_runs)
        for (auto *series : run.series)
            n += series->count();
    return n;
}

void SimulationChartPanel::onMarkerClicked(QLegendMarker *marker)
{
    const auto it = std::find(m_keys.begin(), m_keys.end(), marker->series());
    if (it == m_keys.end())
        return;
    const auto m = static_cast<std::size_t>(it - m_keys.begin());
    setMetricShown(static_cast<int>(m), !m_shown[m]);
}

void SimulationChartPanel::mouseDoubleClickEvent(QMouseEvent *event)
{
    event->accept();
    emit resetZoomRequested();
}

void SimulationChartPanel::wheelEvent(QWheelEvent *event)
{
    const QPointF scene = mapToScene(event->position().toPoint());
    const auto zoom = SimulationChartHover::wheelZoom(*m_chart, *m_x, scene.x(), event->angleDelta().y());
    event->accept();
    emit wheelZoomed(zoom.from, zoom.to, zoom.out);
}

void SimulationChartPanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyPalette();
    QChartView::changeEvent(event);
}

void SimulationChartPanel::applyPalette()
{
    // One run: the keys take the run's colour; several: a neutral line, the colours being explained
    // by the run bar. The linear or logarithmic axis that is not shown now is coloured too.
    SimulationChartTheme::apply(*this, m_yAxes->leftAxes(), m_keys, m_shown,
                                m_runs.size() == 1 ? std::optional(m_runs.front().color) : std::nullopt);
}
