// The y axes of one Simulation chart: a linear axis on the left with round ticks, a second one on the
// right for the metrics drawn against it, and a logarithmic axis (ms) that can take the left one's
// place for every series and give it back. The axes belong to the chart while on it, and to the
// owner given at construction while swapped out. GUI thread only.
#pragma once

#include "chartaxisscale.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

class QAbstractAxis;
class QCategoryAxis;
class QChart;
class QLogValueAxis;
class QObject;

class SimulationChartYAxes
{
    Q_DECLARE_TR_FUNCTIONS(SimulationChartYAxes)

public:
    // Adds the left axis, titled `title`, and a right one unless `title2` is empty; makes the
    // logarithmic axis, off the chart, when `logAxis`.
    SimulationChartYAxes(QChart *chart, QObject *owner, const QString &title, const QString &title2,
                         bool logAxis);
    SimulationChartYAxes(const SimulationChartYAxes &) = delete;
    SimulationChartYAxes &operator=(const SimulationChartYAxes &) = delete;

    // The axis a series attaches to: the right one for `second` when there is one, else the left.
    QAbstractAxis *axisFor(bool second) const;
    // Whether the logarithmic axis is on the left now.
    bool isLogarithmic() const { return m_log && m_logY; }
    // Moves every series to the logarithmic or the linear axis; false when nothing changed.
    bool setLogarithmic(bool logarithmic);
    // The linear and the logarithmic left axis, on the chart or not (null when there is none).
    QList<QAbstractAxis *> leftAxes() const;
    // Round ticks over [low, high] on the linear left axis and [0, high2] on the right one; the
    // logarithmic axis reaches the power of ten at or above `logHigh`.
    void fit(double low, double high, bool integer, double high2, double logHigh, int ticks);

private:
    QChart *m_chart;
    QObject *m_owner;
    QCategoryAxis *m_y;
    QCategoryAxis *m_y2 = nullptr;
    QLogValueAxis *m_logY = nullptr;
    ChartAxisScale m_yScale, m_y2Scale;
    bool m_log = false;
};
