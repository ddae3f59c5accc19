// The load agents' records: a run command and a window survive encoding, windows merged bucket by
// bucket give the same percentiles as one histogram of every sample, and bad or hostile records
// (wrong type, truncated histogram, huge numbers, buckets out of order) are refused, never trusted;
// a stale read across agents is counted only when the clocks' uncertainty cannot reorder it.
#include "agents/agentprotocol.h"
#include "agents/crossagentcheck.h"
#include "errors.h"

#include <QTest>

using inv::AgentProtocol::decodeCommand;
using inv::AgentProtocol::decodeRecord;
using inv::AgentProtocol::encode;

class TestAgentProtocol : public QObject
{
    Q_OBJECT

private slots:
    void commandRoundTrips();
    void windowRoundTripsAndMergesExactly();
    void hostileRecordsAreRefused_data();
    void hostileRecordsAreRefused();
    void staleAcrossAgentsNeedsCertainOrder();
};

void TestAgentProtocol::commandRoundTrips()
{
    inv::AgentRunCommand command;
    command.runId = "abc123";
    command.sku = "AGENTS-abc123";
    command.config.strategy = inv::StrategyKind::Locked;
    command.config.connections = 6;
    command.config.stock = 250;
    command.config.buyersRead = false;
    command.shares = {{"a1", 2, 700}, {"a2", 1, 300}};
    command.startAtUs = 1'795'827'352'821'609LL;
    command.coordinator = "host:42";
    const inv::AgentRunCommand back = decodeCommand(encode(command));
    QCOMPARE(back.runId, command.runId);
    QCOMPARE(back.sku, command.sku);
    QCOMPARE(back.config.strategy, inv::StrategyKind::Locked);
    QCOMPARE(back.config.connections, 6);
    QCOMPARE(back.config.stock, 250);
    QVERIFY(!back.config.buyersRead);
    QCOMPARE(back.shares.size(), std::size_t(2));
    QCOMPARE(back.shares[1].agent, std::string("a2"));
    QCOMPARE(back.shares[0].buyers, 700);
    QCOMPARE(back.startAtUs, command.startAtUs);
}

void TestAgentProtocol::windowRoundTripsAndMergesExactly()
{
    // Two agents' windows, merged after the wire, give the percentiles of all their samples at once.
    inv::HistogramCounts all;
    inv::AgentRecord first, second;
    first.kind = second.kind = inv::AgentRecord::Kind::Window;
    first.agent = "a1";
    second.agent = "a2";
    first.beginUs = second.beginUs = 1'795'827'352'000'000LL;
    first.endUs = second.endUs = first.beginUs + 250'000;
    for (int i = 1; i <= 900; ++i) {
        first.latency[0].record(i * 1'000LL);
        all.record(i * 1'000LL);
    }
    for (int i = 1; i <= 100; ++i) {
        second.latency[0].record(i * 50'000LL);
        all.record(i * 50'000LL);
    }
    first.successes = 7;
    first.reads = 900;
    first.hits = 880;
    inv::HistogramCounts merged = decodeRecord(encode(first)).latency[0];
    merged.add(decodeRecord(encode(second)).latency[0]);
    QCOMPARE(merged.count(), all.count());
    for (double q : {0.5, 0.9, 0.99, 0.999})
        QCOMPARE(merged.percentileMs(q), all.percentileMs(q));
    const inv::AgentRecord back = decodeRecord(encode(first));
    QCOMPARE(back.successes, 7LL);
    QCOMPARE(back.hits, 880LL);
    QCOMPARE(back.endUs, first.endUs);
}

void TestAgentProtocol::hostileRecordsAreRefused_data()
{
    QTest::addColumn<QString>("record");
    QTest::addColumn<QString>("why");
    const QString window = QStringLiteral(
        R"({"type":"window","agent":"a1","seq":3,"begin_us":1,"end_us":2,%1"successes":1,"rejections":0,)"
        R"("errors":0,"dropped":0,"reads":5,"hits":4,"lock_busy":0})");
    const QString histograms = QStringLiteral(R"("read":[[3,5]],"purchase":[],"restock":[],)");
    QTest::newRow("not JSON") << QStringLiteral("{\"type\":") << QStringLiteral("not JSON");
    QTest::newRow("not an object") << QStringLiteral("[1,2]") << QStringLiteral("not a JSON object");
    QTest::newRow("unknown type") << QStringLiteral(R"({"type":"reboot","agent":"a1","seq":1})")
                                  << QStringLiteral("unknown type");
    QTest::newRow("wrong field type")
        << window.arg(histograms).replace(QStringLiteral("\"seq\":3"), QStringLiteral("\"seq\":\"3\""))
        << QStringLiteral("'seq' is not an integer");
    QTest::newRow("truncated histogram")
        << window.arg(QStringLiteral(R"("read":[[3]],"purchase":[],"restock":[],)"))
        << QStringLiteral("[index, count]");
    QTest::newRow("missing histogram")
        << window.arg(QStringLiteral(R"("read":[],"purchase":[],)")) << QStringLiteral("no field 'restock'");
    QTest::newRow("bucket out of range")
        << window.arg(QStringLiteral(R"("read":[[99999,1]],"purchase":[],"restock":[],)"))
        << QStringLiteral("out of order or range");
    QTest::newRow("buckets out of order")
        << window.arg(QStringLiteral(R"("read":[[5,1],[4,1]],"purchase":[],"restock":[],)"))
        << QStringLiteral("out of order or range");
    QTest::newRow("huge count") << window.arg(QStringLiteral(
                                       R"("read":[[5,99999999999999999]],"purchase":[],"restock":[],)"))
                                << QStringLiteral("out of range");
    QTest::newRow("negative count") << window.arg(
                                           QStringLiteral(R"("read":[[5,-1]],"purchase":[],"restock":[],)"))
                                    << QStringLiteral("out of range");
    QTest::newRow("huge successes") << window.arg(histograms)
                                           .replace(QStringLiteral("\"successes\":1"),
                                                    QStringLiteral("\"successes\":1e300"))
                                    << QStringLiteral("'successes' is not an integer");
    QTest::newRow("more hits than reads")
        << window.arg(histograms).replace(QStringLiteral("\"hits\":4"), QStringLiteral("\"hits\":6"))
        << QStringLiteral("'hits' is out of range");
    QTest::newRow("window ends before it begins")
        << window.arg(histograms).replace(QStringLiteral("\"begin_us\":1"), QStringLiteral("\"begin_us\":9"))
        << QStringLiteral("'end_us' is out of range");
    QTest::newRow("long agent name") << QStringLiteral(
                                            R"({"type":"failed","agent":"%1","seq":1,"message":"x"})")
                                            .arg(QString(300, QLatin1Char('a')))
                                     << QStringLiteral("longer than");
}

void TestAgentProtocol::hostileRecordsAreRefused()
{
    QFETCH(QString, record);
    QFETCH(QString, why);
    try {
        decodeRecord(record.toStdString());
        QFAIL("accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(why), e.what());
    }
}

void TestAgentProtocol::staleAcrossAgentsNeedsCertainOrder()
{
    // a1 acknowledges version 5 of key 0 at t = 1000 µs; its clock is known to 100 µs, a2's to 50.
    inv::CrossAgentCheck check;
    check.setUncertainty("a1", 100);
    check.setUncertainty("a2", 50);
    check.add("a1", {}, {{0, 5, 1000}});
    // a2 reads version 4: well after the write (stale), inside the 150 µs margin (undecided), and
    // before it (fine); a read of version 5 is never stale; a read of another key is not either.
    check.add("a2", {{0, 4, 1200}, {0, 4, 1100}, {0, 4, 800}, {0, 5, 5000}, {1, 0, 5000}}, {});
    // a1's own read 1 µs after its own write: one clock, so certainly stale.
    check.add("a1", {{0, 4, 1001}}, {});
    const auto result = check.finish();
    QCOMPARE(result.checkedReads, 6LL);
    QCOMPARE(result.stale, 2LL);
    QCOMPARE(result.undecided, 1LL);
}

QTEST_GUILESS_MAIN(TestAgentProtocol)
#include "tst_agentprotocol.moc"
