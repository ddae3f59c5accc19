// The six live charts of a simulation: latency percentiles, throughput, cache hit rate, lock
// contention, consistency violations, and database against cache stock for the hottest SKU. Each
// run (one per strategy in compare mode) gets its own colour and each metric its own line style,
// named in the chart's legend; clicking a legend entry hides or shows that metric on every run.
// Every tick replaces a series' points from a preallocated buffer in one call. The time axis fits
// the run with round ticks and grows as it goes; wheel and drag zoom the time of every chart
// together, a double-click resets. SLO thresholds are dashed lines. GUI thread only.
#pragma once

#include "sim/simulationmonitor.h"
#include "sim/simulationreport.h"

#include <QColor>
#include <QList>
#include <QPixmap>
#include <QPointF>
#include <QWidget>

#include <optional>
#include <vector>

class QAbstractAxis;
class QCategoryAxis;
class QChart;
class QChartView;
class QCheckBox;
class QGraphicsSimpleTextItem;
class QGridLayout;
class QHBoxLayout;
class QLegendMarker;
class QLineSeries;
class QLogValueAxis;
class QScrollArea;
class QValueAxis;

class SimulationCharts : public QWidget
{
    Q_OBJECT

public:
    enum Panel
    {
        Latency,
        Throughput,
        HitRate,
        Locks,
        Consistency,
        HotStock,
        PanelCount
    };

    explicit SimulationCharts(QWidget *parent = nullptr);
    ~SimulationCharts() override;

    void clear();
    // Starts a run's series in the given colour; returns its index for setTimeline().
    int beginRun(const QString &name, const QColor &color);
    void setTimeline(int run, const std::vector<inv::TimelinePoint> &timeline);
    void setSnapshot(int run, const inv::SimulationSnapshot &snapshot)
    {
        setTimeline(run, snapshot.timeline);
    }
    // Draws the SLOs that have a chart (read p99, throughput, hit rate) as dashed lines.
    void setThresholds(const std::vector<inv::Slo> &slos);
    void setLogLatency(bool logarithmic);
    // Shows only [from, to] seconds on every chart; resetZoom() fits the run again.
    void zoomTime(double from, double to);
    void resetZoom();
    // Hides or shows a metric ("read p99", "stale reads", …) on every run, as its legend entry does.
    void setMetricShown(const QString &metric, bool shown);
    bool isMetricShown(const QString &metric) const;

    // How many points the charts hold now, over every series; tests read it.
    qsizetype pointCount() const;
    // The visible time range in seconds, the same on every chart.
    double timeMin() const;
    double timeMax() const;
    double timeTickInterval() const;
    QChart *chart(Panel panel) const;
    // The whole set of charts as an image, legends and titles included, however it is scrolled.
    QPixmap image();

    static QColor colorFor(const QString &strategy);
    static QString description(Panel panel);
    static constexpr std::size_t kMaxPoints = 480;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct AxisFit
    {
        double low = 0, high = -1, step = 0;
    };
    struct PanelState
    {
        QChart *chart = nullptr;
        QChartView *view = nullptr;
        QValueAxis *x = nullptr;
        QCategoryAxis *y = nullptr;
        QCategoryAxis *y2 = nullptr;
        QLogValueAxis *logY = nullptr;
        AxisFit yFit, y2Fit;
        double yMax = 0, y2Max = 0;
        double yMin = -1; // HotStock only, -1 until known: its axis fits the data's range, not 0 to the top
        QLineSeries *threshold = nullptr;
        // Named on the chart rather than in the legend, which has no room for a fourth entry.
        QGraphicsSimpleTextItem *thresholdLabel = nullptr;
        std::optional<double> thresholdValue;
    };
    struct Run
    {
        QString name;
        QColor color;
        QCheckBox *toggle = nullptr;
        std::vector<QLineSeries *> series; // in the order of the metric specs
    };
    QLineSeries *addSeries(std::size_t spec, const QString &name, const QColor &color);
    QAbstractAxis *yAxisFor(std::size_t spec) const;
    void rescale();
    void fitTime();
    void placeThresholdLabels();
    void applyPalette();
    void reflow();
    void onMarkerClicked(QLegendMarker *marker);
    void showPointTip(QLineSeries *series, const QPointF &point, bool state);

    std::vector<PanelState> m_panels;
    std::vector<QLineSeries *> m_keys; // one empty series per metric: its legend entry
    std::vector<bool> m_shown;         // per metric
    std::vector<Run> m_runs;
    QList<QPointF> m_buffer;
    QScrollArea *m_scroll;
    QWidget *m_grid;
    QGridLayout *m_gridLayout;
    QWidget *m_runBar;
    QHBoxLayout *m_runLayout;
    int m_columns = 0;
    double m_dataEnd = 0; // the latest time of any run
    std::optional<std::pair<double, double>> m_zoom;
    bool m_log = false;
    bool m_fitting = false; // fitTime() is setting the ranges: not a zoom
};
