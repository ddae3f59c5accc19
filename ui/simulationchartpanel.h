// One chart of the Simulation page: a series per run for each of its metrics, a legend with one
// entry per metric that hides or shows it on click, an optional SLO threshold drawn as a dashed line,
// the exact value and time under the cursor with a crosshair (see SimulationChartHover), the run's
// events as markers (see SimulationChartOverlay), y axes that fit the data with round ticks (see
// SimulationChartYAxes), and colours from the palette (see SimulationChartTheme). The time axis is
// set from outside (SimulationCharts keeps every chart on the same range); wheel, rubber band and
// double-click are reported as signals so that every chart zooms together. Every tick replaces a
// series' points from a preallocated buffer in one call. GUI thread only.
#pragma once

#include "sim/simulationreport.h"
#include "simulationchartoverlay.h"
#include "slothresholdline.h"

#include <QChartView>
#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QLegendMarker;
class QLineSeries;
class QValueAxis;
class SimulationChartYAxes;

class SimulationChartPanel : public QChartView
{
    Q_OBJECT

public:
    struct Metric
    {
        const char *name; // untranslated and unique over every chart: found by it
        const char *unit; // for the hover tip
        Qt::PenStyle style;
        bool secondAxis; // drawn against the right axis
        // The metric at one point; a negative value is unknown and leaves a gap.
        std::function<double(const inv::TimelinePoint &)> value;
    };
    enum class YRange
    {
        FromZero,  // 0 to the largest value (or the threshold)
        Percent,   // 0 to 100
        DataRange, // the data's own range, so that a few units apart show at a million
    };
    struct Spec
    {
        QString title;
        QString description; // the view's tooltip: what the chart measures
        QString yTitle;
        QString y2Title;      // empty: one axis
        bool integer = false; // counts: whole-number ticks
        YRange range = YRange::FromZero;
        bool logAxis = false; // offers setLogarithmic()
        std::vector<Metric> metrics;
    };
    static constexpr std::size_t kMaxPoints = 480;

    explicit SimulationChartPanel(Spec spec, QWidget *parent = nullptr);
    ~SimulationChartPanel() override;

    // Adds a run's series in `color`, named "<name> <metric>"; returns the run's index.
    int addRun(const QString &name, const QColor &color);
    void setRunVisible(int run, bool visible);
    // Draws the run's timeline, at most kMaxPoints per series.
    void setTimeline(int run, const std::vector<inv::TimelinePoint> &timeline);
    // Draws the run's events as markers in the run's colour.
    void setEvents(int run, const std::vector<inv::TimelineEvent> &events);
    const SimulationChartOverlay &overlay() const { return m_overlay; }
    // Where time t falls in the view, horizontally (viewport coordinates).
    double viewX(double t) const;
    // A vertical line at time t; nullopt hides it. Not reported as crosshairMoved().
    void setCrosshair(std::optional<double> t);
    std::optional<double> crosshair() const { return m_overlay.crosshair(); }
    // Removes every run and forgets the data's range.
    void clear();
    // A dashed line at `value`, named `label` on the chart; nullopt removes it.
    void setThreshold(std::optional<double> value, const QString &label);
    void setLogarithmic(bool logarithmic);
    // Shows [from, to] seconds with a tick every `step`; not reported as a zoom.
    void setTimeRange(double from, double to, double step);

    // The metric's index in this chart, or -1.
    int metricIndex(const QString &metric) const;
    void setMetricShown(int metric, bool shown);
    // Shown on every run whose run is shown.
    bool isMetricShown(int metric) const;

    QChart *chart() const { return m_chart; }
    QValueAxis *timeAxis() const { return m_x; }
    qsizetype pointCount() const;

signals:
    // A rubber band or zoomOut() chose a time range.
    void timeRangeSelected(double from, double to);
    // The wheel asks for [from, to]; `out` when it zooms out.
    void wheelZoomed(double from, double to, bool out);
    void resetZoomRequested();
    // The cursor moved to time t over the plot, or left it (shown false).
    void crosshairMoved(double t, bool shown);

protected:
    void changeEvent(QEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void drawForeground(QPainter *painter, const QRectF &rect) override;

private:
    struct Run
    {
        QColor color;
        bool visible = true;
        std::vector<QLineSeries *> series; // in the order of the metrics
    };
    QLineSeries *addSeries(std::size_t metric, const QString &name, const QColor &color);
    void rescale();
    void updateThresholdLine();
    void applyPalette();
    void onMarkerClicked(QLegendMarker *marker);
    // Hides the crosshair if shown, and says so.
    void hideCrosshair();

    Spec m_spec;
    QChart *m_chart;
    QValueAxis *m_x;
    std::unique_ptr<SimulationChartYAxes> m_yAxes;
    double m_yMax = 0, m_y2Max = 0;
    double m_yMin = -1; // DataRange only, -1 until known
    double m_dataEnd = 0;
    double m_from = 0, m_to = 0;       // the range last set by setTimeRange()
    std::vector<QLineSeries *> m_keys; // one empty series per metric: its legend entry
    std::vector<bool> m_shown;         // per metric
    std::vector<Run> m_runs;
    QList<QPointF> m_buffer;
    std::unique_ptr<SloThresholdLine> m_threshold;
    SimulationChartOverlay m_overlay;
    bool m_fitting = false; // setTimeRange() is setting the range: not a zoom
};
