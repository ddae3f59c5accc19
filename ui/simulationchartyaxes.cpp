#include "simulationchartyaxes.h"

#include <QCategoryAxis>
#include <QChart>
#include <QLogValueAxis>

#include <cmath>

namespace {
QCategoryAxis *categoryAxis(const QString &title)
{
    auto *axis = new QCategoryAxis;
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    axis->setTitleText(title);
    return axis;
}
} // namespace

SimulationChartYAxes::SimulationChartYAxes(QChart *chart, QObject *owner, const QString &title,
                                           const QString &title2, bool logAxis)
    : m_chart(chart), m_owner(owner), m_y(categoryAxis(title))
{
    m_chart->addAxis(m_y, Qt::AlignLeft);
    if (!title2.isEmpty()) {
        m_y2 = categoryAxis(title2);
        m_chart->addAxis(m_y2, Qt::AlignRight);
    }
    if (logAxis) {
        m_logY = new QLogValueAxis(m_owner);
        m_logY->setBase(10);
        m_logY->setRange(0.01, 100);
        m_logY->setLabelFormat(QStringLiteral("%g"));
        m_logY->setTitleText(tr("ms (log)"));
    }
}

QAbstractAxis *SimulationChartYAxes::axisFor(bool second) const
{
    if (second && m_y2)
        return m_y2;
    if (m_log && m_logY)
        return m_logY;
    return m_y;
}

bool SimulationChartYAxes::setLogarithmic(bool logarithmic)
{
    if (!m_logY || logarithmic == m_log)
        return false;
    m_log = logarithmic;
    QAbstractAxis *from = logarithmic ? static_cast<QAbstractAxis *>(m_y) : m_logY;
    QAbstractAxis *to = logarithmic ? static_cast<QAbstractAxis *>(m_logY) : m_y;
    const auto series = m_chart->series();
    for (auto *s : series)
        s->detachAxis(from);
    m_chart->removeAxis(from);
    from->setParent(m_owner); // removeAxis() hands the axis back; keep it for the next switch
    m_chart->addAxis(to, Qt::AlignLeft);
    for (auto *s : series)
        s->attachAxis(to);
    m_yScale.reset();
    return true;
}

QList<QAbstractAxis *> SimulationChartYAxes::leftAxes() const
{
    return {m_y, m_logY};
}

void SimulationChartYAxes::fit(double low, double high, bool integer, double high2, double logHigh, int ticks)
{
    m_yScale.fit(m_y, low, high, integer, ticks);
    if (m_y2)
        m_y2Scale.fit(m_y2, 0, high2, false, ticks);
    if (m_logY) {
        const double top = std::pow(10.0, std::ceil(std::log10(logHigh)));
        if (m_logY->max() != top)
            m_logY->setRange(0.01, top);
    }
}
