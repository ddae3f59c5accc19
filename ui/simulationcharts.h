// The live charts of a simulation, laid out as a grid that reflows with the width and scrolls
// rather than crops: latency percentiles, throughput, cache hit rate, Redis lock and PostgreSQL
// row-lock contention, consistency violations, and database against cache stock for the hottest
// SKU. Each run (one per strategy in compare mode) gets its own colour, named in a bar of check
// boxes that hide or show it; each metric its own line style, named in its chart's legend. The time
// axis fits the run with round ticks and grows as it goes; wheel and drag zoom the time of every
// chart together, a double-click resets. SLO thresholds are dashed lines. The runs' events are
// markers on every chart, and a crosshair follows the cursor on every chart at once. GUI thread only.
#pragma once

#include "sim/simulationmonitor.h"
#include "sim/simulationreport.h"

#include <QColor>
#include <QPixmap>
#include <QWidget>

#include <optional>
#include <vector>

class QChart;
class QCheckBox;
class QGridLayout;
class QHBoxLayout;
class QScrollArea;
class SimulationChartPanel;

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
        RowLocks,
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
        setEvents(run, snapshot.events);
    }
    // Hides or shows every line of a run, as its box in the bar of runs does.
    void setRunShown(int run, bool shown);
    // Draws the run's events as markers on every chart; in compare mode, with its start labelled.
    void setEvents(int run, const std::vector<inv::TimelineEvent> &events);
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
    SimulationChartPanel *panel(Panel panel) const { return m_panels[panel]; }
    // The whole set of charts as an image, legends and titles included, however it is scrolled.
    QPixmap image();

    static QColor colorFor(const QString &strategy);
    static QString description(Panel panel);
    static constexpr std::size_t kMaxPoints = 480; // per series, as SimulationChartPanel draws

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Run
    {
        QString name;
        QCheckBox *toggle = nullptr;
    };
    void fitTime();
    void reflow();
    void onWheelZoomed(double from, double to, bool out);
    void onCrosshairMoved(double t, bool shown);

    std::vector<SimulationChartPanel *> m_panels;
    std::vector<Run> m_runs;
    QScrollArea *m_scroll;
    QWidget *m_grid;
    QGridLayout *m_gridLayout;
    QWidget *m_runBar;
    QHBoxLayout *m_runLayout;
    int m_columns = 0;
    double m_dataEnd = 0; // the latest time of any run
    std::optional<std::pair<double, double>> m_zoom;
};
