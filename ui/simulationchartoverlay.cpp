#include "simulationchartoverlay.h"

#include "sim/faultspec.h"

#include <QAbstractSeries>
#include <QChart>
#include <QFontMetricsF>
#include <QPainter>
#include <QStringList>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

void SimulationChartOverlay::setEvents(int run, const QColor &color,
                                       const std::vector<inv::TimelineEvent> &events)
{
    std::erase_if(m_markers, [run](const Marker &m) { return m.run == run; });
    for (const auto &e : events)
        m_markers.push_back(Marker{e.t, QString::fromStdString(e.label), color, run});
    std::stable_sort(m_markers.begin(), m_markers.end(),
                     [](const Marker &a, const Marker &b) { return a.t < b.t; });
}

void SimulationChartOverlay::setRunVisible(int run, bool visible)
{
    std::erase(m_hiddenRuns, run);
    if (!visible)
        m_hiddenRuns.push_back(run);
}

void SimulationChartOverlay::clear()
{
    m_markers.clear();
    m_hiddenRuns.clear();
    m_crosshair.reset();
}

std::vector<SimulationChartOverlay::Marker> SimulationChartOverlay::markers() const
{
    std::vector<Marker> out;
    std::copy_if(m_markers.begin(), m_markers.end(), std::back_inserter(out), [this](const Marker &m) {
        return std::find(m_hiddenRuns.begin(), m_hiddenRuns.end(), m.run) == m_hiddenRuns.end();
    });
    return out;
}

std::vector<SimulationChartOverlay::Band> SimulationChartOverlay::faultBands() const
{
    static const QString starts = QStringLiteral(" starts"), ends = QStringLiteral(" ends");
    const std::vector<Marker> shown = markers();
    std::vector<Band> bands;
    for (auto m = shown.begin(); m != shown.end(); ++m) {
        if (!m->label.endsWith(starts))
            continue;
        const QString kind = m->label.chopped(starts.size());
        const auto kinds = inv::FaultSpec::kinds();
        if (std::none_of(kinds.begin(), kinds.end(), [&](inv::FaultKind k) {
                return kind == QLatin1String(inv::FaultSpec::kindName(k));
            }))
            continue; // a run's own start, not a fault's
        Band band{m->t, std::nullopt, kind};
        const auto end = std::find_if(
            m + 1, shown.end(), [&](const Marker &e) { return e.run == m->run && e.label == kind + ends; });
        if (end != shown.end())
            band.to = end->t;
        // Compared runs get the same faults at the same times: one band for them.
        const bool seen = std::any_of(bands.begin(), bands.end(), [&](const Band &b) {
            return b.kind == band.kind && std::abs(b.from - band.from) < 0.05 &&
                   b.to.has_value() == band.to.has_value() && (!b.to || std::abs(*b.to - *band.to) < 0.05);
        });
        if (!seen)
            bands.push_back(band);
    }
    return bands;
}

double SimulationChartOverlay::sceneX(QChart &chart, QAbstractSeries *reference, double t)
{
    return chart.mapToScene(chart.mapToPosition(QPointF(t, 0), reference)).x();
}

void SimulationChartOverlay::paint(QPainter &painter, QChart &chart, QAbstractSeries *reference,
                                   const QColor &text, const QColor &background) const
{
    const QRectF plot = chart.mapRectToScene(chart.plotArea());
    if (!reference || plot.width() < 2)
        return;
    painter.save();
    painter.setClipRect(plot.adjusted(-1, 0, 1, 0));
    QFont font = chart.font();
    font.setPointSizeF(font.pointSizeF() * 0.8);
    painter.setFont(font);
    const QFontMetricsF metrics(font);
    QColor fill = background;
    fill.setAlphaF(0.7f);
    // Faults first, under everything else: a light red band over the time each one lasted.
    const std::vector<Band> bands = faultBands();
    QColor shade(214, 39, 40);
    shade.setAlphaF(0.12f);
    for (const Band &b : bands) {
        const double from = std::max(plot.left(), sceneX(chart, reference, b.from));
        const double to = b.to ? std::min(plot.right(), sceneX(chart, reference, *b.to)) : plot.right();
        if (to > from)
            painter.fillRect(QRectF(from, plot.top(), std::max(1.0, to - from), plot.height()), shade);
    }
    // One label for the same event of several runs at the same place (every run's "checking"), in
    // the run's colour when it is one run's, in the text colour when it is shared. Runs that start
    // together share one label that names each in its colour: "naive versioned start".
    static const QString starts = QStringLiteral(" starts");
    struct Label
    {
        double x;
        QString text;
        QColor color;
        std::vector<std::pair<QString, QColor>> names; // of the runs starting here
    };
    std::vector<Label> labels;
    // A fault is labelled once, by its kind at the left of its band; its two lines stay unlabelled.
    const QColor faultText = QColor::fromHslF(0.0, 0.65, text.lightnessF() > 0.5 ? 0.72 : 0.42);
    for (const Band &b : bands) {
        const double x = sceneX(chart, reference, b.from);
        if (x >= plot.left() - 0.5 && x <= plot.right() + 0.5)
            labels.push_back(Label{x, b.kind, faultText, {}});
    }
    const auto isFaultLine = [&bands](const QString &label) {
        return std::any_of(bands.begin(), bands.end(), [&](const Band &b) {
            return label == b.kind + QStringLiteral(" starts") || label == b.kind + QStringLiteral(" ends");
        });
    };
    for (const Marker &m : markers()) {
        const double x = sceneX(chart, reference, m.t);
        if (x < plot.left() - 0.5 || x > plot.right() + 0.5)
            continue; // zoomed out of view
        QPen pen(m.color);
        pen.setWidthF(1.0);
        pen.setStyle(Qt::DashLine);
        painter.setPen(pen);
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        if (isFaultLine(m.label))
            continue;
        const bool start = m.label.endsWith(starts);
        const auto same = std::find_if(labels.begin(), labels.end(), [&](const Label &l) {
            return std::abs(l.x - x) < 3 && (start ? !l.names.empty() : l.text == m.label);
        });
        Label *label = nullptr;
        if (same == labels.end()) {
            labels.push_back(Label{x, m.label, m.color, {}});
            label = &labels.back();
        } else {
            label = &*same;
        }
        if (start) {
            label->names.emplace_back(m.label.chopped(starts.size()), m.color);
        } else if (label->color != m.color) {
            label->color = text;
        }
    }
    // Labels stack in rows at the top of the plot, left to right, so that none hides another.
    std::stable_sort(labels.begin(), labels.end(), [](const Label &a, const Label &b) { return a.x < b.x; });
    std::array<double, kLabelRows> rowEnd;
    rowEnd.fill(-std::numeric_limits<double>::max());
    for (Label &l : labels) {
        if (l.names.size() > 1) {
            QStringList names;
            for (const auto &n : l.names)
                names << n.first;
            l.text = names.join(QLatin1Char(' ')) + QStringLiteral(" start");
        }
        const double width = metrics.horizontalAdvance(l.text) + 6;
        // Right of the line, or left of it where the plot ends.
        const double left = l.x + 2 + width > plot.right() ? std::max(plot.left(), l.x - 2 - width) : l.x + 2;
        const auto row =
            std::find_if(rowEnd.begin(), rowEnd.end(), [left](double end) { return end + 3 < left; });
        if (row == rowEnd.end())
            continue;
        *row = left + width;
        const QRectF box(left,
                         plot.top() + 1 + static_cast<double>(row - rowEnd.begin()) * (metrics.height() + 1),
                         width, metrics.height());
        painter.fillRect(box, fill);
        if (l.names.size() < 2) {
            painter.setPen(l.color);
            painter.drawText(box, Qt::AlignCenter, l.text);
            continue;
        }
        double at = box.left() + 3;
        for (const auto &[name, color] : l.names) {
            painter.setPen(color);
            painter.drawText(QPointF(at, box.top() + metrics.ascent()), name);
            at += metrics.horizontalAdvance(name + QLatin1Char(' '));
        }
        painter.setPen(text);
        painter.drawText(QPointF(at, box.top() + metrics.ascent()), QStringLiteral("start"));
    }
    if (m_crosshair) {
        const double x = sceneX(chart, reference, *m_crosshair);
        if (x >= plot.left() && x <= plot.right()) {
            QColor line = text;
            line.setAlphaF(0.55f);
            painter.setPen(QPen(line, 1.0));
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        }
    }
    painter.restore();
}
