// Load agents as real processes against the real services: three agents and a coordinator sell
// exactly the stock between them, the merged counts equal the agents' and the audit rows; an agent
// killed with SIGKILL mid-run is reported lost while the run completes and its writes are reconciled
// from the audit log; an agent of another version or database is refused, as is a second agent
// with a taken name; hostile records on the metrics stream are counted and skipped; SIGTERM ends an
// agent cleanly; in mixed load, naive serves stale reads across processes and versioned does not.
#include "agentprocesses.h"
#include "agents/agentcoordinator.h"
#include "agents/loadagent.h"
#include "cache/redisconnection.h"
#include "clirunner.h"
#include "errors.h"
#include "testservices.h"

#include <QProcess>
#include <QTest>

#include <csignal>
#include <random>
#include <thread>

using namespace std::chrono_literals;

class TestAgents : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void threeAgentsSellExactlyTheStock();
    void killedAgentIsLostAndTheLedgerHolds();
    void agentsThroughPgBouncerTransactionPooling();
    void otherVersionOrDatabaseIsRefused();
    void takenNameIsRefused();
    void hostileRecordsAreCountedAndSkipped();
    void mixedLoadShowsStaleReadsAcrossAgents_data();
    void mixedLoadShowsStaleReadsAcrossAgents();

private:
    // Starts agents with fresh names and waits until each has registered.
    QStringList startAgents(int count, const QStringList &options = {});
    inv::SimulationConfig flashSale(int buyers, int stock) const;
    std::vector<std::unique_ptr<QProcess>> m_agents;
    std::string m_run;
};

namespace {
// The run kept to its own space: nothing in the operator's tables, and the space is gone.
bool keptToItsSpace(const std::string &runId)
{
    inv::PgConnection db(testservices::pgUrl());
    return db.exec("SELECT count(*) FROM public.inventory WHERE sku = $1", {"AGENTS-" + runId}).int64(0, 0) ==
               0 &&
           db.exec("SELECT count(*) FROM pg_namespace WHERE nspname = $1", {"sim_" + runId}).int64(0, 0) == 0;
}
} // namespace

void TestAgents::initTestCase()
{
    REQUIRE_SERVICES();
    testservices::makeService(inv::StrategyKind::Versioned);
    m_run = std::to_string(std::random_device{}() % 100000);
}

void TestAgents::cleanup()
{
    stopAgentProcesses(m_agents);
}

QStringList TestAgents::startAgents(int count, const QStringList &options)
{
    static int started = 0;
    QStringList names;
    for (int i = 0; i < count; ++i) {
        const QString name = QStringLiteral("t%1-%2").arg(QString::fromStdString(m_run)).arg(++started);
        m_agents.push_back(startAgentProcess(name, options));
        names << name;
    }
    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    for (const QString &name : names)
        while (redis.command({"EXISTS", inv::AgentKeys::alive(name.toStdString())}).integer() != 1) {
            if (std::chrono::steady_clock::now() > deadline)
                qFatal("agent %s did not register within 15 s", qPrintable(name));
            std::this_thread::sleep_for(50ms);
        }
    return names;
}

inv::SimulationConfig TestAgents::flashSale(int buyers, int stock) const
{
    auto config =
        testservices::simulationConfig(inv::ScenarioKind::FlashSale, inv::StrategyKind::Versioned, 3, 5);
    config.servers = 3;
    config.buyers = buyers;
    config.stock = stock;
    return config;
}

void TestAgents::threeAgentsSellExactlyTheStock()
{
    const QStringList names = startAgents(3);
    inv::AgentCoordinator coordinator(flashSale(3000, 100), names.join(QLatin1Char(',')).toStdString(),
                                      INVENTORY_VERSION);
    const inv::SimulationReport report = coordinator.run();
    qInfo("3 agents: %lld sold, %lld refused, %lld requests, ledger %s", report.successes, report.rejections,
          report.requests, report.ledgerOk ? "ok" : "broken");
    QCOMPARE(report.agents.size(), std::size_t(3));
    long long sold = 0, requests = 0, rows = 0;
    for (const auto &a : report.agents) {
        QCOMPARE(a.state, std::string("finished"));
        QVERIFY2(a.windows > 0, a.name.c_str());
        QCOMPARE(a.auditRows, a.successes);
        sold += a.successes;
        requests += a.requests;
        rows += a.auditRows;
    }
    QCOMPARE(report.successes, 100LL);
    QCOMPARE(sold, 100LL);
    QCOMPARE(rows, 100LL);
    QCOMPARE(report.auditRows, 100LL);
    // The merged histograms hold every agent's requests: each buyer's read, and the purchases sent.
    QCOMPARE(report.requests, requests);
    QCOMPARE(report.read.count, 3000LL);
    QCOMPARE(report.successes + report.rejections, 3000LL);
    QCOMPARE(report.finalDbStock, 0LL);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QCOMPARE(report.correct(), std::optional<bool>(true));
    QVERIFY(keptToItsSpace(report.config.runId));

    // SIGTERM: each agent ends cleanly and takes its heartbeat with it.
    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    for (int i = 0; i < 3; ++i) {
        m_agents[static_cast<std::size_t>(i)]->terminate();
        QVERIFY(m_agents[static_cast<std::size_t>(i)]->waitForFinished(10000));
        QCOMPARE(m_agents[static_cast<std::size_t>(i)]->exitCode(), 0);
        QCOMPARE(redis.command({"EXISTS", inv::AgentKeys::alive(names[i].toStdString())}).integer(), 0LL);
    }
}

void TestAgents::killedAgentIsLostAndTheLedgerHolds()
{
    const QStringList names = startAgents(3);
    // Blind buyers on deep stock: every buyer writes, and the load lasts long enough to lose an agent.
    auto config = flashSale(45'000, 1'000'000);
    config.buyersRead = false;
    config.connections = 2;
    inv::AgentCoordinator coordinator(config, names.join(QLatin1Char(',')).toStdString(), INVENTORY_VERSION);
    inv::SimulationReport report;
    std::jthread run([&] { report = coordinator.run(); });
    // The load starts 2 s after the command; kill the second agent a second into it.
    std::this_thread::sleep_for(inv::AgentCoordinator::kLeadTime + 1s);
    ::kill(static_cast<pid_t>(m_agents[1]->processId()), SIGKILL);
    run.join();
    qInfo("after SIGKILL: %lld sold by the others, %lld audit rows, ledger %s", report.successes,
          report.auditRows, report.ledgerOk ? "ok" : "broken");
    QCOMPARE(report.agents.size(), std::size_t(3));
    const auto &lost = report.agents[1];
    QCOMPARE(lost.state, std::string("lost"));
    QVERIFY2(lost.auditRows > 0, "the killed agent wrote nothing before it went: the check did not run");
    QCOMPARE(report.agents[0].state, std::string("finished"));
    QCOMPARE(report.agents[2].state, std::string("finished"));
    QCOMPARE(report.auditRows, report.agents[0].successes + report.agents[2].successes + lost.auditRows);
    QCOMPARE(report.initialStock - report.finalDbStock, report.auditRows);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QVERIFY(report.humanSummary().find("agent '" + names[1].toStdString() + "' lost") != std::string::npos);
}

void TestAgents::agentsThroughPgBouncerTransactionPooling()
{
    // Agents and their coordinator through PgBouncer in transaction pooling (./test.sh starts it):
    // the same database behind the pooler, the run in its own space, the stock sold once.
    const std::string url = testservices::env("INVENTORY_PGBOUNCER_TX_URL");
    if (url.empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_PGBOUNCER_TX_URL must be set (./test.sh sets it)");
        QSKIP("no PgBouncer configured: run ./test.sh");
    }
    const QStringList names = startAgents(2, {QStringLiteral("--pg"), QString::fromStdString(url)});
    auto config = flashSale(1000, 50);
    config.pgConninfo = url;
    config.servers = 2;
    inv::AgentCoordinator coordinator(config, names.join(QLatin1Char(',')).toStdString(), INVENTORY_VERSION);
    const inv::SimulationReport report = coordinator.run();
    QCOMPARE(report.agents.size(), std::size_t(2));
    for (const auto &a : report.agents)
        QCOMPARE(a.state, std::string("finished"));
    QCOMPARE(report.successes, 50LL);
    QCOMPARE(report.auditRows, 50LL);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QCOMPARE(report.correct(), std::optional<bool>(true));
    QVERIFY(keptToItsSpace(report.config.runId));
}

void TestAgents::otherVersionOrDatabaseIsRefused()
{
    // Registrations as an agent of another build, or one pointed at another database, would write them.
    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    std::string database;
    {
        inv::PgConnection db(testservices::pgUrl());
        database = inv::LoadAgent::databaseIdentity(db);
    }
    const std::string old = "old-" + m_run, elsewhere = "elsewhere-" + m_run;
    for (const auto &[name, version, db] :
         {std::tuple{old, std::string("0.0.1"), database},
          std::tuple{elsewhere, std::string(INVENTORY_VERSION), std::string("1/1")}}) {
        redis.command({"HSET", inv::AgentKeys::info(name), "name", name, "host", "test", "pid", "1",
                       "version", version, "cores", "1", "database", db, "state", "idle"});
        redis.command({"SET", inv::AgentKeys::alive(name), "idle", "PX", "3000"});
        redis.command({"SADD", inv::AgentKeys::kAll, name});
    }
    auto refusal = [&](const std::string &selection) -> std::string {
        try {
            inv::AgentCoordinator(flashSale(10, 10), selection, INVENTORY_VERSION).pick();
        } catch (const inv::InvalidInput &e) {
            return e.what();
        }
        return "accepted";
    };
    const std::string version = refusal(old);
    const std::string wrongDb = refusal(elsewhere);
    const std::string missing = refusal("nobody-" + m_run);
    for (const auto &name : {old, elsewhere}) {
        redis.command({"DEL", inv::AgentKeys::alive(name), inv::AgentKeys::info(name)});
        redis.command({"SREM", inv::AgentKeys::kAll, name});
    }
    QVERIFY2(version.find("runs version 0.0.1") != std::string::npos, version.c_str());
    QVERIFY2(wrongDb.find("writes to database 1/1") != std::string::npos, wrongDb.c_str());
    QVERIFY2(missing.find("is alive") != std::string::npos, missing.c_str());
}

void TestAgents::takenNameIsRefused()
{
    const QStringList names = startAgents(1);
    const CliRun second = runCli({QStringLiteral("agent"), QStringLiteral("--name"), names.front()}, 20000);
    QCOMPARE(second.exitCode, 2);
    QVERIFY2(second.err.contains(QStringLiteral("is running already")), qPrintable(second.err));
}

void TestAgents::hostileRecordsAreCountedAndSkipped()
{
    const QStringList names = startAgents(2);
    auto config = flashSale(20'000, 1'000'000);
    config.buyersRead = false;
    config.runId = "hostile" + m_run;
    inv::AgentCoordinator coordinator(config, names.join(QLatin1Char(',')).toStdString(), INVENTORY_VERSION);
    inv::SimulationReport report;
    std::jthread run([&] { report = coordinator.run(); });
    std::this_thread::sleep_for(inv::AgentCoordinator::kLeadTime / 2);
    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    const std::string stream = inv::AgentKeys::metrics(config.runId);
    for (const std::string &bad :
         {std::string("{\"type\":"),
          std::string(R"({"type":"finished","agent":"impostor","seq":9,"begin_us":1,)"
                      R"("end_us":2,"read":[],"purchase":[],"restock":[],"successes":5,)"
                      R"("rejections":0,"errors":0,"dropped":0,"reads":0,"hits":0,"lock_busy":0})"),
          std::string(R"({"type":"window","agent":")") + names[0].toStdString() +
              R"(","seq":99999,"begin_us":1,"end_us":2,"read":[[3]],"purchase":[],"restock":[]})"})
        redis.command({"XADD", stream, "*", "r", bad});
    run.join();
    QVERIFY2(report.rejectedRecords >= 3, report.humanSummary().c_str());
    QCOMPARE(report.auditRows, 20'000LL);
    QCOMPARE(report.successes, 20'000LL);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
}

void TestAgents::mixedLoadShowsStaleReadsAcrossAgents_data()
{
    QTest::addColumn<QString>("strategy");
    QTest::addColumn<bool>("stale");
    QTest::newRow("naive") << QStringLiteral("naive") << true;
    QTest::newRow("versioned") << QStringLiteral("versioned") << false;
}

void TestAgents::mixedLoadShowsStaleReadsAcrossAgents()
{
    // Three processes, one server each, on three hot products with a 5 ms race delay: naive serves
    // reads older than writes the other processes acknowledged; versioned never does.
    QFETCH(QString, strategy);
    QFETCH(bool, stale);
    const QStringList names = startAgents(3);
    auto config = testservices::simulationConfig(inv::ScenarioKind::Mixed,
                                                 inv::Strategy::parseKind(strategy.toStdString()), 4, 7);
    config.servers = 3;
    config.products = 3;
    config.stock = 100'000;
    config.rate = 1500;
    config.durationSeconds = 2;
    config.readRatio = 0.7;
    config.raceDelay = 5ms;
    inv::AgentCoordinator coordinator(config, names.join(QLatin1Char(',')).toStdString(), INVENTORY_VERSION);
    const inv::SimulationReport report = coordinator.run();
    qInfo("%s over 3 agents: %lld stale reads across agents, %lld undecided, %lld requests",
          qPrintable(strategy), report.staleReads, report.staleReadsUndecided, report.requests);
    long long requests = 0;
    for (const auto &a : report.agents) {
        QCOMPARE(a.state, std::string("finished"));
        requests += a.requests;
    }
    QCOMPARE(report.requests, requests);
    QVERIFY2(report.ledgerOk, report.humanSummary().c_str());
    QCOMPARE(report.oversold, 0LL);
    if (stale)
        QVERIFY2(report.staleReads > 0, report.humanSummary().c_str());
    else
        QCOMPARE(report.staleReads, 0LL);
}

QTEST_GUILESS_MAIN(TestAgents)
#include "tst_agents.moc"
