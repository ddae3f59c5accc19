#include "sweepchart.h"

#include "simulationcharts.h"
#include "simulationcharttheme.h"

#include <QChart>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace {
// Peers in neutral colours, apart from the strategies'.
QColor referenceColor(const std::string &tool)
{
    if (tool == "pgbench")
        return QColor(60, 60, 60);
    if (tool == "redis-benchmark")
        return QColor(150, 95, 50);
    return QColor(120, 120, 120);
}

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}
} // namespace

SweepChart::SweepChart(QWidget *parent)
    : QChartView(new QChart, parent), m_x(new QLogValueAxis), m_latency(new QLogValueAxis),
      m_throughput(new QValueAxis)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    QChart *c = chart();
    SimulationChartTheme::setUp(*c, QString());
    // Three lines and a knee per strategy: a column on the right has room for every entry.
    c->legend()->setAlignment(Qt::AlignRight);
    c->legend()->setVisible(true);
    const QPalette pal = palette();
    c->setBackgroundBrush(pal.color(QPalette::Base));
    c->setTitleBrush(pal.color(QPalette::Text));
    c->legend()->setLabelColor(pal.color(QPalette::Text));
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    // Percentiles span tenths of a millisecond to hundreds past the knee: a log axis shows both.
    m_latency->setBase(10);
    m_latency->setMinorTickCount(8);
    m_latency->setLabelFormat(QStringLiteral("%g"));
    m_latency->setTitleText(tr("read latency (ms, log scale)"));
    m_throughput->setLabelFormat(QStringLiteral("%.0f"));
    m_throughput->setTitleText(tr("served throughput (req/s)"));
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_latency, Qt::AlignLeft);
    c->addAxis(m_throughput, Qt::AlignRight);
    reset(inv::SweepParameter::Rate);
}

void SweepChart::reset(inv::SweepParameter parameter)
{
    m_parameter = parameter;
    // Every series goes, the peers' too; drawReferences draws them again for this parameter.
    chart()->removeAllSeries();
    m_referenceSeries.clear();
    m_levels.clear();
    m_lines.clear();
    m_order.clear();
    const bool rate = parameter == inv::SweepParameter::Rate;
    // Geometric steps sit evenly on a log axis: connections double (1, 2, 4, ...: base 2); rates are
    // round numbers that do not, so their labels are decades, with a grid line at each multiple.
    m_x->setBase(rate ? 10 : 2);
    m_x->setMinorTickCount(rate ? 8 : 0);
    m_x->setTitleText(rate ? tr("offered load (req/s, log scale)")
                           : tr("client connections in all servers (log scale)"));
    chart()->setTitle(rate ? tr("Load sweep: read latency and throughput against offered load; ★ marks the "
                                "knee, the first step that broke an SLO")
                           : tr("Load sweep: read latency and throughput against connections; ★ marks the "
                                "knee, the first step that broke an SLO"));
    m_x->setRange(1, 2);
    m_latency->setRange(0.1, 10);
    m_throughput->setRange(0, 1);
    drawReferences();
}

void SweepChart::setReferences(std::vector<inv::SweepReference> references)
{
    m_references = std::move(references);
    drawReferences();
}

void SweepChart::drawReferences()
{
    for (QAbstractSeries *series : std::as_const(m_referenceSeries)) {
        chart()->removeSeries(series);
        delete series;
    }
    m_referenceSeries.clear();
    m_levels.clear();
    auto attach = [&](QAbstractSeries *series, QAbstractAxis *y) {
        chart()->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(y);
        m_referenceSeries.push_back(series);
    };
    const bool rate = m_parameter == inv::SweepParameter::Rate;
    // Against connections, a peer's entries make lines over their client counts, one per tool and
    // workload; against offered load, each entry is the rate it reached closed loop.
    std::map<std::string, std::vector<const inv::SweepReference *>> byLabel;
    for (const inv::SweepReference &r : m_references)
        byLabel[rate ? r.label() + "\n" + std::to_string(r.clients) : r.label()].push_back(&r);
    for (auto &[key, entries] : byLabel) {
        std::sort(entries.begin(), entries.end(), [](auto *a, auto *b) { return a->clients < b->clients; });
        const inv::SweepReference &first = *entries.front();
        const QColor color = referenceColor(first.tool);
        const QString label = text(first.label());
        auto *served = new QLineSeries(this);
        served->setPen(QPen(color, 2.2, Qt::DashDotLine));
        QList<QPointF> p99;
        if (rate) {
            served->setName(tr("%1, %2 clients: %L3/s served (measured)")
                                .arg(label)
                                .arg(first.clients)
                                .arg(std::round(first.throughputRps), 0, 'f', 0));
            m_levels.push_back({first.throughputRps, served});
            if (first.p99Ms)
                p99.append({first.throughputRps, std::max(kLatencyFloorMs, *first.p99Ms)});
        } else {
            served->setName(tr("%1: served (req/s, measured)").arg(label));
            served->setPointsVisible(true);
            QList<QPointF> points;
            for (const inv::SweepReference *r : entries) {
                points.append({static_cast<double>(r->clients), r->throughputRps});
                if (r->p99Ms)
                    p99.append({static_cast<double>(r->clients), std::max(kLatencyFloorMs, *r->p99Ms)});
            }
            served->replace(points);
        }
        attach(served, m_throughput);
        if (p99.isEmpty())
            continue;
        if (rate) {
            auto *point = new QScatterSeries(this);
            point->setName(tr("%1, %2 clients: p99 %3 ms (measured)")
                               .arg(label)
                               .arg(first.clients)
                               .arg(*first.p99Ms, 0, 'g', 3));
            point->setMarkerShape(QScatterSeries::MarkerShapeTriangle);
            point->setMarkerSize(13);
            point->setColor(color);
            point->setBorderColor(color.darker(150));
            point->replace(p99);
            attach(point, m_latency);
        } else {
            auto *line = new QLineSeries(this);
            line->setName(tr("%1: p99 (ms, measured)").arg(label));
            line->setPen(QPen(color, 1.6, Qt::SolidLine));
            line->setPointsVisible(true);
            line->replace(p99);
            attach(line, m_latency);
        }
    }
    rescale();
}

double SweepChart::xOf(const inv::SweepStep &step) const
{
    return m_parameter == inv::SweepParameter::Rate ? step.offeredRps : step.value;
}

SweepChart::Lines &SweepChart::linesFor(const QString &strategy)
{
    auto it = m_lines.find(strategy);
    if (it != m_lines.end())
        return it->second;
    Lines &lines = m_lines[strategy];
    m_order.push_back(strategy);
    const QColor color = SimulationCharts::colorFor(strategy);
    auto add = [&](QLineSeries *series, const QString &name, Qt::PenStyle style, QAbstractAxis *y) {
        series->setName(name);
        QPen pen(color, style == Qt::SolidLine ? 2.5 : 1.8, style);
        series->setPen(pen);
        series->setPointsVisible(true);
        chart()->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(y);
    };
    lines.readP99 = new QLineSeries(this);
    add(lines.readP99, tr("%1 read p99 (ms)").arg(strategy), Qt::SolidLine, m_latency);
    lines.readP50 = new QLineSeries(this);
    add(lines.readP50, tr("%1 read p50 (ms)").arg(strategy), Qt::DashLine, m_latency);
    lines.throughput = new QLineSeries(this);
    add(lines.throughput, tr("%1 served (req/s)").arg(strategy), Qt::DotLine, m_throughput);
    lines.knee = new QScatterSeries(this);
    lines.knee->setName(tr("%1 knee").arg(strategy));
    lines.knee->setMarkerShape(QScatterSeries::MarkerShapeStar);
    lines.knee->setMarkerSize(18);
    lines.knee->setColor(color);
    lines.knee->setBorderColor(color.darker(150));
    chart()->addSeries(lines.knee);
    lines.knee->attachAxis(m_x);
    lines.knee->attachAxis(m_latency);
    return lines;
}

void SweepChart::addStep(const QString &strategy, const inv::SweepStep &step)
{
    Lines &lines = linesFor(strategy);
    const double x = xOf(step);
    // A log axis cannot show zero: a step without reads sits at the axis floor.
    lines.p99Points.append({x, std::max(kLatencyFloorMs, step.read.p99)});
    lines.p50Points.append({x, std::max(kLatencyFloorMs, step.read.p50)});
    lines.throughputPoints.append({x, step.throughputRps});
    lines.readP99->replace(lines.p99Points);
    lines.readP50->replace(lines.p50Points);
    lines.throughput->replace(lines.throughputPoints);
    rescale();
}

void SweepChart::markKnee(const QString &strategy, const inv::SweepResult &result)
{
    const auto fail = result.firstFail();
    Lines &lines = linesFor(strategy);
    if (!fail) {
        lines.knee->setName(tr("%1: no knee up to %2").arg(strategy).arg(result.range.to));
        return;
    }
    const inv::SweepStep &step = result.steps[*fail];
    lines.knee->replace(QList<QPointF>{{xOf(step), std::max(kLatencyFloorMs, step.read.p99)}});
    lines.knee->setName(
        tr("%1 knee at %2 %3").arg(strategy).arg(step.value).arg(QString::fromLatin1(result.range.unit())));
}

void SweepChart::rescale()
{
    double xMin = 0, xMax = 0, latency = 0, lowest = 1e9, served = 0;
    auto takeX = [&](double x) {
        xMin = xMin == 0 ? x : std::min(xMin, x);
        xMax = std::max(xMax, x);
    };
    for (const auto &[name, lines] : m_lines) {
        for (const QPointF &p : lines.p99Points) {
            takeX(p.x());
            latency = std::max(latency, p.y());
        }
        for (const QPointF &p : lines.p50Points)
            lowest = std::min(lowest, p.y());
        for (const QPointF &p : lines.throughputPoints)
            served = std::max(served, p.y());
    }
    const bool rate = m_parameter == inv::SweepParameter::Rate;
    for (const inv::SweepReference &r : m_references) {
        // Against offered load only a peer's p99 point has an x of its own: the rate it reached.
        if (!rate || r.p99Ms)
            takeX(rate ? r.throughputRps : r.clients);
        served = std::max(served, r.throughputRps);
        if (r.p99Ms) {
            latency = std::max(latency, *r.p99Ms);
            lowest = std::min(lowest, std::max(kLatencyFloorMs, *r.p99Ms));
        }
    }
    if (xMax <= 0)
        return;
    lowest = std::min(lowest, latency);
    // A step's worth of room on each side, so the first and last points are not on the frame.
    m_x->setRange(std::max(0.5, xMin / 1.25), xMax * 1.25);
    // Whole decades, so that the labels are round numbers; a hair wider, so that the bottom and top
    // decades keep their labels despite rounding.
    m_latency->setRange(0.999 * std::pow(10, std::floor(std::log10(lowest))),
                        1.001 * std::pow(10, std::ceil(std::log10(std::max(latency * 1.2, lowest * 10)))));
    m_throughput->setRange(0, std::max(10.0, served * 1.15));
    m_throughput->applyNiceNumbers();
    for (const auto &[level, series] : std::as_const(m_levels))
        series->replace(QList<QPointF>{{m_x->min(), level}, {m_x->max(), level}});
}

QImage SweepChart::image(QSize size) const
{
    QChart *c = chart();
    const QSizeF viewSize = c->size();
    // Laid out at the export size for the picture, then back at the view's.
    c->resize(size);
    c->layout()->activate();
    QImage out(size * devicePixelRatio(), QImage::Format_ARGB32_Premultiplied);
    out.setDevicePixelRatio(devicePixelRatio());
    out.fill(c->backgroundBrush().color());
    {
        QPainter painter(&out);
        painter.setRenderHint(QPainter::Antialiasing);
        scene()->render(&painter, QRectF(QPointF(0, 0), QSizeF(size)), QRectF(c->pos(), QSizeF(size)));
    }
    c->resize(viewSize);
    c->layout()->activate();
    return out;
}

bool SweepChart::exportPng(const QString &path, QSize size) const
{
    return image(size).save(path, "PNG");
}

QStringList SweepChart::strategies() const
{
    return m_order;
}

QLineSeries *SweepChart::series(const QString &strategy, Line line) const
{
    auto it = m_lines.find(strategy);
    if (it == m_lines.end())
        return nullptr;
    switch (line) {
    case Line::ReadP99:
        return it->second.readP99;
    case Line::ReadP50:
        return it->second.readP50;
    case Line::Throughput:
        return it->second.throughput;
    }
    return nullptr;
}

QScatterSeries *SweepChart::knee(const QString &strategy) const
{
    auto it = m_lines.find(strategy);
    return it == m_lines.end() ? nullptr : it->second.knee;
}

QList<QAbstractSeries *> SweepChart::referenceSeries() const
{
    return m_referenceSeries;
}
