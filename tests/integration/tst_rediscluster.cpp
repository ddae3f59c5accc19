// Redis Cluster, against the three masters that scripts/rediscluster.sh starts: the console does not
// route by slot, so it declines a Cluster node at the handshake (INFO cluster) on every path, says so
// with what to give instead, and serves from PostgreSQL. Checked on the real state: the purchases
// commit, a simulation keeps its books, and no node of the Cluster holds a key afterwards (nothing
// was half-cached on the node that happened to own a slot).
#include "cache/redisurl.h"
#include "clijson.h"
#include "clirunner.h"
#include "testservices.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

class TestRedisCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void commandsSayTheClusterIsNotUsed();
    void simulationServesFromPostgres();
    void noNodeHoldsAKey();
    void cleanupTestCase();

private:
    QString dbSize(const QString &port) const;

    QString m_url;
    QString m_password;
    QStringList m_nodes;
    QString m_sku;
};

QString TestRedisCluster::dbSize(const QString &port) const
{
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("REDISCLI_AUTH"), m_password);
    return runProgram(QStringLiteral("redis-cli"), {QStringLiteral("-p"), port, QStringLiteral("DBSIZE")},
                      10000, environment)
        .out.trimmed();
}

void TestRedisCluster::initTestCase()
{
    REQUIRE_SERVICES();
    m_url = qEnvironmentVariable("INVENTORY_REDIS_CLUSTER_URL");
    if (m_url.isEmpty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_REDIS_CLUSTER_URL is not set: run through ./test.sh");
        QSKIP("no Redis Cluster (scripts/rediscluster.sh)");
    }
    m_password = QString::fromStdString(inv::RedisUrl::parse(m_url.toStdString()).password);
    m_nodes =
        qEnvironmentVariable("INVENTORY_REDIS_CLUSTER_NODES").split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QCOMPARE(m_nodes.size(), 3);
    // The Cluster is up and empty: every slot served, no key yet.
    for (const QString &port : m_nodes)
        QCOMPARE(dbSize(port), QStringLiteral("0"));
    m_sku = QString::fromStdString(testservices::uniqueSku("CLUS"));
    const CliRun add = runCli(args({"add"}) << m_sku << args({"--name", "cluster", "--stock", "100"}));
    QVERIFY2(add.exitCode == 0, qPrintable(add.err));
}

void TestRedisCluster::commandsSayTheClusterIsNotUsed()
{
    // Given any node, every strategy's purchase commits (the stock falls) and names the Cluster.
    int expected = 100;
    for (const QString &port : m_nodes) {
        QString url = m_url;
        url.replace(QLatin1Char(':') + m_nodes.first(), QLatin1Char(':') + port);
        const QStringList redis{QStringLiteral("--redis"), url};
        for (const char *strategy : {"naive", "locked", "versioned", "combined"}) {
            const CliRun run = runCli(args({"purchase"})
                                      << m_sku << args({"1", "--strategy"}) << QString::fromLatin1(strategy)
                                      << QStringLiteral("--json") << redis);
            QVERIFY2(run.exitCode == 0, qPrintable(run.err));
            --expected;
            const QString error = json(run.out).value(QStringLiteral("cache_error")).toString();
            QVERIFY2(error.contains(QLatin1String("node of a Redis Cluster")) &&
                         error.contains(QLatin1String("redis+sentinel://")),
                     qPrintable(run.out));
            QVERIFY2(!run.out.contains(m_password), "the password was shown");
        }
        const CliRun stock = runCli(args({"stock"}) << m_sku << QStringLiteral("--json") << redis);
        QVERIFY2(stock.exitCode == 0, qPrintable(stock.err));
        const QJsonObject shown = json(stock.out);
        QCOMPARE(shown.value(QStringLiteral("database")).toObject().value(QStringLiteral("stock")).toInt(),
                 expected);
        QCOMPARE(shown.value(QStringLiteral("cache_state")).toString(), QStringLiteral("refused"));
        QVERIFY2(shown.value(QStringLiteral("cache_error"))
                     .toString()
                     .contains(QLatin1String("cluster_enabled:1")),
                 qPrintable(stock.out));
    }
}

void TestRedisCluster::simulationServesFromPostgres()
{
    // A mixed run on the event loop, with the near cache (its subscriber and tracker are Redis
    // connections too): the books hold, the reads come from PostgreSQL, and the verdict names why.
    const CliRun run = runCli(args({"simulate", "--scenario", "mixed", "--near-cache", "--duration", "1",
                                    "--rate", "200", "--json", "--redis"})
                                  << m_url,
                              120000);
    const QJsonObject report = json(run.out);
    QVERIFY2(!report.isEmpty(), qPrintable(run.err));
    QCOMPARE(report.value(QStringLiteral("oversold")).toInteger(-1), 0LL);
    QCOMPARE(report.value(QStringLiteral("ledger_ok")).toBool(), true);
    QCOMPARE(report.value(QStringLiteral("stale_reads")).toInteger(-1), 0LL);
    QVERIFY(report.value(QStringLiteral("audit_rows")).toInteger() > 0);
    QCOMPARE(report.value(QStringLiteral("cache_hit_rate")).toDouble(-1), 0.0);
    // Whether the cache agrees cannot be known with the cache unused: not wrong, unknown.
    QVERIFY2(report.contains(QStringLiteral("correct")) && report.value(QStringLiteral("correct")).isNull(),
             qPrintable(run.out.left(2000)));
    QVERIFY2(report.value(QStringLiteral("cache_error")).toString().contains(QLatin1String("Redis Cluster")),
             qPrintable(run.out.left(2000)));
    const QString note = report.value(QStringLiteral("verdict_note")).toString();
    QVERIFY2(note.contains(QLatin1String("Redis Cluster")), qPrintable(note));
}

void TestRedisCluster::noNodeHoldsAKey()
{
    // Declined on every path: not one key was written on any node, the locks and the simulation's
    // own space included.
    for (const QString &port : m_nodes)
        QCOMPARE(dbSize(port), QStringLiteral("0"));
}

void TestRedisCluster::cleanupTestCase()
{
    // The run could not delete its keys, so it left its schema for a later cleanup: that cleanup,
    // with the test's own Redis, removes it.
    const CliRun run = runCli(args({"simulate", "--cleanup"}));
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
}

QTEST_GUILESS_MAIN(TestRedisCluster)
#include "tst_rediscluster.moc"
