// Checks of a simulation run that must be able to fail (issue #9, "correct under every timing"):
// each test makes a checker fire against the real services, or makes the run itself fail or stop,
// and asserts on what the report, the exit code and the database say.
#include "clirunner.h"
#include "sandbox/sandbox.h"
#include "sim/simulation.h"
#include "testpaths.h"
#include "testservices.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <csignal>
#include <thread>

using namespace std::chrono_literals;
using inv::StrategyKind;

namespace {
inv::SimulationConfig baseConfig(inv::ScenarioKind scenario, StrategyKind strategy)
{
    return testservices::simulationConfig(scenario, strategy, 4, 11);
}

const inv::Slo *findSlo(const inv::SimulationReport &report, const std::string &name)
{
    for (const auto &s : report.slos)
        if (s.name == name)
            return &s;
    return nullptr;
}

QJsonObject jsonOf(const inv::SimulationReport &report)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(report.toJson())).object();
}
} // namespace

class TestSimulationChecks : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    // Item 4: naive's stale fills put the cache back behind an acknowledged write.
    void visibilityRegressionFailsTheSlo();
    // Item 5: lost updates on a shared SKU break the chain of audit rows.
    void lostUpdatesOnSharedSkuBreakTheLedger();
    // Item 6: a cache that cannot be read at the end gives an unknown divergence, not 0.
    void unreadableCacheAtEndIsUnknown();
    // Item 9: metric accounting.
    void lockStatsCoverOnlyTheMeasuredRun();
    void lastWindowUsesItsRealLength();
    void droppedOperationsCountAtTheirLag();
    // Issue 10: the flash sale's contention on its hot row shows in PostgreSQL's lock waits.
    void hotRowShowsPostgresLockWaits();
    // Item 12: a thread that cannot be created ends the run; SIGTERM or SIGINT stops it with partial
    // results, also while a stampede waits out its TTL.
    void threadCreationFailureEndsTheRun();
    void signalStopsWithPartialReport_data();
    void signalStopsWithPartialReport();
    // Item 14: a run that throws after the monitor started leaves no dangling monitor behind.
    void failedRunLeavesNoDanglingMonitor();

private:
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::Sandbox> m_sandbox;
};

void TestSimulationChecks::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    testservices::makeService(StrategyKind::Versioned);
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (!dir.empty())
        m_sandbox = std::make_unique<inv::Sandbox>(dir);
}

void TestSimulationChecks::cleanup()
{
    // A failed check must not leave the other tests without Redis.
    if (m_sandbox && !m_sandbox->status().redisRunning)
        m_sandbox->startRedis();
}

void TestSimulationChecks::visibilityRegressionFailsTheSlo()
{
    auto config = baseConfig(inv::ScenarioKind::Mixed, StrategyKind::Naive);
    config.products = 3;
    config.stock = 100000;
    config.rate = 1000;
    config.durationSeconds = 2;
    config.readRatio = 0.7;
    config.raceDelay = 5ms;
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    const QJsonObject visibility = jsonOf(report).value(QLatin1String("write_visibility_ms")).toObject();
    qInfo(
        "naive: %lld stale reads, %lld divergent, visibility p99 %.3f ms over %lld probes, %lld regressions",
        report.staleReads, report.divergentKeysAtEnd.value_or(-1), report.visibilityP99,
        report.visibilityProbes,
        static_cast<long long>(visibility.value(QLatin1String("regressions")).toInteger()));
    // The premise: naive did put stale versions into the cache during this run.
    QVERIFY(report.staleReads > 0);
    QVERIFY(report.visibilityProbes > 0);
    QVERIFY(visibility.value(QLatin1String("regressions")).toInteger() > 0);
    bool visibilityFailed = false;
    for (const auto &s : report.slos)
        if (s.name.find("visibility") != std::string::npos && !s.pass)
            visibilityFailed = true;
    QVERIFY2(visibilityFailed, "a cache that goes back in version must fail a visibility SLO");
    QVERIFY(!report.allSlosPass());
}

void TestSimulationChecks::lostUpdatesOnSharedSkuBreakTheLedger()
{
    // The run makes --sku in its own schema with config.stock, and reports that row's stock before
    // and after: the only stock this run ever changes.
    auto config = baseConfig(inv::ScenarioKind::FlashSale, StrategyKind::Unsafe);
    config.sku = testservices::uniqueSku("lost-updates");
    config.stock = 1000;
    config.buyers = 200;
    config.raceDelay = 2ms;
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    qInfo("unsafe on a shared SKU: %lld sold from %lld, %lld left, ledger %s, %lld broken links",
          report.successes, report.initialStock, report.finalDbStock, report.ledgerOk ? "ok" : "broken",
          report.ledgerBrokenLinks);
    QCOMPARE(report.initialStock, 1000LL);
    QCOMPARE(report.successes, 200LL);
    QCOMPARE(report.auditRows, 200LL);
    // The premise: updates were lost, so the stock went down by less than what was sold.
    QVERIFY2(report.initialStock - report.finalDbStock < report.successes,
             qPrintable(QStringLiteral("stock went from %1 to %2 with %3 sold")
                            .arg(report.initialStock)
                            .arg(report.finalDbStock)
                            .arg(report.successes)));
    QVERIFY(!report.ledgerOk);
    QVERIFY(report.ledgerBrokenLinks > 0);
    QVERIFY(jsonOf(report).value(QLatin1String("ledger_broken_links")).toInteger() > 0);
    const inv::Slo *ledger = findSlo(report, "ledger_ok");
    QVERIFY(ledger && !ledger->pass);

    // The same run with a correct strategy keeps the chain whole.
    auto correct = config;
    correct.strategy = StrategyKind::Versioned;
    const inv::SimulationReport good = inv::Simulation(correct).run();
    QVERIFY(good.ledgerOk);
    QCOMPARE(good.initialStock - good.finalDbStock, good.successes);
    QCOMPARE(jsonOf(good).value(QLatin1String("ledger_broken_links")).toInteger(-1), 0);
}

void TestSimulationChecks::unreadableCacheAtEndIsUnknown()
{
    QVERIFY2(m_sandbox, "needs the sandbox that ./test.sh started (INVENTORY_SANDBOX_DIR)");
    auto config = baseConfig(inv::ScenarioKind::FlashSale, StrategyKind::Versioned);
    config.buyers = 200;
    config.stock = 20;
    inv::Simulation simulation(config);
    // Redis goes away just before the end-of-run checks read it.
    const inv::SimulationReport report = simulation.run({}, [&](const std::string &text) {
        if (text.rfind("checking", 0) == 0)
            m_sandbox->stopRedis();
    });
    m_sandbox->startRedis();
    const QJsonObject json = jsonOf(report);
    QVERIFY2(json.value(QLatin1String("divergent_keys_at_end")).isNull(),
             qPrintable(QString::number(json.value(QLatin1String("divergent_keys_at_end")).toDouble())));
    QVERIFY(json.value(QLatin1String("final_cache_stock")).isNull());
    const inv::Slo *divergent = findSlo(report, "divergent_keys");
    QVERIFY(divergent);
    QVERIFY(!divergent->pass);
    QVERIFY(!report.allSlosPass());
    const std::string summary = report.humanSummary();
    QVERIFY2(summary.find("divergent keys unknown") != std::string::npos, summary.c_str());
    QVERIFY(summary.find("\u2713 divergent_keys") == std::string::npos);
    // The database side is still checked.
    QVERIFY(report.ledgerOk);
    QCOMPARE(report.oversold, 0LL);
}

void TestSimulationChecks::lockStatsCoverOnlyTheMeasuredRun()
{
    // Reads only, after a warm-up that fills every key under the lock: the measured run itself
    // never misses, so it acquires no lock.
    auto config = baseConfig(inv::ScenarioKind::Mixed, StrategyKind::Locked);
    config.products = 30;
    config.readRatio = 1.0;
    config.rate = 300;
    config.durationSeconds = 0.5;
    config.warm = true;
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    qInfo("locked, read only after warm-up: %lld lock acquisitions, hit rate %.3f", report.lockAcquired,
          report.cacheHitRate);
    QCOMPARE(report.cacheHitRate, 1.0);
    QCOMPARE(report.lockAcquired, 0LL);
    QCOMPARE(report.lockBusy, 0LL);
    QCOMPARE(report.lockWaitP99, 0.0);
}

void TestSimulationChecks::hotRowShowsPostgresLockWaits()
{
    // naive takes the row with SELECT … FOR UPDATE: 16 backends buying one SKU queue on its lock.
    // (locked takes it too, but then queues its buyers on the Redis lock after the commit, so few
    // of them ever reach the row at once: one waiter in one window of ten was measured.)
    const StrategyKind strategy = StrategyKind::Naive;
    auto config = testservices::simulationConfig(inv::ScenarioKind::FlashSale, strategy, 8, 23);
    config.buyers = 4000;
    config.stock = 4000;
    const inv::SimulationReport report = inv::Simulation(config).run();
    long long sampled = 0, waiting = 0;
    for (const auto &p : report.timeline) {
        sampled += p.pgLockWaits >= 0 ? 1 : 0;
        waiting += p.pgLockWaits > 0 ? 1 : 0;
    }
    qInfo("%s: %.2f s, %lld purchases, %zu windows, %lld with backends waiting, pg_lock_waits max %lld p99 "
          "%lld",
          inv::Strategy::kindName(strategy), report.durationSeconds, report.successes, report.timeline.size(),
          waiting, report.pgLockWaitsMax.value_or(-1), report.pgLockWaitsP99.value_or(-1));
    QCOMPARE(report.successes, 4000LL);
    // Every window was sampled, and the run lasted more than one.
    QVERIFY(report.timeline.size() >= 2);
    QCOMPARE(sampled, static_cast<long long>(report.timeline.size()));
    QVERIFY2(report.pgLockWaitsMax.value_or(0) > 0, "the hot row's lock must show as waiting backends");
    QVERIFY(*report.pgLockWaitsMax <= 2 * 8 + 1);
    QVERIFY(report.pgLockWaitsP99.has_value() && *report.pgLockWaitsP99 <= *report.pgLockWaitsMax);

    // The report names it as docs/ARCHITECTURE.md does, and the timeline carries each window's sample.
    const QJsonObject json = jsonOf(report);
    QVERIFY(json.contains(QLatin1String("pg_lock_waits")));
    const QJsonObject waits = json.value(QLatin1String("pg_lock_waits")).toObject();
    QCOMPARE(waits.value(QLatin1String("max")).toInteger(), *report.pgLockWaitsMax);
    QCOMPARE(waits.value(QLatin1String("p99")).toInteger(), *report.pgLockWaitsP99);
    long long timelineMax = -1;
    for (const auto &v : json.value(QLatin1String("timeline")).toArray()) {
        const QJsonValue point = v.toObject().value(QLatin1String("pg_lock_waits"));
        QVERIFY(point.isDouble());
        timelineMax = std::max(timelineMax, point.toInteger());
    }
    QCOMPARE(timelineMax, *report.pgLockWaitsMax);
    const std::string summary = report.humanSummary();
    QVERIFY2(summary.find("PostgreSQL lock waits") != std::string::npos, summary.c_str());
}

void TestSimulationChecks::lastWindowUsesItsRealLength()
{
    auto config = baseConfig(inv::ScenarioKind::Mixed, StrategyKind::Versioned);
    config.products = 20;
    config.stock = 100000;
    config.rate = 400;
    config.durationSeconds = 30;
    config.readRatio = 0.9;
    inv::Simulation simulation(config);
    std::atomic<bool> armed{false};
    std::jthread stopper([&](std::stop_token stop) {
        while (!armed && !stop.stop_requested())
            std::this_thread::sleep_for(2ms);
        if (stop.stop_requested())
            return;
        // Stop a short way into a window, so that the last window is much shorter than 250 ms.
        std::this_thread::sleep_for(60ms);
        simulation.stop();
    });
    const inv::SimulationReport report = simulation.run([&](const inv::TimelinePoint &p, double) {
        if (p.t > 1.0)
            armed = true;
    });
    QVERIFY(report.timeline.size() >= 3);
    const auto &last = report.timeline.back();
    const auto &before = report.timeline[report.timeline.size() - 2];
    const double window = last.t - before.t;
    qInfo("last window %.3f s: %.0f req/s against a rate of %.0f", window, last.rps, config.rate);
    QVERIFY2(window < 0.2, qPrintable(QString::number(window)));
    QVERIFY2(last.rps > 0.6 * config.rate && last.rps < 1.5 * config.rate,
             qPrintable(QString::number(last.rps)));
}

void TestSimulationChecks::droppedOperationsCountAtTheirLag()
{
    // One worker thread that sleeps through a 5 ms race delay on every write cannot keep up with
    // 1000/s: it falls behind and drops operations after 5 ms of lag. (On the event loop the delay
    // is a timer, and the same load keeps up.)
    auto config = baseConfig(inv::ScenarioKind::Mixed, StrategyKind::Versioned);
    config.client = inv::ClientKind::Threads;
    config.servers = 1;
    config.connections = 1;
    config.products = 5;
    config.stock = 100000;
    config.rate = 1000;
    config.durationSeconds = 1;
    config.readRatio = 0.5;
    config.raceDelay = 5ms;
    config.maxLag = 5ms;
    inv::Simulation simulation(config);
    const inv::SimulationReport report = simulation.run();
    qInfo("%lld requests, %lld dropped, read p99 %.3f ms, write p99 %.3f ms, %.0f req/s", report.requests,
          report.dropped, report.read.p99, report.write.p99, report.throughputRps);
    QVERIFY(report.dropped > 0);
    // Every scheduled operation is in the histograms, the dropped ones at their lag.
    QCOMPARE(report.read.count + report.write.count, 1000LL);
    QCOMPARE(report.requests, 1000LL);
    QVERIFY(std::max(report.read.max, report.write.max) >= 5.0);
    // Throughput counts what was served, not what was dropped.
    QVERIFY(report.throughputRps * 1.0 < 1000.0 - static_cast<double>(report.dropped) + 50);
}

void TestSimulationChecks::threadCreationFailureEndsTheRun()
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // The sanitizers reserve terabytes of shadow address space: no run starts under this ulimit.
    QSKIP("a sanitizer build cannot run under an address-space limit");
#endif
    // 1000 readers need 8 GB of stacks on the threaded client (the event loop needs no thread per
    // reader): under a 1.5 GB address-space limit thread creation fails.
    QProcess process;
    process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"),
                                              QStringLiteral("ulimit -v 1500000; exec \"$0\" \"$@\""),
                                              testpaths::cli(),
                                              QStringLiteral("simulate"),
                                              QStringLiteral("--scenario"),
                                              QStringLiteral("stampede"),
                                              QStringLiteral("--readers"),
                                              QStringLiteral("1000"),
                                              QStringLiteral("--products"),
                                              QStringLiteral("2"),
                                              QStringLiteral("--rounds"),
                                              QStringLiteral("1"),
                                              QStringLiteral("--ttl-ms"),
                                              QStringLiteral("50"),
                                              QStringLiteral("--servers"),
                                              QStringLiteral("1"),
                                              QStringLiteral("--connections"),
                                              QStringLiteral("2"),
                                              QStringLiteral("--client"),
                                              QStringLiteral("threads")});
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        QFAIL("simulate hung when a thread could not be created");
    }
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == 3, qPrintable(QString::number(process.exitCode()) + u' ' + err));
    QVERIFY2(err.contains(QLatin1String("thread")), qPrintable(err));

    // The same herd on the event loop, the default: one thread per server, so it runs in the limit.
    QStringList onLoop = process.arguments();
    onLoop.resize(onLoop.size() - 2);
    process.start(QStringLiteral("/bin/sh"), onLoop);
    QVERIFY(process.waitForFinished(60000));
    const QString loopErr = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(process.exitCode() == 0 || process.exitCode() == 1, qPrintable(loopErr));
    QVERIFY2(loopErr.contains(QLatin1String("event loops")), qPrintable(loopErr));
    QVERIFY2(!loopErr.contains(QLatin1String("could not start")), qPrintable(loopErr));
}

void TestSimulationChecks::signalStopsWithPartialReport_data()
{
    QTest::addColumn<int>("signal");
    QTest::addColumn<QStringList>("scenario");
    const QStringList mixed{QStringLiteral("--scenario"), QStringLiteral("mixed"),
                            QStringLiteral("--rate"),     QStringLiteral("200"),
                            QStringLiteral("--duration"), QStringLiteral("60"),
                            QStringLiteral("--products"), QStringLiteral("20")};
    // A TTL of a minute: the signal arrives while the stampede waits for its keys to expire, a wait
    // that ends only through the run's stop callback.
    const QStringList stampede{QStringLiteral("--scenario"), QStringLiteral("stampede"),
                               QStringLiteral("--ttl-ms"),   QStringLiteral("60000"),
                               QStringLiteral("--rounds"),   QStringLiteral("3"),
                               QStringLiteral("--readers"),  QStringLiteral("4")};
    QTest::newRow("SIGTERM, mixed") << int(SIGTERM) << mixed;
    QTest::newRow("SIGINT, mixed") << int(SIGINT) << mixed;
    QTest::newRow("SIGTERM, stampede in its TTL wait") << int(SIGTERM) << stampede;
    QTest::newRow("SIGINT, stampede in its TTL wait") << int(SIGINT) << stampede;
}

void TestSimulationChecks::signalStopsWithPartialReport()
{
    QFETCH(int, signal);
    QFETCH(QStringList, scenario);
    const bool mixed = scenario.at(1) == QLatin1String("mixed");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("report.json"));
    QProcess process;
    process.start(testpaths::cli(), QStringList{QStringLiteral("simulate")}
                                        << scenario
                                        << QStringList{QStringLiteral("--servers"), QStringLiteral("1"),
                                                       QStringLiteral("--connections"), QStringLiteral("2"),
                                                       QStringLiteral("--report"), path});
    QVERIFY(process.waitForStarted());
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += process.readAllStandardError()).contains("running "), 20000);
    QTest::qWait(1000);
    QCOMPARE(::kill(static_cast<pid_t>(process.processId()), signal), 0);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        QFAIL("the signal did not end simulate");
    }
    err += process.readAllStandardError();
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == 3, qPrintable(QString::number(process.exitCode()) + u' ' + out));
    QVERIFY2(out.contains(QLatin1String("no verdict")), qPrintable(out));
    QVERIFY(!out.contains(QLatin1String("every SLO passed")));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject r = QJsonDocument::fromJson(file.readAll()).object();
    QVERIFY(r.value(QLatin1String("stopped")).toBool());
    // No verdict either way: both present, both null.
    QVERIFY(r.contains(QLatin1String("correct")) && r.value(QLatin1String("correct")).isNull());
    QVERIFY(r.contains(QLatin1String("performant")) && r.value(QLatin1String("performant")).isNull());
    QVERIFY2(out.contains(QLatin1String("stopped after ")), qPrintable(out));
    QVERIFY(!out.contains(QLatin1String("correct: ")));
    if (mixed)
        QVERIFY(r.value(QLatin1String("successes")).toInteger() > 0);
    else
        QVERIFY(r.value(QLatin1String("requests")).toInteger() > 0); // the first round's warm-up
    QVERIFY(r.value(QLatin1String("ledger_ok")).toBool());
    QVERIFY(r.value(QLatin1String("duration_s")).toDouble() < 30);
}

void TestSimulationChecks::failedRunLeavesNoDanglingMonitor()
{
    auto config = baseConfig(inv::ScenarioKind::FlashSale, StrategyKind::Versioned);
    config.buyers = 100;
    config.stock = 10;
    inv::Simulation simulation(config);
    bool threw = false;
    try {
        // The checks fail after the monitor has been running.
        simulation.run({}, [](const std::string &text) {
            if (text.rfind("checking", 0) == 0)
                throw inv::DbError("the database went away during the checks", "08006");
        });
    } catch (const inv::DbError &) {
        threw = true;
    }
    QVERIFY(threw);
    const inv::SimulationSnapshot snapshot = simulation.snapshot();
    QVERIFY(!snapshot.running);
    QVERIFY(snapshot.timeline.empty());
}

QTEST_GUILESS_MAIN(TestSimulationChecks)
#include "tst_simulationchecks.moc"
