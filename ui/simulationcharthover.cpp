#include "simulationcharthover.h"

#include <QChart>
#include <QCursor>
#include <QLineSeries>
#include <QLocale>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

std::optional<double> SimulationChartHover::timeAt(QChart &chart, QAbstractSeries *reference,
                                                   const QPointF &scene)
{
    if (!chart.mapRectToScene(chart.plotArea()).contains(scene))
        return std::nullopt;
    return chart.mapToValue(chart.mapFromScene(scene), reference).x();
}

void SimulationChartHover::showPointTip(const QLineSeries &series, const QPointF &point, bool state,
                                        const char *unit)
{
    if (!state) {
        QToolTip::hideText();
        return;
    }
    // The nearest real point, not the spot on the segment under the cursor.
    const QList<QPointF> points = series.points();
    if (points.isEmpty())
        return;
    const auto nearest =
        std::min_element(points.begin(), points.end(), [&point](const QPointF &a, const QPointF &b) {
            return std::abs(a.x() - point.x()) < std::abs(b.x() - point.x());
        });
    const QLocale locale;
    QToolTip::showText(QCursor::pos(),
                       tr("%1\nat %2 s: %3 %4")
                           .arg(series.name())
                           .arg(locale.toString(nearest->x(), 'f', 2))
                           .arg(locale.toString(nearest->y(), 'f', nearest->y() < 100 ? 2 : 0))
                           .arg(QString::fromUtf8(unit)));
}

SimulationChartHover::Zoom SimulationChartHover::wheelZoom(const QChart &chart, const QValueAxis &axis,
                                                           double sceneX, int angleDelta)
{
    const QRectF plot = chart.plotArea();
    const double from = axis.min(), to = axis.max();
    const double fraction = std::clamp((sceneX - plot.left()) / std::max(1.0, plot.width()), 0.0, 1.0);
    const double at = from + fraction * (to - from);
    const bool out = angleDelta <= 0;
    const double width = (to - from) * (out ? 1.25 : 0.8);
    return Zoom{at - fraction * width, at + (1 - fraction) * width, out};
}
