// Round scales for chart axes: ticks on 1, 2 or 5 × 10^n, labels with k and M suffixes rather than
// exponents, and an axis fitted over a range with those ticks. The static functions are pure; an
// instance remembers the last fit of one axis so that its labels are rebuilt only when they change.
// GUI thread only for fit(), any thread for the rest.
#pragma once

#include <QString>

class QCategoryAxis;

class ChartAxisScale
{
public:
    // A round step (1, 2 or 5 × 10^n) that cuts `range` into at most `ticks` intervals; at least 1
    // when `integer`.
    static double niceStep(double range, int ticks, bool integer);
    // "1.5k", "2M", "0.25", "999,999": a suffix when the step allows it, never an exponent. `top` is
    // the largest value on the axis, which decides the suffix for every label.
    static QString tickLabel(double value, double step, double top);

    // Gives `axis` round ticks over [low, high], rebuilding its labels only when they change.
    void fit(QCategoryAxis *axis, double low, double high, bool integer, int ticks = 5);
    // Forgets the last fit: the next fit() rebuilds the labels.
    void reset() { *this = {}; }

    double low() const { return m_low; }
    double high() const { return m_high; }
    double step() const { return m_step; }

private:
    double m_low = 0, m_high = -1, m_step = 0;
};
