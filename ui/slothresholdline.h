// An SLO threshold on one chart, as k6 and Grafana draw it: a dashed line across the run at the
// threshold's value, named by a label just above the line at the right of the plot rather than in
// the legend, which has no room for it. The line and the label belong to the chart while this
// object lives. GUI thread only.
#pragma once

#include <QString>

class QAbstractAxis;
class QChart;
class QGraphicsSimpleTextItem;
class QLineSeries;

class SloThresholdLine
{
public:
    SloThresholdLine(QChart *chart, QAbstractAxis *x, QAbstractAxis *y);
    ~SloThresholdLine();
    SloThresholdLine(const SloThresholdLine &) = delete;
    SloThresholdLine &operator=(const SloThresholdLine &) = delete;

    void set(double value, const QString &label);
    double value() const { return m_value; }
    QLineSeries *series() const { return m_series; }
    // Draws the line from 0 to `end` seconds.
    void setEnd(double end);
    // Puts the label above the line at the right of the plot, hidden when the line is out of sight.
    // Call after the plot area or the axes' ranges changed.
    void placeLabel();

private:
    QChart *m_chart;
    QLineSeries *m_series;
    QGraphicsSimpleTextItem *m_label;
    double m_value = 0;
    double m_end = 0;
};
