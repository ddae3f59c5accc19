// ChartAxisScale: round steps of 1, 2 or 5 × 10^n, labels with k and M suffixes and never an
// exponent, and an axis fitted over a range with those ticks whose labels are rebuilt only when
// the fit changes.
#include "chartaxisscale.h"

#include <QCategoryAxis>
#include <QLocale>
#include <QSignalSpy>
#include <QTest>

class TestChartAxisScale : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }
    void niceStep_data();
    void niceStep();
    void tickLabel_data();
    void tickLabel();
    void fitGivesRoundTicksOverTheRange();
    void fitRebuildsLabelsOnlyWhenTheyChange();
};

void TestChartAxisScale::niceStep_data()
{
    QTest::addColumn<double>("range");
    QTest::addColumn<int>("ticks");
    QTest::addColumn<bool>("integer");
    QTest::addColumn<double>("step");
    QTest::newRow("10 in 5") << 10.0 << 5 << false << 2.0;
    QTest::newRow("1 in 4") << 1.0 << 4 << false << 0.5;
    QTest::newRow("7 in 5") << 7.0 << 5 << false << 2.0;
    QTest::newRow("30 in 10") << 30.0 << 10 << false << 5.0;
    QTest::newRow("600 in 8") << 600.0 << 8 << false << 100.0;
    QTest::newRow("2M in 5") << 2e6 << 5 << false << 5e5;
    QTest::newRow("0.03 in 3") << 0.03 << 3 << false << 0.01;
    QTest::newRow("count 3 in 5") << 3.0 << 5 << true << 1.0;
    QTest::newRow("count 12 in 5") << 12.0 << 5 << true << 5.0;
    QTest::newRow("empty range") << 0.0 << 5 << true << 1.0;
}

void TestChartAxisScale::niceStep()
{
    QFETCH(double, range);
    QFETCH(int, ticks);
    QFETCH(bool, integer);
    QFETCH(double, step);
    QCOMPARE(ChartAxisScale::niceStep(range, ticks, integer), step);
}

void TestChartAxisScale::tickLabel_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<double>("step");
    QTest::addColumn<double>("top");
    QTest::addColumn<QString>("label");
    QTest::newRow("zero") << 0.0 << 5e5 << 2e6 << QStringLiteral("0");
    QTest::newRow("millions") << 2e6 << 5e5 << 2e6 << QStringLiteral("2.0M");
    QTest::newRow("whole millions") << 2e6 << 1e6 << 3e6 << QStringLiteral("2M");
    QTest::newRow("thousands") << 1500.0 << 500.0 << 2000.0 << QStringLiteral("1.5k");
    QTest::newRow("small step in thousands") << 1500.0 << 50.0 << 2000.0 << QStringLiteral("1,500");
    QTest::newRow("fractions") << 0.25 << 0.05 << 1.0 << QStringLiteral("0.25");
    QTest::newRow("whole") << 40.0 << 10.0 << 100.0 << QStringLiteral("40");
}

void TestChartAxisScale::tickLabel()
{
    QFETCH(double, value);
    QFETCH(double, step);
    QFETCH(double, top);
    QFETCH(QString, label);
    QCOMPARE(ChartAxisScale::tickLabel(value, step, top), label);
}

void TestChartAxisScale::fitGivesRoundTicksOverTheRange()
{
    QCategoryAxis axis;
    ChartAxisScale scale;
    scale.fit(&axis, 0, 2'100'000, false, 5);
    QCOMPARE(scale.low(), 0.0);
    QCOMPARE(scale.step(), 500'000.0);
    QCOMPARE(scale.high(), 2'500'000.0);
    QCOMPARE(axis.min(), 0.0);
    QCOMPARE(axis.max(), 2'500'000.0);
    const QStringList labels = axis.categoriesLabels();
    QCOMPARE(labels.size(), 6);
    QCOMPARE(labels.front(), QStringLiteral("0"));
    QCOMPARE(labels.back(), QStringLiteral("2.5M"));
    for (const auto &label : labels)
        QVERIFY2(!label.contains(QLatin1Char('e')), qPrintable(label));

    // A range that does not start at zero starts on a tick below it.
    scale.fit(&axis, 999'950, 1'000'010, true, 5);
    QVERIFY(scale.low() <= 999'950 && scale.high() >= 1'000'010);
    QCOMPARE(std::fmod(scale.low(), scale.step()), 0.0);
    QCOMPARE(axis.min(), scale.low());
}

void TestChartAxisScale::fitRebuildsLabelsOnlyWhenTheyChange()
{
    QCategoryAxis axis;
    ChartAxisScale scale;
    scale.fit(&axis, 0, 9, true, 5);
    QSignalSpy changed(&axis, &QCategoryAxis::categoriesChanged);
    scale.fit(&axis, 0, 9.5, true, 5); // the same ticks
    QCOMPARE(changed.count(), 0);
    scale.fit(&axis, 0, 40, true, 5);
    QVERIFY(changed.count() > 0);
    scale.reset();
    changed.clear();
    scale.fit(&axis, 0, 40, true, 5); // forgotten: rebuilt
    QVERIFY(changed.count() > 0);
}

QTEST_MAIN(TestChartAxisScale)
#include "tst_chartaxisscale.moc"
