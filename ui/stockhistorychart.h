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

    // samples: (ms since the epoch, stock after the change), oldest first, one per audit row;
    // ids: each sample's audit row id, for changeClicked (may be empty).
    void setHistory(const QString &sku, const QList<QPointF> &samples, bool truncated,
                    const QList<qint64> &ids = {});
    // Shows a line of text instead of a chart (nothing selected, loading, an error).
    void setPlaceholder(const QString &text);

    const QString &sku() const { return m_sku; }
    const QList<QPointF> &samples() const { return m_samples; }
    int sampleCount() const { return int(m_samples.size()); }
    // Where sample `index` is drawn, in the view's viewport coordinates.
    QPoint samplePosition(int index) const;

signals:
    // The chart now shows a new history (or a placeholder).
    void historyChanged();
    // The operator clicked a change (a marker, or the line near one): its audit row id.
    void changeClicked(qint64 auditId);

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();
    void rescale();
    void clickedAt(const QPointF &value);

    QLineSeries *m_series;
    QScatterSeries *m_markers; // the changes themselves, while there are few
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_stockAxis;
    QString m_sku;
    QList<QPointF> m_samples;
    QList<qint64> m_ids;
    QList<QPointF> m_steps; // kept to reuse its capacity between loads
};
