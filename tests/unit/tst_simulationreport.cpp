// The report's verdicts without the services: correctness and performance SLOs are judged apart,
// a stopped run has neither, the host-saturation note explains only a timing SLO that failed, and
// the JSON (nlohmann-json) escapes what the servers' messages hold and keeps every key.
#include "sim/simulationreport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using inv::SimulationReport;
using inv::SloCategory;

namespace {
// A flash sale that passed every default SLO.
SimulationReport goodFlashSale()
{
    SimulationReport r;
    r.config.scenario = inv::ScenarioKind::FlashSale;
    r.config.strategy = inv::StrategyKind::Versioned;
    r.durationSeconds = 2.14;
    r.ledgerOk = true;
    r.divergentKeysAtEnd = 0;
    r.read.p99 = 1.5;
    r.hostLoad.cores = 2;
    r.hostLoad.loadMax = 0.5;
    r.hostLoad.busyCores = 0.6;
    r.hostLoad.ownCores = 0.4;
    r.hostLoad.serverCores = 0.1;
    r.evaluateSlos();
    return r;
}

QJsonObject parsed(const SimulationReport &r)
{
    QJsonParseError error;
    const auto document = QJsonDocument::fromJson(QByteArray::fromStdString(r.toJson()), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("%s", qPrintable(error.errorString()));
    return document.object();
}
} // namespace

class TestSimulationReport : public QObject
{
    Q_OBJECT

private slots:
    void categories_data();
    void categories();
    void correctAndFast();
    void correctButSlow();
    void slowOnABusyHostSaysSo();
    void busyHostIsNoExcuseForWrongAnswers();
    void wrong();
    void unmeasuredIsUnknownNotWrong();
    void stoppedHasNoVerdict();
    void jsonEscapesEverything();
    void eventsAndOperationsAreWritten();
    void longLinesAreWhole();
    void combiningIsReported();
};

void TestSimulationReport::categories_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("correctness");
    for (const char *n :
         {"oversold", "ledger_ok", "stale_reads", "divergent_keys", "errors", "write_visibility_regressions"})
        QTest::newRow(n) << QString::fromLatin1(n) << true;
    for (const char *n : {"read_p99_ms", "write_visibility_p99_ms", "throughput_rps", "cache_hit_rate",
                          "dropped", "db_fills_per_key"})
        QTest::newRow(n) << QString::fromLatin1(n) << false;
}

void TestSimulationReport::categories()
{
    QFETCH(QString, name);
    QFETCH(bool, correctness);
    QCOMPARE(inv::Slo::categoryOf(name.toStdString()) == SloCategory::Correctness, correctness);
    // Every name --slo accepts has a category row above.
    const auto names = SimulationReport::sloNames();
    QVERIFY(std::find(names.begin(), names.end(), name.toStdString()) != names.end());
    QCOMPARE(names.size(), std::size_t(12));
}

void TestSimulationReport::correctAndFast()
{
    const SimulationReport r = goodFlashSale();
    QCOMPARE(r.correct(), std::optional<bool>(true));
    QCOMPARE(r.performant(), std::optional<bool>(true));
    QVERIFY(r.allSlosPass());
    QCOMPARE(r.verdictHeadline(), std::string("correct: yes; performant: yes"));
    const QJsonObject o = parsed(r);
    QCOMPARE(o.value(QLatin1String("correct")), QJsonValue(true));
    QCOMPARE(o.value(QLatin1String("performant")), QJsonValue(true));
    QVERIFY(o.value(QLatin1String("verdict_note")).isNull());
}

void TestSimulationReport::correctButSlow()
{
    SimulationReport r = goodFlashSale();
    r.read.p99 = 10.9;
    r.evaluateSlos();
    QCOMPARE(r.correct(), std::optional<bool>(true));
    QCOMPARE(r.performant(), std::optional<bool>(false));
    QVERIFY(!r.allSlosPass());
    QCOMPARE(r.verdictHeadline(), std::string("correct: yes; performant: no (read_p99_ms 10.9 > 5)"));
    QVERIFY(r.verdictNote.empty()); // 0.6 of 2 cores busy: the design, not the host
    QVERIFY(QString::fromStdString(r.humanSummary())
                .endsWith(QLatin1String("correct: yes; performant: no (read_p99_ms 10.9 > 5)\n")));
}

void TestSimulationReport::slowOnABusyHostSaysSo()
{
    SimulationReport r = goodFlashSale();
    r.read.p99 = 10.9;
    r.hostLoad.loadMax = 6.2;
    r.hostLoad.busyCores = 1.95;
    r.hostLoad.ownCores = 0.15;
    r.hostLoad.serverCores = 0.1;
    r.evaluateSlos();
    const std::string note =
        "host saturated by other processes: 1.9 of 2 cores busy, 1.7 outside this run, 0.2 "
        "this process and the postgres and redis-server processes";
    QCOMPARE(r.verdictNote, note);
    QCOMPARE(r.verdictHeadline(), "correct: yes; performant: no (read_p99_ms 10.9 > 5, " + note + ")");
    const QJsonObject o = parsed(r);
    QCOMPARE(o.value(QLatin1String("verdict_note")).toString(), QString::fromStdString(note));
    const QJsonObject host = o.value(QLatin1String("host")).toObject();
    QCOMPARE(host.value(QLatin1String("cores")).toInt(), 2);
    QCOMPARE(host.value(QLatin1String("load_avg_max")).toDouble(), 6.2);
    QCOMPARE(host.value(QLatin1String("cpu_busy_cores")).toDouble(), 1.95);
    QCOMPARE(host.value(QLatin1String("cpu_own_cores")).toDouble(), 0.15);
    QCOMPARE(host.value(QLatin1String("cpu_server_cores")).toDouble(), 0.1);
    QCOMPARE(host.value(QLatin1String("saturated_by")).toString(), QStringLiteral("other-processes"));
    // The run's own load is named as such: the machine's capacity, not someone else's work.
    r.hostLoad.ownCores = 1.2;
    r.hostLoad.serverCores = 0.6;
    r.evaluateSlos();
    QVERIFY2(r.verdictNote.starts_with("host saturated by this run: 1.9 of 2 cores busy, 1.8 this process"),
             r.verdictNote.c_str());
    QCOMPARE(
        parsed(r).value(QLatin1String("host")).toObject().value(QLatin1String("saturated_by")).toString(),
        QStringLiteral("this-run"));
    // A high load average from threads waiting on commits, with the cores half idle, is no excuse.
    r.hostLoad.busyCores = 1.0;
    r.evaluateSlos();
    QVERIFY(r.verdictNote.empty());
    QVERIFY(parsed(r).value(QLatin1String("host")).toObject().value(QLatin1String("saturated_by")).isNull());
}

void TestSimulationReport::busyHostIsNoExcuseForWrongAnswers()
{
    // A saturated host explains latency, never a stale read: with every timing SLO met, no note.
    SimulationReport r = goodFlashSale();
    r.staleReads = 3;
    r.hostLoad.loadMax = 6.2;
    r.hostLoad.busyCores = 2.0;
    r.evaluateSlos();
    QCOMPARE(r.correct(), std::optional<bool>(false));
    QCOMPARE(r.performant(), std::optional<bool>(true));
    QVERIFY(r.verdictNote.empty());
}

void TestSimulationReport::wrong()
{
    SimulationReport r = goodFlashSale();
    r.staleReads = 12;
    r.divergentKeysAtEnd.reset();
    r.ledgerOk = false;
    r.evaluateSlos();
    QCOMPARE(r.correct(), std::optional<bool>(false));
    QCOMPARE(r.performant(), std::optional<bool>(true));
    QCOMPARE(r.verdictHeadline(), std::string("correct: no (ledger does not reconcile, stale_reads 12 > 0, "
                                              "divergent_keys unknown); performant: yes"));
    const QJsonObject o = parsed(r);
    QCOMPARE(o.value(QLatin1String("correct")), QJsonValue(false));
    for (const auto &v : o.value(QLatin1String("slo")).toArray()) {
        const QJsonObject s = v.toObject();
        const bool correctness =
            inv::Slo::categoryOf(s.value(QLatin1String("name")).toString().toStdString()) ==
            SloCategory::Correctness;
        QCOMPARE(s.value(QLatin1String("category")).toString(),
                 correctness ? QStringLiteral("correctness") : QStringLiteral("performance"));
    }
}

void TestSimulationReport::unmeasuredIsUnknownNotWrong()
{
    // The cache could not be read at the end (Redis down all along): divergent_keys is unknown, and
    // with nothing known to fail, so is the verdict. Not a pass either: the exit code stays 1.
    SimulationReport r = goodFlashSale();
    r.divergentKeysAtEnd.reset();
    r.evaluateSlos();
    QCOMPARE(r.correct(), std::nullopt);
    QCOMPARE(r.performant(), std::optional<bool>(true));
    QVERIFY(!r.allSlosPass());
    QCOMPARE(r.verdictHeadline(), std::string("correct: unknown (divergent_keys unknown); performant: yes"));
    const QJsonObject o = parsed(r);
    QVERIFY(o.contains(QLatin1String("correct")) && o.value(QLatin1String("correct")).isNull());
    QCOMPARE(o.value(QLatin1String("performant")), QJsonValue(true));
}

void TestSimulationReport::stoppedHasNoVerdict()
{
    SimulationReport r = goodFlashSale();
    r.stoppedEarly = true;
    r.read.p99 = 10.9;
    r.evaluateSlos();
    QCOMPARE(r.correct(), std::nullopt);
    QCOMPARE(r.performant(), std::nullopt);
    QVERIFY(!r.allSlosPass());
    QCOMPARE(r.verdictHeadline(), std::string("stopped after 2.1 s: partial results, no verdict"));
    const QJsonObject o = parsed(r);
    QVERIFY(o.value(QLatin1String("stopped")).toBool());
    QVERIFY(o.value(QLatin1String("correct")).isNull());
    QVERIFY(o.value(QLatin1String("performant")).isNull());
    QVERIFY(o.contains(QLatin1String("correct")) && o.contains(QLatin1String("performant")));
    for (const auto &s : o.value(QLatin1String("slo")).toArray())
        QVERIFY(s.toObject().value(QLatin1String("pass")).isNull());
}

void TestSimulationReport::jsonEscapesEverything()
{
    SimulationReport r = goodFlashSale();
    r.errorSamples.push_back("quote \" backslash \\ newline \n tab \t bell \x07 é");
    r.errorSamples.push_back("not UTF-8: \xff\xfe end");
    r.read.p50 = std::nan("");
    r.write.max = INFINITY;
    r.finalCacheStock.reset();
    const QJsonObject o = parsed(r);
    QVERIFY(!o.isEmpty());
    const QJsonArray samples = o.value(QLatin1String("error_samples")).toArray();
    QCOMPARE(samples.size(), 2);
    QCOMPARE(samples.at(0).toString(),
             QString::fromUtf8("quote \" backslash \\ newline \n tab \t bell \x07 é"));
    QVERIFY(samples.at(1).toString().startsWith(QLatin1String("not UTF-8: ")));
    QVERIFY(samples.at(1).toString().endsWith(QLatin1String(" end")));
    const QJsonObject read =
        o.value(QLatin1String("latency_ms")).toObject().value(QLatin1String("read")).toObject();
    QVERIFY(read.value(QLatin1String("p50")).isNull());
    QVERIFY(o.value(QLatin1String("final_cache_stock")).isNull());
    // Keys keep the order docs/ARCHITECTURE.md lists them in: scenario first, timeline last.
    const std::string text = r.toJson();
    QVERIFY(text.find("\"scenario\"") < text.find("\"strategy\""));
    QVERIFY(text.find("\"slo\"") < text.find("\"timeline\""));
    QVERIFY(text.back() == '\n');
}

void TestSimulationReport::eventsAndOperationsAreWritten()
{
    SimulationReport r = goodFlashSale();
    r.events = {{0.0, "load starts"}, {0.75, "sold out"}};
    inv::OperationStats purchase;
    purchase.name = "purchase";
    purchase.latency = {1, 2, 3, 4, 100};
    purchase.ratePerSecond = 50;
    purchase.refused = 70;
    purchase.failures = 2;
    r.operations = {purchase};
    const QJsonObject o = parsed(r);
    const QJsonArray events = o.value(QLatin1String("events")).toArray();
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(1).toObject().value(QLatin1String("t")).toDouble(), 0.75);
    QCOMPARE(events.at(1).toObject().value(QLatin1String("label")).toString(), QStringLiteral("sold out"));
    const QJsonObject op = o.value(QLatin1String("operations")).toArray().at(0).toObject();
    QCOMPARE(op.value(QLatin1String("name")).toString(), QStringLiteral("purchase"));
    QCOMPARE(op.value(QLatin1String("p99")).toDouble(), 3.0);
    QCOMPARE(op.value(QLatin1String("count")).toInteger(), 100);
    QCOMPARE(op.value(QLatin1String("rps")).toDouble(), 50.0);
    QCOMPARE(op.value(QLatin1String("refused")).toInteger(), 70);
    QCOMPARE(op.value(QLatin1String("failures")).toInteger(), 2);
}

void TestSimulationReport::longLinesAreWhole()
{
    // A summary line is never cut: a fault's note can be long.
    SimulationReport r = goodFlashSale();
    inv::FaultOutcome fault;
    fault.kind = "redis-pause";
    fault.spec = "redis-pause@1s+2s";
    fault.startS = 1;
    fault.endS = 3;
    fault.note = std::string(300, 'x') + " the end of a long note";
    r.faults.push_back(fault);
    r.evaluateSlos();
    QVERIFY(QString::fromStdString(r.humanSummary()).contains(QLatin1String("x the end of a long note)\n")));
}

void TestSimulationReport::combiningIsReported()
{
    SimulationReport r = goodFlashSale();
    r.config.strategy = inv::StrategyKind::Combined;
    r.combining.batches = {0, 3, 0, 0, 1}; // three batches of one buyer, one of four
    r.evaluateSlos();
    const QJsonObject c = parsed(r).value(QLatin1String("combining")).toObject();
    QCOMPARE(c.value(QLatin1String("batches")).toInt(), 4);
    QCOMPARE(c.value(QLatin1String("purchases")).toInt(), 7);
    QCOMPARE(c.value(QLatin1String("purchase_batch_p50")).toInt(), 4);
    QCOMPARE(c.value(QLatin1String("largest")).toInt(), 4);
    QCOMPARE(c.value(QLatin1String("sizes")).toArray().size(), 2);
    QVERIFY(QString::fromStdString(r.humanSummary())
                .contains(QLatin1String(
                    "4 for 7 purchases: mean 1.8, a purchase's batch p50 4, p99 4, largest 4")));
    // Other strategies have no combining block.
    r.config.strategy = inv::StrategyKind::Versioned;
    QVERIFY(parsed(r).value(QLatin1String("combining")).isNull());
}

QTEST_APPLESS_MAIN(TestSimulationReport)
#include "tst_simulationreport.moc"
