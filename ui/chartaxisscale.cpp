#include "chartaxisscale.h"

#include <QCategoryAxis>
#include <QLocale>

#include <algorithm>
#include <cmath>

double ChartAxisScale::niceStep(double range, int ticks, bool integer)
{
    const double raw = std::max(range, 1e-9) / std::max(1, ticks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * magnitude;
    for (double m : {1.0, 2.0, 5.0})
        if (m * magnitude >= raw * (1 - 1e-9)) {
            step = m * magnitude;
            break;
        }
    return integer ? std::max(1.0, std::round(step)) : step;
}

QString ChartAxisScale::tickLabel(double value, double step, double top)
{
    const QLocale locale;
    if (std::abs(value) < step * 1e-6)
        return QStringLiteral("0");
    const auto decimals = [](double s) {
        return std::max(0, static_cast<int>(std::ceil(-std::log10(s) - 1e-9)));
    };
    if (std::abs(top) >= 1e6 && step >= 1e5)
        return locale.toString(value / 1e6, 'f', decimals(step / 1e6)) + QLatin1Char('M');
    if (std::abs(top) >= 1e3 && step >= 100)
        return locale.toString(value / 1e3, 'f', decimals(step / 1e3)) + QLatin1Char('k');
    return locale.toString(value, 'f', step >= 1 ? 0 : decimals(step));
}

void ChartAxisScale::fit(QCategoryAxis *axis, double low, double high, bool integer, int ticks)
{
    if (!(high > low))
        high = low + 1;
    const double step = niceStep(high - low, ticks, integer);
    const double lo = std::floor(low / step + 1e-9) * step;
    double hi = std::ceil(high / step - 1e-9) * step;
    if (hi <= lo)
        hi = lo + step;
    if (lo != m_low || hi != m_high || step != m_step) {
        m_low = lo;
        m_high = hi;
        m_step = step;
        for (const QString &label : axis->categoriesLabels())
            axis->remove(label);
        axis->setStartValue(lo);
        const int count = static_cast<int>(std::llround((hi - lo) / step));
        for (int i = 0; i <= count; ++i)
            axis->append(tickLabel(lo + i * step, step, hi), lo + i * step);
    }
    if (axis->min() != lo || axis->max() != hi)
        axis->setRange(lo, hi);
}
