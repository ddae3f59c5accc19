// Another PostgreSQL as operators run it (scripts/pgstandby.sh): a primary with a synchronous
// streaming standby, both given in the URL with target_session_attrs=read-write, and TLS checked
// with verify-full against a private CA. The primary stops as in a crash during a mixed run and the
// standby is promoted: the run goes on against it, each write in doubt is settled, nothing
// acknowledged is lost, the ledger holds and the operator's tables are untouched. A certificate that
// does not verify is refused, with what to pass. The promotion is for good: this test runs after
// tst_topologies and tst_isolation, and the URLs still work after it, as they name both servers.
#include "clirunner.h"
#include "db/pgconnection.h"
#include "sim/simulation.h"
#include "testservices.h"

#include <QFile>
#include <QTest>

#include <csignal>
#include <future>
#include <random>
#include <thread>

using inv::ScenarioKind;
using inv::StrategyKind;
using namespace std::chrono_literals;

class TestFailover : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void certificateThatDoesNotVerifyIsRefused_data();
    void certificateThatDoesNotVerifyIsRefused();
    void promotionMidRunLosesNothing();

private:
    std::string m_url;
};

namespace {
std::string replaced(std::string text, const std::string &from, const std::string &to)
{
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

std::string operatorFingerprint(inv::PgConnection &db)
{
    return db
        .exec("SELECT (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY sku), '')) FROM public.inventory "
              "t) "
              "|| (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY id), '')) FROM "
              "public.inventory_audit a)")
        .text(0, 0);
}
} // namespace

void TestFailover::initTestCase()
{
    REQUIRE_SERVICES();
    m_url = testservices::env("INVENTORY_PG_HA_URL");
    if (m_url.empty() || testservices::env("INVENTORY_PG_TLS_URL").empty()) {
        if (testservices::servicesRequired())
            QFAIL(
                "INVENTORY_PG_HA_URL and INVENTORY_PG_TLS_URL must be set (./test.sh starts the standby pair "
                "with scripts/pgstandby.sh)");
        QSKIP("no standby pair configured: run ./test.sh");
    }
}

void TestFailover::certificateThatDoesNotVerifyIsRefused_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("remedy");
    const std::string tls = testservices::env("INVENTORY_PG_TLS_URL");
    // The certificate names localhost, not the address.
    QTest::newRow("another host name")
        << QString::fromStdString(replaced(tls, "localhost", "127.0.0.1"))
        << QStringLiteral("does not match host name") << QStringLiteral("sslmode=verify-ca");
    QTest::newRow("another CA") << QString::fromStdString(
                                       replaced(tls, testservices::env("INVENTORY_PG_HA_CA"),
                                                testservices::env("INVENTORY_PG_HA_OTHER_CA")))
                                << QStringLiteral("certificate verify failed")
                                << QStringLiteral("sslrootcert=FILE");
}

void TestFailover::certificateThatDoesNotVerifyIsRefused()
{
    QFETCH(QString, url);
    QFETCH(QString, reason);
    QFETCH(QString, remedy);
    // A single command, and a simulation (the event loop's connections): exit 3, why, what to pass.
    for (const QStringList &command :
         {QStringList{QStringLiteral("audit"), QStringLiteral("--limit"), QStringLiteral("1")},
          QStringList{QStringLiteral("simulate"), QStringLiteral("--scenario"), QStringLiteral("flash-sale"),
                      QStringLiteral("--buyers"), QStringLiteral("20"), QStringLiteral("--stock"),
                      QStringLiteral("5")}}) {
        const CliRun run = runCli(command + QStringList{QStringLiteral("--pg"), url});
        QVERIFY2(run.exitCode == 3,
                 qPrintable(command.first() + QStringLiteral(": exit %1, ").arg(run.exitCode) + run.err));
        QVERIFY2(run.err.contains(reason), qPrintable(run.err));
        QVERIFY2(run.err.contains(remedy), qPrintable(run.err));
    }
}

void TestFailover::promotionMidRunLosesNothing()
{
    inv::PgConnection before(m_url);
    QVERIFY2(
        before.exec("SELECT pg_is_in_recovery()").text(0, 0) == "f",
        "the first server is not the primary: the standby pair was promoted before; run ./test.sh again");
    const QString sku = QString::fromStdString(testservices::uniqueSku("FAILOVER"));
    CliRun added = runCli({QStringLiteral("add"), sku, QStringLiteral("--name"), QStringLiteral("operator's"),
                           QStringLiteral("--stock"), QStringLiteral("30"), QStringLiteral("--pg"),
                           QString::fromStdString(m_url)});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    const std::string fingerprint = operatorFingerprint(before);

    auto config = testservices::simulationConfig(ScenarioKind::Mixed, StrategyKind::Versioned, 2, 11);
    config.pgConninfo = m_url;
    config.runId = "failover_" + std::to_string(std::random_device{}() % 100000000);
    config.rate = 300;
    config.durationSeconds = 6;
    config.products = 5;
    config.stock = 100000;
    inv::Simulation simulation(config);
    auto running = std::async(std::launch::async, [&] { return simulation.run(); });

    // Once the run has written for a while: the primary stops as in a crash (immediate shutdown,
    // no checkpoint), and the standby is promoted.
    // The run's own clock, not the wall's: its set-up takes seconds under a sanitizer.
    QTRY_VERIFY_WITH_TIMEOUT(simulation.snapshot().elapsedSeconds > 1.5, 60000);
    const long long writtenBefore =
        before.exec("SELECT count(*) FROM sim_" + config.runId + ".inventory_audit").int64(0, 0);
    QVERIFY2(writtenBefore > 0, "the run wrote nothing before the primary stopped");
    QFile pidFile(QString::fromStdString(testservices::env("INVENTORY_PG_HA_PRIMARY_PIDFILE")));
    QVERIFY(pidFile.open(QIODevice::ReadOnly));
    const pid_t postmaster = static_cast<pid_t>(pidFile.readLine().trimmed().toLong());
    QVERIFY(postmaster > 0);
    QCOMPARE(::kill(postmaster, SIGQUIT), 0);
    inv::PgConnection standby(testservices::env("INVENTORY_PG_HA_STANDBY_ADMIN_URL"));
    QCOMPARE(standby.exec("SELECT pg_promote(true, 30)").text(0, 0), std::string("t"));

    const auto report = testservices::answered(std::move(running), "the run", 60s);
    const QString summary = QString::fromStdString(report.humanSummary());
    qInfo(
        "%lld audit rows before the crash, %lld at the end; %lld errors; %lld writes in doubt, %lld settled",
        writtenBefore, report.auditRows, report.errors, report.inDoubt, report.inDoubtResolved);
    QVERIFY2(report.requests > 0, qPrintable(summary));
    // Every write acknowledged before the crash reached the standby, and the run wrote on after it.
    QVERIFY2(report.auditRows > writtenBefore, qPrintable(summary));
    QCOMPARE(report.oversold, 0LL);
    QVERIFY2(report.ledgerOk, qPrintable(summary));
    QCOMPARE(report.inDoubtResolved, report.inDoubt);

    inv::PgConnection after(m_url);
    QCOMPARE(after.exec("SELECT pg_is_in_recovery()").text(0, 0), std::string("f"));
    QCOMPARE(operatorFingerprint(after), fingerprint);
    QCOMPARE(after.exec("SELECT count(*) FROM pg_namespace WHERE nspname = $1", {"sim_" + config.runId})
                 .int64(0, 0),
             std::int64_t(0));
}

QTEST_GUILESS_MAIN(TestFailover)
#include "tst_failover.moc"
