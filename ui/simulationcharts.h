// The six live charts of a simulation: latency percentiles, throughput, cache hit rate, lock
// contention, consistency violations, and database against cache stock for the hottest SKU. Each
// run (one per strategy in compare mode) gets its own colour; every tick replaces a series' points
// from a preallocated buffer in one call, and axes grow smoothly to fit. GUI thread only.
#pragma once

#include "sim/simulationreport.h"

#include <QColor>
#include <QList>
#include <QPointF>
#include <QWidget>

#include <vector>

class QChart;
class QLineSeries;
class QValueAxis;
class QLogValueAxis;
class QAbstractAxis;

class SimulationCharts : public QWidget
{
    Q_OBJECT

public:
    explicit SimulationCharts(QWidget *parent = nullptr);

    void clear();
    // Starts a run's series in the given colour; returns its index for setTimeline().
    int beginRun(const QString &name, const QColor &color);
    void setTimeline(int run, const std::vector<inv::TimelinePoint> &timeline);
    void setLogLatency(bool logarithmic);
    // How many points the charts hold now, over every series; tests read it.
    qsizetype pointCount() const;

    static QColor colorFor(const QString &strategy);
    static constexpr std::size_t kMaxPoints = 480;

private:
    struct Panel
    {
        QChart *chart = nullptr;
        QValueAxis *x = nullptr;
        QValueAxis *y = nullptr;
        QLogValueAxis *logY = nullptr;
        double yMax = 1;
    };
    struct Run
    {
        QString name;
        QColor color;
        std::vector<QLineSeries *> series; // in the order of kSeries
    };
    QLineSeries *addSeries(int panel, const QString &name, const QColor &color, Qt::PenStyle style);
    void rescale();

    std::vector<Panel> m_panels;
    std::vector<Run> m_runs;
    QList<QPointF> m_buffer;
    double m_xMax = 10;
    bool m_log = false;
};
