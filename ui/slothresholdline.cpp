#include "slothresholdline.h"

#include <QAbstractAxis>
#include <QChart>
#include <QGraphicsSimpleTextItem>
#include <QLegend>
#include <QLineSeries>

namespace {
const QColor kThresholdColor(170, 80, 220);
}

SloThresholdLine::SloThresholdLine(QChart *chart, QAbstractAxis *x, QAbstractAxis *y)
    : m_chart(chart), m_series(new QLineSeries), m_label(new QGraphicsSimpleTextItem(chart))
{
    QPen pen(kThresholdColor);
    pen.setWidthF(1.6);
    pen.setStyle(Qt::DashLine);
    m_series->setPen(pen);
    m_chart->addSeries(m_series);
    m_series->attachAxis(x);
    m_series->attachAxis(y);
    m_label->setBrush(kThresholdColor);
    QFont font = m_chart->legend()->font();
    font.setBold(true);
    m_label->setFont(font);
    m_label->setZValue(10);
}

SloThresholdLine::~SloThresholdLine()
{
    m_chart->removeSeries(m_series);
    delete m_series;
    delete m_label;
}

void SloThresholdLine::set(double value, const QString &label)
{
    m_value = value;
    m_series->setName(label);
    m_label->setText(label);
    setEnd(m_end);
}

void SloThresholdLine::setEnd(double end)
{
    m_end = end;
    m_series->replace(QList<QPointF>{{0, m_value}, {end, m_value}});
    placeLabel();
}

void SloThresholdLine::placeLabel()
{
    const QRectF plot = m_chart->plotArea();
    // Only the height matters: the label sits at the plot's right whatever the time range.
    const QPointF at = m_chart->mapToPosition(QPointF(0, m_value), m_series);
    const QRectF box = m_label->boundingRect();
    m_label->setPos(plot.right() - box.width() - 4, at.y() - box.height() - 1);
    m_label->setVisible(m_series->isVisible() &&
                        plot.adjusted(0, -1, 0, 1).contains(QPointF(plot.center().x(), at.y())));
}
