// The load-sweep chart of the Simulation page: read p50 and p99 latency (left axis, ms, log scale) and served
// throughput (right axis, req/s) against the swept parameter (offered load or connections), one
// set of lines per strategy in its strategy colour, and a star at each strategy's knee, the first
// step that broke an SLO. Fed one step at a time as the sweep's steps finish. GUI thread only.
#pragma once

#include "sim/sweepresult.h"

#include <QChartView>
#include <QList>
#include <QPointF>
#include <QString>

#include <map>

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

    // The strategies drawn so far, in the order they started; tests read these.
    QStringList strategies() const;
    QLineSeries *series(const QString &strategy, Line line) const;
    QScatterSeries *knee(const QString &strategy) const;

private:
    struct Lines
    {
        QLineSeries *readP99 = nullptr, *readP50 = nullptr, *throughput = nullptr;
        QScatterSeries *knee = nullptr;
        QList<QPointF> p99Points, p50Points, throughputPoints;
    };
    Lines &linesFor(const QString &strategy);
    void rescale();
    double xOf(const inv::SweepStep &step) const;

    inv::SweepParameter m_parameter = inv::SweepParameter::Rate;
    QStringList m_order;
    std::map<QString, Lines> m_lines;
    static constexpr double kLatencyFloorMs = 0.01;

    QLogValueAxis *m_x;
    QLogValueAxis *m_latency;
    QValueAxis *m_throughput;
};
