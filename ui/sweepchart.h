// The load-sweep chart of the Simulation page: read p50 and p99 latency (left axis, ms, log scale) and served
// throughput (right axis, req/s) against the swept parameter (offered load or connections), one
// set of lines per strategy in its strategy colour, and a star at each strategy's knee, the first
// step that broke an SLO. Fed one step at a time as the sweep's steps finish. Peers' measured
// results (pgbench, redis-benchmark; setReferences) are drawn where they apply: against
// connections as lines over their client counts, against offered load as the closed-loop rate
// they reached (a level line) and their p99 at that rate (a point). GUI thread only.
#pragma once

#include "sim/sweepreference.h"
#include "sim/sweepresult.h"

#include <QChartView>
#include <QImage>
#include <QList>
#include <QPointF>
#include <QString>

#include <map>
#include <vector>

class QAbstractSeries;
class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QValueAxis;

class SweepChart : public QChartView
{
    Q_OBJECT

public:
    enum class Line
    {
        ReadP99,
        ReadP50,
        Throughput,
    };

    explicit SweepChart(QWidget *parent = nullptr);

    // Empties the chart for a new sweep of `parameter`.
    void reset(inv::SweepParameter parameter);
    void addStep(const QString &strategy, const inv::SweepStep &step);
    // Marks the strategy's knee (its first failing step) once its sweep has ended.
    void markKnee(const QString &strategy, const inv::SweepResult &result);

    // Peers' results to draw beside the strategies, this sweep and the next; empty: none.
    void setReferences(std::vector<inv::SweepReference> references);

    // The chart alone at `size` (logical pixels), as Export chart saves it, whatever the view's size.
    QImage image(QSize size) const;
    // Saves image(size) as a PNG; false if the file cannot be written.
    bool exportPng(const QString &path, QSize size = kExportSize) const;
    static constexpr QSize kExportSize{1400, 800};

    // The strategies drawn so far, in the order they started; tests read these.
    QStringList strategies() const;
    QLineSeries *series(const QString &strategy, Line line) const;
    QScatterSeries *knee(const QString &strategy) const;
    // The series drawn for the references, named after the peer; tests read these.
    QList<QAbstractSeries *> referenceSeries() const;

private:
    struct Lines
    {
        QLineSeries *readP99 = nullptr, *readP50 = nullptr, *throughput = nullptr;
        QScatterSeries *knee = nullptr;
        QList<QPointF> p99Points, p50Points, throughputPoints;
    };
    Lines &linesFor(const QString &strategy);
    void drawReferences();
    void rescale();
    double xOf(const inv::SweepStep &step) const;

    inv::SweepParameter m_parameter = inv::SweepParameter::Rate;
    QStringList m_order;
    std::map<QString, Lines> m_lines;
    std::vector<inv::SweepReference> m_references;
    QList<QAbstractSeries *> m_referenceSeries;
    // Against offered load each peer is a level line across the whole axis: its y, and its series.
    QList<QPair<double, QLineSeries *>> m_levels;
    static constexpr double kLatencyFloorMs = 0.01;

    QLogValueAxis *m_x;
    QLogValueAxis *m_latency;
    QValueAxis *m_throughput;
};
