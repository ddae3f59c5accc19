// SweepReference without services: the reference file run_benchmarks.sh writes is read back as it
// was measured (a percentile the tool did not report stays empty), and every malformed file is
// refused with a message that names the entry and the field.
#include "errors.h"
#include "sim/sweepreference.h"
#include "sim/sweepresult.h"

#include <QTest>

class TestSweepReference : public QObject
{
    Q_OBJECT

private slots:
    void readsWhatWasMeasured();
    void refusesMalformedFiles_data();
    void refusesMalformedFiles();
    void missingFileIsRefused();
    void sweepReportListsThem();
};

namespace {
const char *const kGood = R"({"references": [
  {"tool": "redis-benchmark", "workload": "GET of 1,000 keys", "clients": 16, "throughput_rps": 61230.5,
   "latency_ms": {"p50": 0.2, "p99": 0.45}, "command": "redis-benchmark -t get -c 16"},
  {"tool": "pgbench", "workload": "the purchase statement", "clients": 64, "throughput_rps": 9000}
]})";
} // namespace

void TestSweepReference::readsWhatWasMeasured()
{
    const auto references = inv::SweepReference::parse(kGood, "good.json");
    QCOMPARE(references.size(), std::size_t(2));
    QCOMPARE(references[0].tool, std::string("redis-benchmark"));
    QCOMPARE(references[0].label(), std::string("redis-benchmark GET of 1,000 keys"));
    QCOMPARE(references[0].clients, 16);
    QCOMPARE(references[0].throughputRps, 61230.5);
    QCOMPARE(references[0].p50Ms, std::optional<double>(0.2));
    QCOMPARE(references[0].p99Ms, std::optional<double>(0.45));
    QCOMPARE(
        references[0].summary(),
        std::string("redis-benchmark GET of 1,000 keys, 16 clients: 61230 req/s, p50 0.20 ms, p99 0.45 ms"));
    // pgbench reports no percentiles here: none is made up.
    QVERIFY(!references[1].p50Ms && !references[1].p99Ms);
    QCOMPARE(references[1].summary(), std::string("pgbench the purchase statement, 64 clients: 9000 req/s"));
    // Written back, the file reads the same.
    const auto again = inv::SweepReference::parse(inv::SweepReference::toJson(references), "again");
    QCOMPARE(again.size(), references.size());
    QCOMPARE(again[0].command, references[0].command);
    QCOMPARE(again[1].throughputRps, references[1].throughputRps);
}

void TestSweepReference::refusesMalformedFiles_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("why");
    QTest::newRow("not JSON") << QStringLiteral("{references") << QStringLiteral("not JSON");
    QTest::newRow("empty file") << QString() << QStringLiteral("not JSON");
    QTest::newRow("no list") << QStringLiteral(R"({"refs": []})")
                             << QStringLiteral("no \"references\" array");
    QTest::newRow("a list alone") << QStringLiteral("[]") << QStringLiteral("no \"references\" array");
    QTest::newRow("empty list") << QStringLiteral(R"({"references": []})") << QStringLiteral("is empty");
    QTest::newRow("entry not an object")
        << QStringLiteral(R"({"references": [3]})") << QStringLiteral("entry 1: not an object");
    QTest::newRow("no tool") << QStringLiteral(R"({"references": [{"clients": 1, "throughput_rps": 5}]})")
                             << QStringLiteral("entry 1: no \"tool\"");
    QTest::newRow("unknown key")
        << QStringLiteral(R"({"references": [{"tool": "x", "clients": 1, "throughput_rps": 5, "p99": 1}]})")
        << QStringLiteral("unknown key \"p99\"");
    QTest::newRow("no clients") << QStringLiteral(R"({"references": [{"tool": "x", "throughput_rps": 5}]})")
                                << QStringLiteral("\"clients\" must be a whole number");
    QTest::newRow("fractional clients")
        << QStringLiteral(R"({"references": [{"tool": "x", "clients": 1.5, "throughput_rps": 5}]})")
        << QStringLiteral("\"clients\" must be a whole number");
    QTest::newRow("second entry, zero throughput")
        << QStringLiteral(R"({"references": [{"tool": "x", "clients": 1, "throughput_rps": 5},
                                             {"tool": "y", "clients": 2, "throughput_rps": 0}]})")
        << QStringLiteral("entry 2: \"throughput_rps\" must be a number above 0");
    QTest::newRow("throughput as text")
        << QStringLiteral(R"({"references": [{"tool": "x", "clients": 1, "throughput_rps": "5"}]})")
        << QStringLiteral("\"throughput_rps\" must be a number above 0");
    QTest::newRow("negative p99")
        << QStringLiteral(
               R"({"references": [{"tool": "x", "clients": 1, "throughput_rps": 5, "latency_ms": {"p99": -1}}]})")
        << QStringLiteral("latency_ms.p99 must be a number");
    QTest::newRow("p50 above p99")
        << QStringLiteral(
               R"({"references": [{"tool": "x", "clients": 1, "throughput_rps": 5, "latency_ms": {"p50": 2, "p99": 1}}]})")
        << QStringLiteral("p50 is above p99");
    QTest::newRow("a percentile not drawn")
        << QStringLiteral(
               R"({"references": [{"tool": "x", "clients": 1, "throughput_rps": 5, "latency_ms": {"p95": 1}}]})")
        << QStringLiteral("only p50 and p99");
}

void TestSweepReference::refusesMalformedFiles()
{
    QFETCH(QString, text);
    QFETCH(QString, why);
    try {
        inv::SweepReference::parse(text.toStdString(), "refs.json");
        QFAIL("accepted");
    } catch (const inv::InvalidInput &e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.startsWith(QLatin1String("invalid --reference 'refs.json': ")), e.what());
        QVERIFY2(message.contains(why), e.what());
        // Every refusal shows what a good file looks like.
        QVERIFY2(message.contains(QLatin1String("run_benchmarks.sh writes it")), e.what());
    }
}

void TestSweepReference::missingFileIsRefused()
{
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, inv::SweepReference::load("/nonexistent/refs.json"));
}

void TestSweepReference::sweepReportListsThem()
{
    inv::SweepResult result;
    result.range = inv::SweepRange::parse("connections=1..4");
    result.references = inv::SweepReference::parse(kGood, "good.json");
    const std::string table = result.humanSummary();
    QVERIFY2(table.find("reference (measured, closed loop): pgbench the purchase statement, 64 clients") !=
                 std::string::npos,
             table.c_str());
    const std::string json = result.toJson();
    QVERIFY2(json.find("\"references\"") != std::string::npos, json.c_str());
    QVERIFY2(json.find("\"throughput_rps\": 61230.5") != std::string::npos, json.c_str());
}

QTEST_GUILESS_MAIN(TestSweepReference)
#include "tst_sweepreference.moc"
