// SweepRange and SweepResult without services: the forms --sweep accepts, the values each runs,
// how a step's connections are spread over the servers, and which steps make the knee.
#include "errors.h"
#include "sim/loadsweep.h"
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
    void connectionsSpreadOverTheServers_data();
    void connectionsSpreadOverTheServers();
    void refusesMoreThan64ConnectionsAServer();
    void kneeIsTheFirstFailure();
};

void TestSweepRange::values_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<std::vector<double>>("expected");
    QTest::newRow("doubling") << QStringLiteral("rate=200..3200")
                              << std::vector<double>{200, 400, 800, 1600, 3200};
    QTest::newRow("connections") << QStringLiteral("connections=1..128")
                                 << std::vector<double>{1, 2, 4, 8, 16, 32, 64, 128};
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
          "connections=1..361", "rate=1..2000000", "rate= 1..10"})
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

void TestSweepRange::connectionsSpreadOverTheServers_data()
{
    QTest::addColumn<int>("total");
    QTest::addColumn<std::vector<int>>("perServer");
    // Fewer connections than servers: as many servers as connections, one each.
    QTest::newRow("1") << 1 << std::vector<int>{1};
    QTest::newRow("3") << 3 << std::vector<int>{1, 1, 1};
    QTest::newRow("11: the first servers take one more") << 11 << std::vector<int>{3, 3, 3, 2};
    QTest::newRow("128") << 128 << std::vector<int>{32, 32, 32, 32};
    QTest::newRow("256: 64 each") << 256 << std::vector<int>{64, 64, 64, 64};
}

void TestSweepRange::connectionsSpreadOverTheServers()
{
    QFETCH(int, total);
    QFETCH(std::vector<int>, perServer);
    inv::SimulationConfig base;
    base.scenario = inv::ScenarioKind::Mixed;
    base.servers = 4;
    const inv::LoadSweep sweep(base, inv::SweepRange::parse("connections=1..256"));
    const inv::SimulationConfig config = sweep.configFor(total);
    config.validate();
    QCOMPARE(config.servers, static_cast<int>(perServer.size()));
    std::vector<int> spread;
    for (int i = 0; i < config.servers; ++i)
        spread.push_back(config.connectionsOf(i));
    QCOMPARE(spread, perServer);
    QCOMPARE(config.connectionCount(), total);
    QCOMPARE(config.connections, perServer.front());
}

void TestSweepRange::refusesMoreThan64ConnectionsAServer()
{
    inv::SimulationConfig base;
    base.scenario = inv::ScenarioKind::Mixed;
    base.servers = 1;
    // 128 connections on one server: every step is checked before the first runs.
    try {
        inv::LoadSweep(base, inv::SweepRange::parse("connections=1..128")).validate();
        QFAIL("accepted 128 connections on one server");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("at most 64 each")), e.what());
    }
    base.servers = 2;
    inv::LoadSweep(base, inv::SweepRange::parse("connections=1..128")).validate();
    // And PostgreSQL's limit: 361 in all is refused even over 8 servers.
    base.servers = 8;
    inv::SimulationConfig tooMany = base;
    tooMany.spreadConnections(361, 8);
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, tooMany.validate());
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
