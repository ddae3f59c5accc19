// Stock over time for one SKU, drawn from its audit rows as a stepped line: the stock holds its
// level from one change to the next. Fed once per load with replace(), never point by point.
// GUI thread only.
#pragma once

#include <QChartView>
#include <QList>
#include <QPointF>
#include <QString>

class QDateTimeAxis;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

class StockHistoryChart : public QChartView
{
    Q_OBJECT

public:
    explicit StockHistoryChart(QWidget *parent = nullptr);

    // samples: (ms since the epoch, stock after the change), oldest first, one per audit row.
    void setHistory(const QString &sku, const QList<QPointF> &samples, bool truncated);
    // Shows a line of text instead of a chart (nothing selected, loading, an error).
    void setPlaceholder(const QString &text);

    const QString &sku() const { return m_sku; }
    const QList<QPointF> &samples() const { return m_samples; }
    int sampleCount() const { return int(m_samples.size()); }

signals:
    // The chart now shows a new history (or a placeholder).
    void historyChanged();

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();
    void rescale();

    QLineSeries *m_series;
    QScatterSeries *m_markers; // the changes themselves, while there are few
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_stockAxis;
    QString m_sku;
    QList<QPointF> m_samples;
    QList<QPointF> m_steps; // kept to reuse its capacity between loads
};
