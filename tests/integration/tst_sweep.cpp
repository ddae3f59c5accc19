// simulate --sweep end to end, as a real process against the real services: a sweep whose SLOs must
// break stops at the first failing step and names the knee, every step of its JSON has every field,
// a connections sweep past 64 opens that many connections in all (PostgreSQL counts them), and bad
// --sweep input exits 2 without running (no simulation space is created).
#include "clirunner.h"
#include "testpaths.h"
#include "testservices.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

class TestSweep : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void stopsAtTheFirstFailingStep_data();
    void stopsAtTheFirstFailingStep();
    void connectionsPast64();
    void referencesBesideTheSteps();
    void badReferenceRunsNothing_data();
    void badReferenceRunsNothing();
    void badInputRunsNothing_data();
    void badInputRunsNothing();

private:
    long long simulationSpaces();
    long long clientBackends();
    std::unique_ptr<inv::PgConnection> m_db;
};

void TestSweep::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
}

long long TestSweep::simulationSpaces()
{
    return m_db->exec("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'sim\\_%'").int64(0, 0);
}

long long TestSweep::clientBackends()
{
    return m_db->exec("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
        .int64(0, 0);
}

void TestSweep::connectionsPast64()
{
    const long long idle = clientBackends();
    // SLOs this host meets at any step, so that the sweep runs both steps.
    QProcess process;
    process.start(testpaths::cli(),
                  {QStringLiteral("simulate"), QStringLiteral("--sweep"),
                   QStringLiteral("connections=32..128:2"), QStringLiteral("--step-seconds"),
                   QStringLiteral("1.5"), QStringLiteral("--rate"), QStringLiteral("500"),
                   QStringLiteral("--products"), QStringLiteral("100"), QStringLiteral("--slo"),
                   QStringLiteral("read_p99_ms=100000"), QStringLiteral("--slo"),
                   QStringLiteral("write_visibility_p99_ms=100000"), QStringLiteral("--slo"),
                   QStringLiteral("throughput_rps=0"), QStringLiteral("--slo"), QStringLiteral("dropped=1e9"),
                   QStringLiteral("--json")});
    QVERIFY(process.waitForStarted());
    long long peak = 0;
    QElapsedTimer clock;
    clock.start();
    while (!process.waitForFinished(100) && clock.elapsed() < 240000)
        peak = std::max(peak, clientBackends() - idle);
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(process.exitCode() == 0, qPrintable(err));
    const QJsonObject sweep = QJsonDocument::fromJson(process.readAllStandardOutput())
                                  .object()
                                  .value(QLatin1String("sweep"))
                                  .toObject();
    const QJsonArray steps = sweep.value(QLatin1String("steps")).toArray();
    QCOMPARE(steps.size(), 2);
    const int expected[] = {32, 128};
    for (int i = 0; i < 2; ++i) {
        const QJsonObject step = steps.at(i).toObject();
        QCOMPARE(step.value(QLatin1String("value")).toInt(), expected[i]);
        QCOMPARE(step.value(QLatin1String("connections")).toInt(), expected[i]);
        // Spread over the default 4 servers: 8 and then 32 each, within the 64 a server may have.
        QCOMPARE(step.value(QLatin1String("servers")).toInt(), 4);
        QVERIFY2(step.value(QLatin1String("pass")).toBool(),
                 qPrintable(step.value(QLatin1String("failed_slo")).toString()));
        QVERIFY(step.value(QLatin1String("requests")).toInteger() > 0);
    }
    // The database saw the 128 pool connections of the second step at once, and not 128 a server:
    // beside them only the run's monitor, space and probe connect.
    QVERIFY2(peak >= 128 && peak <= 128 + 16, qPrintable(QString::number(peak)));
}

void TestSweep::stopsAtTheFirstFailingStep_data()
{
    QTest::addColumn<QStringList>("slos");
    QTest::addColumn<QString>("failing");
    QTest::addColumn<bool>("firstStepFails");
    // No step can serve a million requests a second: the first step is the knee. The read p99 SLO is
    // lifted, so that a busy host's tail cannot be the first SLO the step breaks.
    QTest::newRow("throughput floor")
        << QStringList{QStringLiteral("throughput_rps=1000000"), QStringLiteral("read_p99_ms=1000000")}
        << QStringLiteral("throughput_rps") << true;
    // No step keeps read p99 under 0.05 ms, less than a Redis round trip's tail: the sweep stops
    // at the first step that breaks it and names the SLO. (0.3 ms was reachable at every rate once
    // reads no longer waited behind the loop's repair passes.)
    QTest::newRow("strict read p99") << QStringList{QStringLiteral("read_p99_ms=0.05")}
                                     << QStringLiteral("read_p99_ms") << false;
}

void TestSweep::stopsAtTheFirstFailingStep()
{
    QFETCH(QStringList, slos);
    QFETCH(QString, failing);
    QFETCH(bool, firstStepFails);
    QTemporaryDir dir;
    const QString reportPath = dir.filePath(QStringLiteral("sweep.json"));
    QStringList arguments{QStringLiteral("simulate"),
                          QStringLiteral("--sweep"),
                          QStringLiteral("rate=200..3200"),
                          QStringLiteral("--step-seconds"),
                          QStringLiteral("1"),
                          QStringLiteral("--servers"),
                          QStringLiteral("1"),
                          QStringLiteral("--connections"),
                          QStringLiteral("1"),
                          QStringLiteral("--products"),
                          QStringLiteral("100"),
                          QStringLiteral("--json"),
                          QStringLiteral("--report"),
                          reportPath};
    for (const QString &slo : slos)
        arguments << QStringLiteral("--slo") << slo;
    const CliRun run = runCli(arguments, 240000);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err + run.out));
    const QJsonObject sweep =
        QJsonDocument::fromJson(run.out.toUtf8()).object().value(QLatin1String("sweep")).toObject();
    QCOMPARE(sweep.value(QLatin1String("parameter")).toString(), QStringLiteral("rate"));
    QCOMPARE(sweep.value(QLatin1String("planned_steps")).toInt(), 5); // 200, 400, 800, 1600, 3200

    const QJsonArray steps = sweep.value(QLatin1String("steps")).toArray();
    QVERIFY(!steps.isEmpty());
    const double offered[] = {200, 400, 800, 1600, 3200};
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const QJsonObject step = steps.at(i).toObject();
        for (const char *key :
             {"index", "value", "offered_rps", "throughput_rps", "requests", "read", "write", "errors",
              "dropped", "cache_hit_rate", "pass", "failed_slo", "stopped"})
            QVERIFY2(step.contains(QLatin1String(key)), key);
        for (const char *side : {"read", "write"})
            for (const char *key : {"p50_ms", "p95_ms", "p99_ms"})
                QVERIFY2(step.value(QLatin1String(side)).toObject().value(QLatin1String(key)).isDouble(),
                         key);
        QCOMPARE(step.value(QLatin1String("offered_rps")).toDouble(), offered[i]);
        QVERIFY(step.value(QLatin1String("requests")).toInteger() > 0);
        QVERIFY(!step.value(QLatin1String("stopped")).toBool());
        // Every step but the last passed; the last one failed, and says which SLO it broke.
        const bool last = i == steps.size() - 1;
        QCOMPARE(step.value(QLatin1String("pass")).toBool(), !last);
        QCOMPARE(step.value(QLatin1String("failed_slo")).isNull(), !last);
    }
    const QJsonObject lastStep = steps.last().toObject();
    QVERIFY2(lastStep.value(QLatin1String("failed_slo")).toString().startsWith(failing),
             qPrintable(lastStep.value(QLatin1String("failed_slo")).toString()));
    if (firstStepFails)
        QCOMPARE(steps.size(), 1);

    const QJsonObject knee = sweep.value(QLatin1String("knee")).toObject();
    QVERIFY(knee.value(QLatin1String("found")).toBool());
    QCOMPARE(knee.value(QLatin1String("first_fail")).toObject().value(QLatin1String("index")).toInt(),
             steps.size() - 1);
    QCOMPARE(knee.value(QLatin1String("last_pass")).isNull(), steps.size() == 1);
    if (steps.size() > 1)
        QCOMPARE(knee.value(QLatin1String("last_pass")).toObject().value(QLatin1String("index")).toInt(),
                 steps.size() - 2);

    // The report file holds the same sweep.
    QFile file(reportPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(file.readAll()).object().value(QLatin1String("sweep")).toObject(),
             sweep);

    // The table ends in the knee line.
    const CliRun human =
        runCli({QStringLiteral("simulate"), QStringLiteral("--sweep"), QStringLiteral("rate=200..400"),
                QStringLiteral("--step-seconds"), QStringLiteral("1"), QStringLiteral("--slo"),
                QStringLiteral("throughput_rps=1000000")},
               120000);
    QCOMPARE(human.exitCode, 0);
    QVERIFY2(
        human.out.trimmed().split(QLatin1Char('\n')).last().startsWith(QLatin1String("knee: below rate 200")),
        qPrintable(human.out));
}

namespace {
QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &text)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        return {};
    return path;
}

const QByteArray kReferences = R"({"references": [
  {"tool": "redis-benchmark", "workload": "GET of 1,000 keys", "clients": 16, "throughput_rps": 61230.5,
   "latency_ms": {"p50": 0.2, "p99": 0.45}},
  {"tool": "pgbench", "workload": "the purchase statement", "clients": 16, "throughput_rps": 9000}
]})";
} // namespace

void TestSweep::referencesBesideTheSteps()
{
    QTemporaryDir dir;
    const QString references = writeFile(dir, QStringLiteral("references.json"), kReferences);
    const QStringList arguments{QStringLiteral("simulate"),
                                QStringLiteral("--sweep"),
                                QStringLiteral("rate=200..400"),
                                QStringLiteral("--step-seconds"),
                                QStringLiteral("1"),
                                QStringLiteral("--slo"),
                                QStringLiteral("throughput_rps=1000000"),
                                QStringLiteral("--reference"),
                                references};
    const CliRun json = runCli(arguments + QStringList{QStringLiteral("--json")}, 120000);
    QVERIFY2(json.exitCode == 0, qPrintable(json.err));
    const QJsonArray listed = QJsonDocument::fromJson(json.out.toUtf8())
                                  .object()
                                  .value(QLatin1String("sweep"))
                                  .toObject()
                                  .value(QLatin1String("references"))
                                  .toArray();
    QCOMPARE(listed,
             QJsonDocument::fromJson(kReferences).object().value(QLatin1String("references")).toArray());
    const CliRun human = runCli(arguments, 120000);
    QCOMPARE(human.exitCode, 0);
    QVERIFY2(
        human.out.contains(QLatin1String("reference (measured, closed loop): redis-benchmark GET of 1,000 "
                                         "keys, 16 clients: 61230 req/s, p50 0.20 ms, p99 0.45 ms")),
        qPrintable(human.out));
}

void TestSweep::badReferenceRunsNothing_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("why");
    QTest::newRow("missing") << QByteArray() << QStringLiteral("cannot read --reference");
    QTest::newRow("not JSON") << QByteArray("pgbench 9000 tps") << QStringLiteral("not JSON");
    QTest::newRow("no throughput") << QByteArray(R"({"references": [{"tool": "pgbench", "clients": 16}]})")
                                   << QStringLiteral("entry 1: \"throughput_rps\" must be a number above 0");
}

void TestSweep::badReferenceRunsNothing()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, why);
    QTemporaryDir dir;
    const QString references = text.isEmpty() ? dir.filePath(QStringLiteral("none.json"))
                                              : writeFile(dir, QStringLiteral("references.json"), text);
    const QString reportPath = dir.filePath(QStringLiteral("sweep.json"));
    const long long before = simulationSpaces();
    const CliRun run =
        runCli({QStringLiteral("simulate"), QStringLiteral("--keep"), QStringLiteral("--sweep"),
                QStringLiteral("rate=200..400"), QStringLiteral("--reference"), references,
                QStringLiteral("--report"), reportPath});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.out.isEmpty(), qPrintable(run.out));
    QVERIFY2(run.err.contains(why), qPrintable(run.err));
    QVERIFY(!QFile::exists(reportPath));
    QCOMPARE(simulationSpaces(), before);
    // Outside a sweep the option is refused as well.
    const CliRun once = runCli({QStringLiteral("simulate"), QStringLiteral("--scenario"),
                                QStringLiteral("mixed"), QStringLiteral("--reference"), references});
    QCOMPARE(once.exitCode, 2);
    QVERIFY2(once.err.contains(QLatin1String("--reference applies to a sweep only")), qPrintable(once.err));
}

void TestSweep::badInputRunsNothing_data()
{
    QTest::addColumn<QStringList>("arguments");
    auto sweep = [](const char *value) {
        return QStringList{QStringLiteral("--sweep"), QLatin1String(value)};
    };
    QTest::newRow("no range") << sweep("rate");
    QTest::newRow("empty range") << sweep("rate=");
    QTest::newRow("one bound") << sweep("rate=100");
    QTest::newRow("falling") << sweep("rate=5000..1000");
    QTest::newRow("equal") << sweep("rate=1000..1000");
    QTest::newRow("unknown parameter") << sweep("servers=1..8");
    QTest::newRow("not a number") << sweep("rate=abc..100");
    QTest::newRow("negative") << sweep("rate=-5..100");
    QTest::newRow("one step") << sweep("rate=100..1000:1");
    QTest::newRow("too many steps") << sweep("rate=100..1000:500");
    QTest::newRow("too many connections") << sweep("connections=1..500");
    QTest::newRow("more than 64 a server")
        << sweep("connections=1..128") + QStringList{QStringLiteral("--servers"), QStringLiteral("1")};
    QTest::newRow("not mixed") << sweep("rate=100..1000") +
                                      QStringList{QStringLiteral("--scenario"), QStringLiteral("flash-sale")};
    QTest::newRow("short steps") << sweep("rate=100..1000") +
                                        QStringList{QStringLiteral("--step-seconds"), QStringLiteral("0.01")};
    // Each step's configuration is checked before the first runs: 2 servers x 100 is more than 64 each.
    QTest::newRow("a later step invalid")
        << sweep("connections=1..200") + QStringList{QStringLiteral("--servers"), QStringLiteral("2")};
}

void TestSweep::badInputRunsNothing()
{
    QFETCH(QStringList, arguments);
    QTemporaryDir dir;
    const QString reportPath = dir.filePath(QStringLiteral("sweep.json"));
    const long long before = simulationSpaces();
    // --keep: a step that ran would leave its schema behind.
    const CliRun run = runCli(QStringList{QStringLiteral("simulate"), QStringLiteral("--keep"),
                                          QStringLiteral("--report"), reportPath} +
                              arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.out.isEmpty(), qPrintable(run.out));
    QVERIFY2(run.err.contains(QLatin1String("--")), qPrintable(run.err));
    if (arguments.first() == QLatin1String("--sweep") && !arguments.contains(QLatin1String("--scenario")) &&
        !arguments.contains(QLatin1String("--step-seconds")) &&
        !arguments.contains(QLatin1String("--servers")))
        QVERIFY2(run.err.contains(QLatin1String("rate=FROM..TO or connections=FROM..TO")),
                 qPrintable(run.err));
    QVERIFY(!QFile::exists(reportPath));
    QCOMPARE(simulationSpaces(), before);
}

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
