// The latency histogram's contract: within 1% from 1 µs to 60 s, percentiles from merged counts,
// windows as differences of cumulative copies. (The report's JSON escaping is in tst_simulationreport.)
#include "metrics/latencyhistogram.h"

#include <QTest>

#include <cmath>

using inv::HistogramCounts;
using inv::LatencyHistogram;

class TestLatencyHistogram : public QObject
{
    Q_OBJECT

private slots:
    void relativeErrorUnderOnePercent();
    void percentilesOfKnownValues_data();
    void percentilesOfKnownValues();
    void mergeIsNotAnAverage();
    void windowIsDifferenceOfCumulativeCopies();
};

void TestLatencyHistogram::relativeErrorUnderOnePercent()
{
    double worst = 0;
    int previous = -1;
    for (std::int64_t ns = 1000; ns <= 60'000'000'000; ns += ns / 997 + 1) {
        const int index = LatencyHistogram::indexOf(ns);
        QVERIFY(index >= previous); // buckets are ordered
        previous = index;
        const double error = std::abs(double(LatencyHistogram::valueAt(index)) - double(ns)) / double(ns);
        worst = std::max(worst, error);
    }
    QVERIFY2(worst < 0.01, qPrintable(QString::number(worst)));
    QVERIFY(LatencyHistogram::indexOf(60'000'000'000) < LatencyHistogram::kBuckets);
    QCOMPARE(LatencyHistogram::indexOf(120'000'000'000), LatencyHistogram::indexOf(60'000'000'000));
}

void TestLatencyHistogram::percentilesOfKnownValues_data()
{
    QTest::addColumn<double>("q");
    QTest::addColumn<double>("expectedMs");
    QTest::newRow("p50") << 0.50 << 500.0;
    QTest::newRow("p95") << 0.95 << 950.0;
    QTest::newRow("p99") << 0.99 << 990.0;
    QTest::newRow("max") << 1.0 << 1000.0;
}

void TestLatencyHistogram::percentilesOfKnownValues()
{
    QFETCH(double, q);
    QFETCH(double, expectedMs);
    HistogramCounts h;
    for (int ms = 1; ms <= 1000; ++ms)
        h.record(std::int64_t(ms) * 1'000'000);
    QCOMPARE(h.count(), 1000u);
    QVERIFY2(std::abs(h.percentileMs(q) - expectedMs) / expectedMs < 0.01,
             qPrintable(QString::number(h.percentileMs(q))));
}

void TestLatencyHistogram::mergeIsNotAnAverage()
{
    // Two workers: one fast, one slow. The merged p99 is the slow one's, not the mean of two p99s.
    LatencyHistogram fast, slow;
    for (int i = 0; i < 990; ++i)
        fast.record(1'000'000);
    for (int i = 0; i < 10; ++i)
        slow.record(100'000'000);
    HistogramCounts merged;
    merged.add(fast);
    merged.add(slow);
    QCOMPARE(merged.count(), 1000u);
    QVERIFY(std::abs(merged.percentileMs(0.99) - 1.0) < 0.01);
    QVERIFY(std::abs(merged.percentileMs(0.995) - 100.0) < 1.0);
    QVERIFY(std::abs(merged.maxMs() - 100.0) < 1.0);
}

void TestLatencyHistogram::windowIsDifferenceOfCumulativeCopies()
{
    LatencyHistogram live;
    for (int i = 0; i < 100; ++i)
        live.record(2'000'000);
    HistogramCounts first;
    first.add(live);
    for (int i = 0; i < 50; ++i)
        live.record(8'000'000);
    HistogramCounts second;
    second.add(live);
    const HistogramCounts window = second.since(first);
    QCOMPARE(window.count(), 50u);
    QVERIFY(std::abs(window.percentileMs(0.5) - 8.0) < 0.08);
}

QTEST_APPLESS_MAIN(TestLatencyHistogram)
#include "tst_latencyhistogram.moc"
