#include "stockhistorychart.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QLineSeries>
#include <QLocale>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <iterator>

using namespace Qt::StringLiterals;

namespace {

// Markers help while there are few points, and only clutter once there are many.
constexpr int kMarkerLimit = 60;

struct TimeTicks
{
    qint64 first; // ms since the epoch, on a step boundary in local time
    qint64 last;
    int count;
    QString format;
};

// Ticks on round local times (whole days, hours, minutes, seconds), at most about eight of them.
TimeTicks timeTicks(qint64 minMs, qint64 maxMs)
{
    constexpr qint64 second = 1000, minute = 60 * second, hour = 60 * minute, day = 24 * hour;
    static constexpr qint64 steps[] = {
        1,          2,          5,           10,          20,          50,          100,         200,
        500,        second,     2 * second,  5 * second,  10 * second, 15 * second, 30 * second, minute,
        2 * minute, 5 * minute, 10 * minute, 15 * minute, 30 * minute, hour,        2 * hour,    3 * hour,
        6 * hour,   12 * hour,  day,         2 * day,     7 * day,     14 * day,    28 * day};
    qint64 step = steps[std::size(steps) - 1];
    for (qint64 candidate : steps) {
        if ((maxMs - minMs) / candidate <= 7) {
            step = candidate;
            break;
        }
    }
    const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(minMs).offsetFromUtc()) * 1000;
    const auto floorTo = [&](qint64 t) {
        const qint64 local = t + offset;
        return (local >= 0 ? local / step : (local - step + 1) / step) * step - offset;
    };
    const qint64 first = floorTo(minMs);
    qint64 last = floorTo(maxMs);
    if (last < maxMs || last == first)
        last += step;
    QString format;
    if (step >= day)
        format = u"MMM d"_s;
    else if (step >= minute)
        format = (last - first) > day ? u"MMM d HH:mm"_s : u"HH:mm"_s;
    else if (step >= second)
        format = u"HH:mm:ss"_s;
    else
        format = u"HH:mm:ss.zzz"_s;
    return TimeTicks{first, last, int((last - first) / step) + 1, format};
}

} // namespace

StockHistoryChart::StockHistoryChart(QWidget *parent)
    : QChartView(parent), m_series(new QLineSeries), m_markers(new QScatterSeries),
      m_timeAxis(new QDateTimeAxis), m_stockAxis(new QValueAxis)
{
    auto *chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(6, 4, 10, 4));
    chart->setBackgroundRoundness(0);
    chart->addSeries(m_series);
    chart->addSeries(m_markers);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_stockAxis, Qt::AlignLeft);
    m_series->attachAxis(m_timeAxis);
    m_series->attachAxis(m_stockAxis);
    m_markers->attachAxis(m_timeAxis);
    m_markers->attachAxis(m_stockAxis);
    m_markers->setMarkerSize(7);
    m_markers->setPen(Qt::NoPen);
    m_stockAxis->setLabelFormat(u"%d"_s);
    m_stockAxis->setTitleText(tr("Stock"));
    QFont title = chart->titleFont();
    title.setPointSizeF(font().pointSizeF() * 1.1);
    title.setBold(true);
    chart->setTitleFont(title);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    applyPalette();
    setPlaceholder(tr("Select a row, or filter by SKU, to see its stock over time"));
    connect(m_markers, &QScatterSeries::clicked, this, &StockHistoryChart::clickedAt);
    connect(m_series, &QLineSeries::clicked, this, &StockHistoryChart::clickedAt);
    setToolTip(tr("Click a change to select its row in the audit log"));
}

void StockHistoryChart::clickedAt(const QPointF &value)
{
    if (m_samples.isEmpty() || m_ids.size() != m_samples.size())
        return;
    // The change nearest in time: on a step, the click lands between two of them.
    const auto nearest =
        std::min_element(m_samples.cbegin(), m_samples.cend(), [&](const QPointF &a, const QPointF &b) {
            return std::abs(a.x() - value.x()) < std::abs(b.x() - value.x());
        });
    emit changeClicked(m_ids.at(nearest - m_samples.cbegin()));
}

QPoint StockHistoryChart::samplePosition(int index) const
{
    const QPointF inChart = chart()->mapToPosition(m_samples.at(index), m_markers);
    return mapFromScene(chart()->mapToScene(inChart));
}

void StockHistoryChart::setPlaceholder(const QString &text)
{
    m_sku.clear();
    m_samples.clear();
    m_ids.clear();
    m_series->clear();
    m_markers->clear();
    m_timeAxis->setVisible(false);
    m_stockAxis->setVisible(false);
    chart()->setTitle(text);
    emit historyChanged();
}

void StockHistoryChart::setHistory(const QString &sku, const QList<QPointF> &samples, bool truncated,
                                   const QList<qint64> &ids)
{
    m_sku = sku;
    m_samples = samples;
    m_ids = ids;
    if (samples.isEmpty()) {
        m_series->clear();
        m_markers->clear();
        m_timeAxis->setVisible(false);
        m_stockAxis->setVisible(false);
        chart()->setTitle(tr("%1 has no audit rows yet").arg(sku));
        emit historyChanged();
        return;
    }
    // Each change is a step: the previous level holds until the moment of the change.
    m_steps.clear();
    m_steps.reserve(samples.size() * 2);
    for (qsizetype i = 0; i < samples.size(); ++i) {
        if (i > 0)
            m_steps.append(QPointF(samples.at(i).x(), samples.at(i - 1).y()));
        m_steps.append(samples.at(i));
    }
    m_series->replace(m_steps);
    // Markers on the changes themselves, not on the corners of the steps.
    if (samples.size() <= kMarkerLimit)
        m_markers->replace(samples);
    else
        m_markers->clear();

    const QString count = QLocale().toString(qlonglong(samples.size()));
    chart()->setTitle(truncated ? tr("Stock of %1 — latest %2 changes").arg(sku, count)
                                : tr("Stock of %1 — %2 changes").arg(sku, count));
    m_timeAxis->setVisible(true);
    m_stockAxis->setVisible(true);
    rescale();
    emit historyChanged();
}

void StockHistoryChart::rescale()
{
    qint64 firstMs = qint64(m_samples.constFirst().x());
    qint64 lastMs = qint64(m_samples.constLast().x());
    if (lastMs - firstMs < 100) {
        // A burst faster than the eye: centre it instead of pressing it against the axis.
        firstMs -= 50;
        lastMs += 50;
    }
    const TimeTicks ticks = timeTicks(firstMs, lastMs);
    const auto [lo, hi] =
        std::minmax_element(m_samples.cbegin(), m_samples.cend(),
                            [](const QPointF &a, const QPointF &b) { return a.y() < b.y(); });
    m_timeAxis->setFormat(ticks.format);
    m_timeAxis->setTickCount(std::max(2, ticks.count));
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(ticks.first),
                         QDateTime::fromMSecsSinceEpoch(ticks.last));
    // Stock starts from zero unless it never comes near it, so that small changes stay visible.
    const double lowest = lo->y();
    const double highest = hi->y();
    double low = 0;
    if (lowest < 0)
        low = lowest * 1.08; // only a hand-written audit row can say this; show it rather than clip it
    else if (lowest > 0.5 * highest)
        low = lowest * 0.9;
    const double high = std::max(highest > 0 ? highest * 1.08 : 0.0, low + 5);
    m_stockAxis->setRange(low, high);
    m_stockAxis->applyNiceNumbers();
}

void StockHistoryChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange ||
        event->type() == QEvent::StyleChange)
        applyPalette();
}

void StockHistoryChart::applyPalette()
{
    const QPalette p = palette();
    QChart *c = chart();
    c->setBackgroundBrush(p.base());
    c->setBackgroundPen(Qt::NoPen);
    c->setTitleBrush(p.text());
    QColor grid = p.color(QPalette::Text);
    grid.setAlphaF(0.12);
    for (QAbstractAxis *axis :
         {static_cast<QAbstractAxis *>(m_timeAxis), static_cast<QAbstractAxis *>(m_stockAxis)}) {
        axis->setLabelsBrush(p.text());
        axis->setTitleBrush(p.text());
        axis->setGridLineColor(grid);
        axis->setLinePenColor(p.color(QPalette::Mid));
    }
    QPen pen(p.color(QPalette::Highlight));
    pen.setWidthF(2.0);
    m_series->setPen(pen);
    m_markers->setBrush(p.highlight());
    setBackgroundBrush(p.base());
}
