// One small live chart of the Servers page: the last two minutes of a few figures from the
// ServerMonitor's history, themed from the widget's palette as the Simulation page's charts are,
// so that it reads on the light and the dark palette alike. The time axis counts seconds back from
// the newest sample; the y axis fits the data with round ticks (ChartAxisScale). Every tick
// replaces each series' points from a preallocated buffer in one call. GUI thread only.
#pragma once

#include "chartaxisscale.h"
#include "monitor/serversnapshot.h"

#include <QChartView>
#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>

#include <functional>
#include <vector>

class QCategoryAxis;
class QLineSeries;
class QValueAxis;

class ServerChart : public QChartView
{
    Q_OBJECT

public:
    struct Metric
    {
        QString name;
        QColor color;
        // The figure at one point; a negative value is unknown and leaves a gap.
        std::function<double(const inv::ServerHistoryPoint &)> value;
    };
    enum class YRange
    {
        FromZero, // 0 to the largest value
        Percent,  // 0 to 100
    };

    ServerChart(const QString &title, const QString &description, std::vector<Metric> metrics,
                YRange range = YRange::FromZero, bool integer = false, QWidget *parent = nullptr);

    void setHistory(const std::vector<inv::ServerHistoryPoint> &history);
    // Points over every series; tests read it.
    qsizetype pointCount() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();
    void rescale();

    std::vector<Metric> m_metrics;
    std::vector<QLineSeries *> m_series;
    YRange m_range;
    bool m_integer;
    QValueAxis *m_x;
    QCategoryAxis *m_y;
    ChartAxisScale m_yScale;
    double m_yMax = 0;
    QList<QPointF> m_buffer;
};
