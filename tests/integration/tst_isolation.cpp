// A simulation never touches the operator's data. Each scenario runs while an operator's products
// exist; afterwards the public inventory and audit rows are byte for byte what they were, no Redis
// key outside the run's prefix was added or changed, and the run's schema and keys are gone. A kept
// run stays until `simulate --cleanup`; a run killed with SIGKILL leaves its space, which the cleanup
// removes.
#include "cache/redisconnection.h"
#include "clirunner.h"
#include "sim/simulation.h"
#include "sim/simulationspace.h"
#include "testpaths.h"
#include "testservices.h"

#include <QTest>

#include <map>
#include <pwd.h>
#include <random>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using inv::ScenarioKind;
using inv::StrategyKind;

Q_DECLARE_METATYPE(inv::ScenarioKind)

class TestIsolation : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void everyScenarioLeavesTheOperatorAlone_data();
    void everyScenarioLeavesTheOperatorAlone();
    void keptRunStaysUntilCleanup();
    void killedRunIsCleanedUp();

private:
    static std::string publicFingerprint(inv::PgConnection &db);
    std::map<std::string, std::string> operatorKeys();
    bool schemaExists(const std::string &runId) { return schemaExists(*m_db, runId); }
    static bool schemaExists(inv::PgConnection &db, const std::string &runId);
    long long keysWithPrefix(const std::string &prefix);
    static std::string newRunId();

    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::RedisConnection> m_redis;
};

std::string TestIsolation::newRunId()
{
    static std::mt19937 random{std::random_device{}()};
    return "iso_" + std::to_string(random() % 100000000);
}

void TestIsolation::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_redis = std::make_unique<inv::RedisConnection>(inv::RedisUrl::parse(testservices::redisUrl()),
                                                     inv::RedisTimeouts{});
    // The operator's own products, with audit rows and cache entries of their own.
    auto service = testservices::makeService(StrategyKind::Versioned);
    for (int i = 0; i < 3; ++i) {
        const std::string sku = testservices::uniqueSku("operator");
        service->addProduct(sku, "Operator's product", 40);
        service->purchase(sku, 2, "a real sale");
        service->getStock(sku);
    }
    m_redis->command({"SET", "operator:note", "kept across simulations"});
    // A person's change names the person: the OS account and the host.
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    const std::string person = std::string(getpwuid(geteuid())->pw_name) + "@" + host;
    QCOMPARE(
        m_db->exec("SELECT actor FROM inventory_audit WHERE reason = 'a real sale' ORDER BY id DESC LIMIT 1")
            .text(0, 0),
        person);
}

std::string TestIsolation::publicFingerprint(inv::PgConnection &db)
{
    return db
        .exec("SELECT (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY sku), '')) FROM "
              "public.inventory t) "
              "|| (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY id), '')) FROM "
              "public.inventory_audit a) "
              "|| (SELECT count(*) FROM public.inventory)::text")
        .text(0, 0);
}

std::map<std::string, std::string> TestIsolation::operatorKeys()
{
    std::map<std::string, std::string> out;
    std::string cursor = "0";
    do {
        auto reply = m_redis->command({"SCAN", cursor, "COUNT", "1000"});
        cursor.assign(reply->element[0]->str, reply->element[0]->len);
        const redisReply *keys = reply->element[1];
        for (std::size_t i = 0; i < keys->elements; ++i) {
            const std::string key(keys->element[i]->str, keys->element[i]->len);
            // The operator's cache entries are strings; load agents' registrations are not theirs.
            if (key.rfind("sim:", 0) != 0 && m_redis->command({"TYPE", key}).str() == "string") {
                // A key that expires between TYPE and GET is gone, not changed.
                auto value = m_redis->command({"GET", key});
                if (value.isString())
                    out[key] = value.str();
            }
        }
    } while (cursor != "0");
    return out;
}

bool TestIsolation::schemaExists(inv::PgConnection &db, const std::string &runId)
{
    return db.exec("SELECT count(*) FROM pg_namespace WHERE nspname = $1", {"sim_" + runId}).int64(0, 0) == 1;
}

long long TestIsolation::keysWithPrefix(const std::string &prefix)
{
    long long count = 0;
    std::string cursor = "0";
    do {
        auto reply = m_redis->command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
        cursor.assign(reply->element[0]->str, reply->element[0]->len);
        count += static_cast<long long>(reply->element[1]->elements);
    } while (cursor != "0");
    return count;
}

void TestIsolation::everyScenarioLeavesTheOperatorAlone_data()
{
    // Directly, and through PgBouncer (scripts/pgbouncer.sh): in transaction pooling, which refuses
    // the startup options, and in session pooling with ignore_startup_parameters = options, which
    // drops them; no statement may fall back on the operator's search_path. Session pooling keeps a
    // server connection per client, so that run opens fewer than its default pool of 20.
    QTest::addColumn<ScenarioKind>("scenario");
    QTest::addColumn<QString>("pgUrlVariable");
    // And on another PostgreSQL (scripts/pgstandby.sh): TLS with verify-full, and a primary with its
    // standby, both named in the URL.
    for (const char *variable :
         {"INVENTORY_PG_URL", "INVENTORY_PGBOUNCER_TX_URL", "INVENTORY_PGBOUNCER_SESSION_URL",
          "INVENTORY_PG_TLS_URL", "INVENTORY_PG_HA_URL"}) {
        const QString through = QString::fromLatin1(variable);
        const char *name = through.contains(QLatin1String("_TX_"))        ? " through pgbouncer-transaction"
                           : through.contains(QLatin1String("_SESSION_")) ? " through pgbouncer-session"
                           : through.contains(QLatin1String("_TLS_"))     ? " over tls-verify-full"
                           : through.contains(QLatin1String("_HA_"))      ? " on primary-standby"
                                                                          : "";
        QTest::addRow("flash-sale%s", name) << ScenarioKind::FlashSale << through;
        QTest::addRow("mixed%s", name) << ScenarioKind::Mixed << through;
        // The stampede only reads after its set-up: once directly is enough.
        if (!*name)
            QTest::addRow("stampede%s", name) << ScenarioKind::Stampede << through;
    }
}

void TestIsolation::everyScenarioLeavesTheOperatorAlone()
{
    QFETCH(ScenarioKind, scenario);
    QFETCH(QString, pgUrlVariable);
    const std::string pgUrl = testservices::env(pgUrlVariable.toLatin1().constData());
    if (pgUrl.empty()) {
        if (testservices::servicesRequired())
            QFAIL(qPrintable(pgUrlVariable + QStringLiteral(" must be set (./test.sh sets it)")));
        QSKIP("no PgBouncer configured: run ./test.sh");
    }
    const bool session = pgUrlVariable.contains(QLatin1String("_SESSION_"));
    // The operator's tables of the PostgreSQL the run writes to, with a product of the operator's
    // on the standby pair too.
    const bool elsewhere =
        pgUrlVariable.contains(QLatin1String("_TLS_")) || pgUrlVariable.contains(QLatin1String("_HA_"));
    inv::PgConnection operatorDb(elsewhere ? pgUrl : testservices::pgUrl());
    if (elsewhere && operatorDb.exec("SELECT count(*) FROM public.inventory").int64(0, 0) == 0) {
        const CliRun added =
            runCli({QStringLiteral("add"), QString::fromStdString(testservices::uniqueSku("operator")),
                    QStringLiteral("--name"), QStringLiteral("Operator's product"), QStringLiteral("--stock"),
                    QStringLiteral("40"), QStringLiteral("--pg"), QString::fromStdString(pgUrl)});
        QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    }
    const std::string fingerprint = publicFingerprint(operatorDb);
    const auto keys = operatorKeys();
    auto config =
        testservices::simulationConfig(scenario, StrategyKind::Naive, session ? 2 : 4, session ? 2 : 5);
    config.pgConninfo = pgUrl;
    config.runId = newRunId();
    config.buyers = 300;
    config.stock = 40;
    config.rate = 400;
    config.durationSeconds = 1;
    config.products = 5;
    config.readers = 20;
    config.rounds = 2;
    config.ttl = 200ms;
    config.raceDelay = 2ms;
    inv::Simulation simulation(config);
    const auto report = simulation.run();
    QVERIFY(report.requests > 0);
    QVERIFY2(report.auditRows > 0 || scenario == ScenarioKind::Stampede, "the run wrote nothing");

    QCOMPARE(publicFingerprint(operatorDb), fingerprint);
    const auto after = operatorKeys();
    for (const auto &[key, value] : after) {
        const auto before = keys.find(key);
        QVERIFY2(
            before != keys.end(),
            qPrintable(
                QStringLiteral("new key outside the run's prefix: %1").arg(QString::fromStdString(key))));
        QVERIFY2(before->second == value,
                 qPrintable(QStringLiteral("key changed: %1").arg(QString::fromStdString(key))));
    }
    QVERIFY(after.count("operator:note") == 1);
    QVERIFY(!schemaExists(operatorDb, config.runId));
    QCOMPARE(keysWithPrefix(inv::SimulationSpace::prefixFor(config.runId)), 0LL);
}

void TestIsolation::keptRunStaysUntilCleanup()
{
    auto config = testservices::simulationConfig(ScenarioKind::FlashSale, StrategyKind::Versioned, 2, 3);
    config.runId = newRunId();
    config.keep = true;
    config.buyers = 100;
    config.stock = 10;
    inv::Simulation(config).run();
    QVERIFY(schemaExists(config.runId));
    QVERIFY(keysWithPrefix(inv::SimulationSpace::prefixFor(config.runId)) > 0);
    // The run's rows are in its own schema, for inspection.
    const auto sold = m_db->exec("SELECT count(*) FROM sim_" + config.runId + ".inventory_audit").int64(0, 0);
    QCOMPARE(sold, std::int64_t(10));
    // Every simulated buyer's row names the run and the server, never a person.
    const auto bySimulation = m_db->exec("SELECT count(*) FROM sim_" + config.runId +
                                             ".inventory_audit WHERE starts_with(actor, $1)",
                                         {"sim:" + config.runId + "/sim-" + config.runId + "-"});
    QCOMPARE(bySimulation.int64(0, 0), std::int64_t(10));

    const CliRun cleanup = runCli({QStringLiteral("simulate"), QStringLiteral("--cleanup")});
    QVERIFY2(cleanup.exitCode == 0, qPrintable(cleanup.err));
    QVERIFY(!schemaExists(config.runId));
    QCOMPARE(keysWithPrefix(inv::SimulationSpace::prefixFor(config.runId)), 0LL);
}

void TestIsolation::killedRunIsCleanedUp()
{
    const std::string runId = newRunId();
    QProcess run;
    run.start(testpaths::cli(),
              {QStringLiteral("simulate"), QStringLiteral("--scenario"), QStringLiteral("mixed"),
               QStringLiteral("--rate"), QStringLiteral("300"), QStringLiteral("--duration"),
               QStringLiteral("30"), QStringLiteral("--products"), QStringLiteral("10"),
               QStringLiteral("--servers"), QStringLiteral("1"), QStringLiteral("--connections"),
               QStringLiteral("2"), QStringLiteral("--run-id"), QString::fromStdString(runId)});
    QVERIFY(run.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(keysWithPrefix(inv::SimulationSpace::prefixFor(runId)) > 0, 20000);
    run.kill(); // SIGKILL: no destructor runs
    QVERIFY(run.waitForFinished());
    QVERIFY(schemaExists(runId));

    // The dead run no longer holds its space (PostgreSQL dropped its session), so cleanup takes it.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const CliRun cleanup = runCli({QStringLiteral("simulate"), QStringLiteral("--cleanup")});
            return cleanup.exitCode == 0 && !schemaExists(runId);
        }(),
        10000);
    QCOMPARE(keysWithPrefix(inv::SimulationSpace::prefixFor(runId)), 0LL);
}

QTEST_GUILESS_MAIN(TestIsolation)
#include "tst_isolation.moc"
