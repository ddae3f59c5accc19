// PostgreSQL as operators run it, started by the project's own scripts (test.sh,
// scripts/pgbouncer.sh): directly, through PgBouncer 1.18 in transaction pooling with its default
// settings, and in session pooling with ignore_startup_parameters = options (which takes the
// startup options and drops them). Through each, a pooler is found out, a transaction sets its own
// settings, and every command works on the operator's rows. And another PostgreSQL
// (scripts/pgstandby.sh): TLS with verify-full, and a primary with a streaming standby, which
// tst_failover promotes during a run. Simulations through each are isolated: tst_isolation runs its
// scenarios through them.
#include "clirunner.h"
#include "db/pgconnection.h"
#include "errors.h"
#include "monitor/pgserversampler.h"
#include "testpaths.h"
#include "testservices.h"

#include <libpq-fe.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>
#include <QTest>

#include <memory>
#include <vector>

class TestTopologies : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void poolerIsFoundOut_data();
    void poolerIsFoundOut();
    void everyCommandWorks_data();
    void everyCommandWorks();
    void passwordFromTheEnvironment_data();
    void passwordFromTheEnvironment();
    void serversPageKnowsThePooler_data();
    void serversPageKnowsThePooler();
    void fullPoolerIsSaid();
    void fullSessionPoolIsSaid();

private:
    static void topologies();
};

namespace {
// One keyword of the test PostgreSQL's URL, as libpq reads it.
std::string urlPart(const char *keyword)
{
    std::string out;
    char *error = nullptr;
    PQconninfoOption *options = PQconninfoParse(testservices::pgUrl().c_str(), &error);
    PQfreemem(error);
    for (PQconninfoOption *o = options; o && o->keyword; ++o)
        if (std::string(o->keyword) == keyword && o->val)
            out = o->val;
    PQconninfoFree(options);
    return out;
}

std::string topologyUrl(const QString &topology)
{
    if (topology == QLatin1String("direct"))
        return testservices::pgUrl();
    if (topology == QLatin1String("unix-socket"))
        return "host=" + testservices::env("INVENTORY_SANDBOX_DIR") + "/run port=" + urlPart("port") +
               " dbname=" + urlPart("dbname") + " user=" + urlPart("user") +
               " password=" + urlPart("password");
    if (topology == QLatin1String("tls-verify-full"))
        return testservices::env("INVENTORY_PG_TLS_URL");
    if (topology == QLatin1String("primary-standby"))
        return testservices::env("INVENTORY_PG_HA_URL");
    return testservices::env(topology == QLatin1String("pgbouncer-transaction")
                                 ? "INVENTORY_PGBOUNCER_TX_URL"
                                 : "INVENTORY_PGBOUNCER_SESSION_URL");
}

// Where a topology's rows are read back from: the same database, directly.
std::string checkUrl(const QString &topology)
{
    return topology == QLatin1String("tls-verify-full") || topology == QLatin1String("primary-standby")
               ? topologyUrl(topology)
               : testservices::pgUrl();
}

CliRun cli(const std::string &url, QStringList arguments)
{
    arguments << QStringLiteral("--pg") << QString::fromStdString(url);
    return runCli(arguments);
}

QJsonObject json(const CliRun &run)
{
    return QJsonDocument::fromJson(run.out.toUtf8()).object();
}
} // namespace

void TestTopologies::initTestCase()
{
    REQUIRE_SERVICES();
    if (testservices::env("INVENTORY_SANDBOX_DIR").empty())
        QSKIP("no sandbox directory (INVENTORY_SANDBOX_DIR) for the Unix socket: run ./test.sh");
    if (testservices::env("INVENTORY_PGBOUNCER_TX_URL").empty() ||
        testservices::env("INVENTORY_PGBOUNCER_SESSION_URL").empty() ||
        testservices::env("INVENTORY_PG_TLS_URL").empty() ||
        testservices::env("INVENTORY_PG_HA_URL").empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_PGBOUNCER_TX_URL, INVENTORY_PGBOUNCER_SESSION_URL, INVENTORY_PG_TLS_URL and "
                  "INVENTORY_PG_HA_URL must be set (./test.sh starts PgBouncer with scripts/pgbouncer.sh "
                  "and the standby pair with scripts/pgstandby.sh)");
        QSKIP("no PgBouncer or standby pair configured: run ./test.sh");
    }
}

void TestTopologies::topologies()
{
    QTest::addColumn<QString>("topology");
    QTest::addColumn<bool>("pooled");
    QTest::newRow("direct") << QStringLiteral("direct") << false;
    // The sandbox's socket directory, with a scram password as over TCP.
    QTest::newRow("unix-socket") << QStringLiteral("unix-socket") << false;
    QTest::newRow("pgbouncer-transaction") << QStringLiteral("pgbouncer-transaction") << true;
    QTest::newRow("pgbouncer-session") << QStringLiteral("pgbouncer-session") << true;
    // Another PostgreSQL (scripts/pgstandby.sh): TLS checked against a private CA and the host name,
    // and a primary with a synchronous standby, both listed, target_session_attrs=read-write.
    QTest::newRow("tls-verify-full") << QStringLiteral("tls-verify-full") << false;
    QTest::newRow("primary-standby") << QStringLiteral("primary-standby") << false;
}

void TestTopologies::poolerIsFoundOut_data()
{
    topologies();
}

void TestTopologies::poolerIsFoundOut()
{
    // Transaction pooling refuses the startup options; session pooling with
    // ignore_startup_parameters = options takes them and drops them. Either way the connection
    // knows, and each transaction sets its statement_timeout and search_path itself.
    QFETCH(QString, topology);
    QFETCH(bool, pooled);
    const std::string url = topologyUrl(topology);
    inv::PgConnection plain(url);
    QCOMPARE(plain.pooled(), pooled);
    inv::PgConnection schemed(url, "public");
    QCOMPARE(schemed.pooled(), pooled);
    for (int i = 0; i < 3; ++i) {
        inv::PgTransaction tx(schemed);
        const auto shown = schemed.exec("SELECT current_setting('statement_timeout'), current_schema(), "
                                        "current_setting('lock_timeout'), "
                                        "current_setting('idle_in_transaction_session_timeout')");
        QCOMPARE(shown.text(0, 0), std::string("15s"));
        QCOMPARE(shown.text(0, 1), std::string("public"));
        QCOMPARE(shown.text(0, 2), std::string("15s"));
        QCOMPARE(shown.text(0, 3), std::string("1min"));
        tx.commit();
    }
    // A named statement made on one server session is not looked for on another. Before each
    // statement another client opens a transaction and keeps the server session used last
    // (PgBouncer hands out the most recently used one first): the next runs on another session.
    std::vector<std::unique_ptr<inv::PgConnection>> holders;
    for (int i = 0; i < 6; ++i) {
        QCOMPARE(plain.exec("SELECT $1::int + 1", {std::to_string(i)}).int32(0, 0), i + 1);
        holders.push_back(std::make_unique<inv::PgConnection>(url));
        holders.back()->begin();
    }
}

void TestTopologies::everyCommandWorks_data()
{
    topologies();
}

void TestTopologies::everyCommandWorks()
{
    QFETCH(QString, topology);
    const std::string url = topologyUrl(topology);
    inv::PgConnection db(checkUrl(topology));
    const QString sku = QString::fromStdString(testservices::uniqueSku("TOPO"));
    // init finds the schema current and adds no products.
    CliRun run = cli(url, {QStringLiteral("init"), QStringLiteral("--products"), QStringLiteral("0")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    run = cli(url, {QStringLiteral("add"), sku, QStringLiteral("--name"), QStringLiteral("topology"),
                    QStringLiteral("--stock"), QStringLiteral("50"), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    int expected = 50;
    for (const char *strategy : {"unsafe", "naive", "locked", "versioned", "combined"}) {
        run = cli(url, {QStringLiteral("purchase"), sku, QStringLiteral("2"), QStringLiteral("--strategy"),
                        QString::fromLatin1(strategy), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0,
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(strategy), run.err)));
        expected -= 2;
        QCOMPARE(json(run).value(QStringLiteral("stock")).toInt(), expected);
    }
    QCOMPARE(testservices::dbStock(db, sku.toStdString()), expected);
    run = cli(url, {QStringLiteral("restock"), sku, QStringLiteral("5"), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const qint64 restockId = json(run).value(QStringLiteral("audit_id")).toInteger();
    expected += 5;
    run = cli(url, {QStringLiteral("reverse"), QString::number(restockId), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    expected -= 5;
    QCOMPARE(testservices::dbStock(db, sku.toStdString()), expected);

    QTemporaryFile count;
    QVERIFY(count.open());
    count.write(QStringLiteral("sku,counted\n%1,31\n").arg(sku).toUtf8());
    count.close();
    run = cli(url, {QStringLiteral("import-count"), count.fileName(), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(testservices::dbStock(db, sku.toStdString()), 31);

    run = cli(url, {QStringLiteral("stock"), sku, QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains(QLatin1String("31")), qPrintable(run.out));
    run = cli(url, {QStringLiteral("audit"), QStringLiteral("--sku"), sku, QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    // Five purchases, the restock, its reversal and the count, each with its row.
    const auto rows = db.exec("SELECT count(*) FROM inventory_audit WHERE sku = $1", {sku.toStdString()});
    QCOMPARE(rows.int64(0, 0), std::int64_t(8));
}

void TestTopologies::passwordFromTheEnvironment_data()
{
    QTest::addColumn<QString>("source");
    QTest::newRow("PGPASSWORD") << QStringLiteral("PGPASSWORD");
    QTest::newRow("PGPASSFILE") << QStringLiteral("PGPASSFILE");
}

void TestTopologies::passwordFromTheEnvironment()
{
    // The URL without its password: libpq finds it in PGPASSWORD, or in the file PGPASSFILE names
    // (mode 0600, host:port:database:user:password).
    QFETCH(QString, source);
    const std::string url = "postgresql://" + urlPart("user") + "@" + urlPart("host") + ":" +
                            urlPart("port") + "/" + urlPart("dbname");
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("PGPASSWORD"));
    environment.remove(QStringLiteral("PGPASSFILE"));
    QTemporaryFile passfile;
    if (source == QLatin1String("PGPASSWORD")) {
        environment.insert(source, QString::fromStdString(urlPart("password")));
    } else {
        QVERIFY(passfile.open());
        passfile.write(QString::fromStdString(urlPart("host") + ":" + urlPart("port") + ":" +
                                              urlPart("dbname") + ":" + urlPart("user") + ":" +
                                              urlPart("password") + "\n")
                           .toUtf8());
        passfile.close();
        QVERIFY(passfile.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        environment.insert(source, passfile.fileName());
    }
    const CliRun run = runProgram(testpaths::cli(),
                                  {QStringLiteral("audit"), QStringLiteral("--limit"), QStringLiteral("1"),
                                   QStringLiteral("--pg"), QString::fromStdString(url)},
                                  60000, environment);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
}

void TestTopologies::serversPageKnowsThePooler_data()
{
    topologies();
}

void TestTopologies::serversPageKnowsThePooler()
{
    // The Servers page samples PostgreSQL through the same topology, and says so when a pooler's
    // server connections are what pg_stat_activity lists.
    QFETCH(QString, topology);
    QFETCH(bool, pooled);
    inv::PgServerSampler sampler(topologyUrl(topology));
    for (int i = 0; i < 3; ++i) {
        const inv::PgServerStats stats = sampler.sample();
        QVERIFY2(stats.available, stats.error.c_str());
        QCOMPARE(stats.pooled, pooled);
        QVERIFY(stats.maxConnections > 0);
    }
}

void TestTopologies::fullPoolerIsSaid()
{
    // PgBouncer takes at most max_client_conn clients (100 by default). Clients that have only
    // logged in hold no server connection, so these fill it without touching PostgreSQL; the next
    // command is refused, and says which limit and what to change.
    const std::string url = topologyUrl(QStringLiteral("pgbouncer-session"));
    std::vector<std::unique_ptr<PGconn, decltype(&PQfinish)>> clients;
    for (int i = 0; i < 200; ++i) {
        clients.emplace_back(PQconnectdb(url.c_str()), &PQfinish);
        if (PQstatus(clients.back().get()) != CONNECTION_OK)
            break;
    }
    QVERIFY2(PQstatus(clients.back().get()) != CONNECTION_OK, "PgBouncer took 200 clients");
    QVERIFY2(
        QString::fromUtf8(PQerrorMessage(clients.back().get())).contains(QLatin1String("max_client_conn")),
        PQerrorMessage(clients.back().get()));
    const CliRun run = cli(url, {QStringLiteral("audit"), QStringLiteral("--limit"), QStringLiteral("1")});
    QCOMPARE(run.exitCode, 3);
    QVERIFY2(run.err.contains(QLatin1String("max_client_conn")), qPrintable(run.err));
    QVERIFY2(run.err.contains(QLatin1String("lower --servers or --connections")), qPrintable(run.err));
}

void TestTopologies::fullSessionPoolIsSaid()
{
    // In session pooling each client keeps its server connection; PgBouncer's default_pool_size is
    // 20. With the pool held, a connection is told so within a few seconds, not at the pooler's
    // query_wait_timeout (120 s), and a command exits 3 saying which setting to raise.
    const std::string url = topologyUrl(QStringLiteral("pgbouncer-session"));
    std::vector<std::unique_ptr<inv::PgConnection>> holders;
    QString refusal;
    for (int i = 0; i < 40 && refusal.isEmpty(); ++i) {
        try {
            holders.push_back(std::make_unique<inv::PgConnection>(url));
        } catch (const inv::DbTimeout &e) {
            refusal = QString::fromUtf8(e.what());
        }
    }
    QVERIFY2(!refusal.isEmpty(), "PgBouncer gave 40 clients a server connection each");
    QCOMPARE(holders.size(), std::size_t(20));
    QVERIFY2(refusal.contains(QLatin1String("pool is full")) &&
                 refusal.contains(QLatin1String("default_pool_size")),
             qPrintable(refusal));
    QElapsedTimer timer;
    timer.start();
    const CliRun run = cli(url, {QStringLiteral("audit"), QStringLiteral("--limit"), QStringLiteral("1")});
    QCOMPARE(run.exitCode, 3);
    QVERIFY2(run.err.contains(QLatin1String("default_pool_size")), qPrintable(run.err));
    QVERIFY2(timer.elapsed() < 30000, "the command waited as long as the pooler would");
}

QTEST_GUILESS_MAIN(TestTopologies)
#include "tst_topologies.moc"
