// SweepRange and SweepResult without services: the forms --sweep accepts, the values each runs,
// and which steps make the knee.
#include "errors.h"
#include "sim/sweepresult.h"

#include <QTest>

#include <vector>

class TestSweepRange : public QObject
{
    Q_OBJECT

private slots:
    void values_data();
    void values();
    void refusesBadForms_data();
    void refusesBadForms();
    void kneeIsTheFirstFailure();
};

void TestSweepRange::values_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<std::vector<double>>("expected");
    QTest::newRow("doubling") << QStringLiteral("rate=200..3200")
                              << std::vector<double>{200, 400, 800, 1600, 3200};
    QTest::newRow("connections") << QStringLiteral("connections=1..64")
                                 << std::vector<double>{1, 2, 4, 8, 16, 32, 64};
    QTest::newRow("not a power of two") << QStringLiteral("rate=1000..40000")
                                        << std::vector<double>{1000, 1849, 3420, 6325, 11696, 21630, 40000};
    QTest::newRow("explicit count") << QStringLiteral("rate=100..400:3")
                                    << std::vector<double>{100, 200, 400};
    // Whole connections: repeats are dropped rather than run twice.
    QTest::newRow("no repeats") << QStringLiteral("connections=1..3:5") << std::vector<double>{1, 2, 3};
}

void TestSweepRange::values()
{
    QFETCH(QString, text);
    QFETCH(std::vector<double>, expected);
    QCOMPARE(inv::SweepRange::parse(text.toStdString()).values(), expected);
}

void TestSweepRange::refusesBadForms_data()
{
    QTest::addColumn<QString>("text");
    for (const char *bad :
         {"", "rate", "rate=", "rate=10", "rate=10..", "rate=..10", "rate=10..5", "rate=5..5", "rate=0..10",
          "rate=1.5..10", "rate=1..10:1", "rate=1..10:51", "rate=1..10:x", "servers=1..4",
          "connections=1..65", "rate=1..2000000", "rate= 1..10"})
        QTest::newRow(bad) << QString::fromLatin1(bad);
}

void TestSweepRange::refusesBadForms()
{
    QFETCH(QString, text);
    try {
        inv::SweepRange::parse(text.toStdString());
        QFAIL("accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("rate=FROM..TO or connections=FROM..TO")),
                 e.what());
    }
}

void TestSweepRange::kneeIsTheFirstFailure()
{
    inv::SweepResult result;
    result.range = inv::SweepRange::parse("rate=100..800");
    QCOMPARE(result.kneeText().substr(0, 17), std::string("knee: not reached"));
    for (double value : {100.0, 200.0, 400.0}) {
        inv::SweepStep step;
        step.value = step.offeredRps = value;
        step.pass = value < 400;
        step.failure = step.pass ? "" : "read_p99_ms 7 > 5";
        result.steps.push_back(step);
    }
    QCOMPARE(result.lastPass(), std::optional<std::size_t>(1));
    QCOMPARE(result.firstFail(), std::optional<std::size_t>(2));
    QCOMPARE(result.kneeText(), std::string("knee: between rate 200 req/s (passed every SLO) and 400 req/s "
                                            "(read_p99_ms 7 > 5)"));
    result.steps.erase(result.steps.begin(), result.steps.begin() + 2);
    QVERIFY(!result.lastPass());
    QCOMPARE(result.kneeText().substr(0, 22), std::string("knee: below rate 400 r"));
}

QTEST_GUILESS_MAIN(TestSweepRange)
#include "tst_sweeprange.moc"
