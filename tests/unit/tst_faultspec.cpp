// FaultSpec: simulate --fault KIND@START[+DURATION] takes times as k6 and Go write them, decimals
// included, refuses what is not a whole millisecond or is beyond a day, and writes each spec back in
// a form that parses to the same fault.
#include "errors.h"
#include "sim/faultspec.h"

#include <QTest>

using inv::FaultKind;
using inv::FaultSpec;
using namespace Qt::StringLiterals;

class TestFaultSpec : public QObject
{
    Q_OBJECT

private slots:
    void parsesTimes_data();
    void parsesTimes();
    void refusesWhatCannotBeScheduled_data();
    void refusesWhatCannotBeScheduled();
};

void TestFaultSpec::parsesTimes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("startMs");
    QTest::addColumn<qint64>("durationMs");
    QTest::addColumn<QString>("written");
    QTest::newRow("whole") << u"redis-pause@3s+2s"_s << qint64(3000) << qint64(2000)
                           << u"redis-pause@3s+2s"_s;
    QTest::newRow("decimal seconds") << u"redis-client-pause@0.5s+0.5s"_s << qint64(500) << qint64(500)
                                     << u"redis-client-pause@500ms+500ms"_s;
    QTest::newRow("1.5s") << u"redis-pause@1.5s+1.25s"_s << qint64(1500) << qint64(1250)
                          << u"redis-pause@1.5s+1.25s"_s;
    QTest::newRow("milliseconds") << u"pg-terminate@250ms+1500ms"_s << qint64(250) << qint64(1500)
                                  << u"pg-terminate@250ms+1.5s"_s;
    QTest::newRow("minutes") << u"pg-restart@0.5m+2m"_s << qint64(30000) << qint64(120000)
                             << u"pg-restart@30s+120s"_s;
    QTest::newRow("trailing zeros") << u"redis-kill@1.500000000000s"_s << qint64(1500) << qint64(0)
                                    << u"redis-kill@1.5s"_s;
    QTest::newRow("a millisecond") << u"redis-kill@0.001s+1.001s"_s << qint64(1) << qint64(1001)
                                   << u"redis-kill@1ms+1.001s"_s;
    QTest::newRow("a day") << u"redis-pause@1440m+86400.000s"_s << qint64(86400000) << qint64(86400000)
                           << u"redis-pause@86400s+86400s"_s;
    QTest::newRow("leading zeros") << u"redis-pause@00000000000002s"_s << qint64(2000) << qint64(0)
                                   << u"redis-pause@2s"_s;
}

void TestFaultSpec::parsesTimes()
{
    QFETCH(QString, text);
    QFETCH(qint64, startMs);
    QFETCH(qint64, durationMs);
    QFETCH(QString, written);
    const FaultSpec spec = FaultSpec::parse(text.toStdString());
    QCOMPARE(qint64(spec.start.count()), startMs);
    QCOMPARE(qint64(spec.duration.count()), durationMs);
    QCOMPARE(QString::fromStdString(spec.text()), written);
    const FaultSpec again = FaultSpec::parse(spec.text());
    QCOMPARE(again.start, spec.start);
    QCOMPARE(again.duration, spec.duration);
}

void TestFaultSpec::refusesWhatCannotBeScheduled_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString notWhole = u"is not a whole number of milliseconds"_s;
    const QString shape = u"must be a number with a unit, ms, s or m (e.g. 250ms, 1.5s, 2m)"_s;
    QTest::newRow("half a millisecond") << u"redis-pause@0.0005s"_s << notWhole;
    QTest::newRow("1.5ms") << u"redis-pause@1s+1.5ms"_s << notWhole;
    QTest::newRow("long fraction") << u"redis-pause@1.0000000001s"_s << notWhole;
    QTest::newRow("no unit") << u"redis-pause@1.5"_s << shape;
    QTest::newRow("hours") << u"redis-pause@1h"_s << shape;
    QTest::newRow("no digits after the point") << u"redis-pause@1.s"_s << shape;
    QTest::newRow("no digits before the point") << u"redis-pause@.5s"_s << shape;
    QTest::newRow("two points") << u"redis-pause@1.2.3s"_s << shape;
    QTest::newRow("negative") << u"redis-pause@-1s"_s << shape;
    QTest::newRow("beyond a day") << u"redis-pause@86400.001s"_s << u"must be at most 86400s (a day)"_s;
    QTest::newRow("far beyond") << u"redis-pause@1s+99999999999m"_s << u"must be at most 86400s (a day)"_s;
    QTest::newRow("zero duration") << u"redis-pause@1s+0.0s"_s << u"a duration must be above 0"_s;
}

void TestFaultSpec::refusesWhatCannotBeScheduled()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    try {
        FaultSpec::parse(text.toStdString());
        QFAIL("accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
    }
}

QTEST_APPLESS_MAIN(TestFaultSpec)
#include "tst_faultspec.moc"
