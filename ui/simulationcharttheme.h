// The look of one Simulation chart, taken from its view's palette so that it follows the light and
// dark palettes: a bold title and tight margins, a small legend at the bottom whose entries are line
// samples, the colours of the chart, the view and every axis, and the legend's entries, one key series
// per metric, in the run's colour when there is one run and faded while their metric is hidden.
// Stateless; GUI thread only.
#pragma once

#include <QColor>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

class QAbstractAxis;
class QChart;
class QChartView;
class QLineSeries;

class SimulationChartTheme
{
public:
    // Titles the chart and lays out its margins and legend; once, before any series is added.
    static void setUp(QChart &chart, const QString &title);
    // The width the legend needs to show each of `entries` whole.
    static int legendWidth(const QChart &chart, const QStringList &entries);
    // Colours the view, its chart, the chart's axes and `spareAxes` (kept off the chart for now), and
    // the legend: only the entries of `keys` show, metric m faded unless `shown[m]`, each key's line in
    // `keyColor`, or in the text colour without one.
    static void apply(QChartView &view, const QList<QAbstractAxis *> &spareAxes,
                      const std::vector<QLineSeries *> &keys, const std::vector<bool> &shown,
                      std::optional<QColor> keyColor);
};
