// What the cursor over a Simulation chart points at: the time under it, which the crosshair of every
// chart follows; the nearest real point of a hovered series, shown with its time and value in a tool
// tip; and the time range a wheel step zooms to, keeping the time under the cursor where it is.
// Stateless; GUI thread only.
#pragma once

#include <QCoreApplication>
#include <QPointF>

#include <optional>

class QAbstractSeries;
class QChart;
class QLineSeries;
class QValueAxis;

class SimulationChartHover
{
    Q_DECLARE_TR_FUNCTIONS(SimulationChartHover)

public:
    struct Zoom
    {
        double from = 0, to = 0;
        bool out = false;
    };

    // The time at `scene` when it lies over the plot; `reference` is a series on the time axis.
    static std::optional<double> timeAt(QChart &chart, QAbstractSeries *reference, const QPointF &scene);
    // Shows the point of `series` nearest in time to `point` in a tool tip, values in `unit`, while
    // `state` (the series' hovered() signal); hides the tip when it ends.
    static void showPointTip(const QLineSeries &series, const QPointF &point, bool state, const char *unit);
    // The time range a wheel turn of `angleDelta` (up: in) over scene x `sceneX` zooms `axis` to.
    static Zoom wheelZoom(const QChart &chart, const QValueAxis &axis, double sceneX, int angleDelta);
};
