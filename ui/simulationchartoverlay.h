// What a Simulation chart draws over its plot rather than as series: the run's events as thin
// dashed vertical lines with a short label at the top, in the run's colour ("sold out", "drain",
// "expiry 2", "versioned starts"), a shaded band over each fault from "redis-pause starts" to
// "redis-pause ends" (to the right edge while it lasts), and the crosshair that follows the cursor. Painted
// in the chart view's drawForeground() from the time axis' current range, so that markers follow zoom and
// resizing and appear in a grab() of the view. A plain value owned by one SimulationChartPanel;
// GUI thread only.
#pragma once

#include "sim/simulationreport.h"

#include <QColor>
#include <QRectF>
#include <QString>

#include <optional>
#include <vector>

class QChart;
class QAbstractSeries;
class QPainter;

class SimulationChartOverlay
{
public:
    struct Marker
    {
        double t = 0;
        QString label;
        QColor color;
        int run = 0;
    };
    // The most label rows stacked at the top before a label is left out (its line stays).
    static constexpr int kLabelRows = 3;

    // Replaces the markers of a run.
    void setEvents(int run, const QColor &color, const std::vector<inv::TimelineEvent> &events);
    void setRunVisible(int run, bool visible);
    void clear();
    // The markers of the shown runs, in time order.
    std::vector<Marker> markers() const;
    struct Band
    {
        double from = 0;
        std::optional<double> to; // none while the fault lasts
        QString kind;
    };
    // The faults of the shown runs, from their start and end markers, one per distinct interval.
    std::vector<Band> faultBands() const;

    void setCrosshair(std::optional<double> t) { m_crosshair = t; }
    std::optional<double> crosshair() const { return m_crosshair; }

    // Paints onto the chart's scene; `reference` is a series on the chart's time axis.
    void paint(QPainter &painter, QChart &chart, QAbstractSeries *reference, const QColor &text,
               const QColor &background) const;
    // Where time t falls on the chart's scene, horizontally.
    static double sceneX(QChart &chart, QAbstractSeries *reference, double t);

private:
    std::vector<Marker> m_markers;
    std::vector<int> m_hiddenRuns;
    std::optional<double> m_crosshair;
};
