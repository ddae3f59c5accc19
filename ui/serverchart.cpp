#include "serverchart.h"

#include "monitor/servermonitor.h"

#include <QCategoryAxis>
#include <QChart>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace {
constexpr double kSpan = static_cast<double>(inv::ServerMonitor::kHistory);
}

ServerChart::ServerChart(const QString &title, const QString &description, std::vector<Metric> metrics,
                         YRange range, bool integer, QWidget *parent)
    : QChartView(new QChart, parent), m_metrics(std::move(metrics)), m_range(range), m_integer(integer),
      m_x(new QValueAxis), m_y(new QCategoryAxis)
{
    QChart *c = chart();
    c->setTitle(title);
    QFont titleFont = c->titleFont();
    titleFont.setBold(true);
    c->setTitleFont(titleFont);
    c->setMargins(QMargins(2, 2, 2, 2));
    c->layout()->setContentsMargins(0, 0, 0, 0);
    QLegend *legend = c->legend();
    legend->setAlignment(Qt::AlignBottom);
    legend->setMarkerShape(QLegend::MarkerShapeFromSeries);
    QFont small = legend->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    legend->setFont(small);
    legend->setVisible(m_metrics.size() > 1);
    m_x->setRange(-30, 0);
    m_x->setTickType(QValueAxis::TicksDynamic);
    m_x->setTickAnchor(0);
    m_x->setTickInterval(15);
    m_x->setLabelFormat(QStringLiteral("%.0f s"));
    m_x->setLabelsFont(small);
    m_y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_y->setLabelsFont(small);
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    for (const Metric &metric : m_metrics) {
        auto *series = new QLineSeries;
        series->setName(metric.name);
        QPen pen(metric.color);
        pen.setWidthF(2.0);
        series->setPen(pen);
        c->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(m_y);
        m_series.push_back(series);
    }
    // Queued: the plot area changes inside the chart's layout pass.
    connect(
        c, &QChart::plotAreaChanged, this, [this] { rescale(); }, Qt::QueuedConnection);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(220, 150);
    setToolTip(description);
    m_buffer.reserve(inv::ServerMonitor::kHistory + 1);
    applyPalette();
    rescale();
}

void ServerChart::setHistory(const std::vector<inv::ServerHistoryPoint> &history)
{
    const double now = history.empty() ? 0 : history.back().t;
    // The axis grows with the history, in steps of 30 s up to two minutes, so that the first
    // seconds are not squeezed against the right edge.
    const double age = history.empty() ? 0 : now - history.front().t;
    const double span = std::clamp(std::ceil(age / 30) * 30, 30.0, kSpan);
    if (m_x->min() != -span) {
        m_x->setTickInterval(span <= 60 ? 15 : 30);
        m_x->setRange(-span, 0);
    }
    m_yMax = 0;
    for (std::size_t m = 0; m < m_metrics.size(); ++m) {
        m_buffer.clear();
        for (const auto &point : history) {
            const double v = m_metrics[m].value(point);
            if (v < 0)
                continue; // unknown: a gap
            m_buffer.append(QPointF(point.t - now, v));
            m_yMax = std::max(m_yMax, v);
        }
        m_series[m]->replace(m_buffer);
    }
    rescale();
}

qsizetype ServerChart::pointCount() const
{
    qsizetype n = 0;
    for (auto *series : m_series)
        n += series->count();
    return n;
}

void ServerChart::rescale()
{
    // A label every 25 px of plot at most, as the Simulation page's charts do.
    const int ticks = std::clamp(static_cast<int>(chart()->plotArea().height()) / 25, 2, 4);
    if (m_range == YRange::Percent)
        m_yScale.fit(m_y, 0, 100, false, ticks);
    else
        m_yScale.fit(m_y, 0, std::max(m_yMax * 1.05, 1.0), m_integer, ticks);
}

void ServerChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyPalette();
    QChartView::changeEvent(event);
}

void ServerChart::applyPalette()
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    QColor grid = text;
    grid.setAlphaF(0.15f);
    QColor line = text;
    line.setAlphaF(0.4f);
    chart()->setBackgroundBrush(pal.color(QPalette::Base));
    chart()->setBackgroundPen(QPen(grid));
    chart()->setTitleBrush(text);
    setBackgroundBrush(pal.color(QPalette::Window));
    for (auto *axis : chart()->axes()) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setLinePenColor(line);
    }
    chart()->legend()->setLabelColor(text);
}
