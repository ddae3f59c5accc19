// Redis under Sentinel (redis+sentinel://), against the master, replica and Sentinel that
// scripts/redissentinel.sh starts: the console finds the master through the Sentinel, writes its
// cache there (read back by redis-cli on that node), follows a failover (SENTINEL FAILOVER) during a
// mixed run without overselling or breaking the ledger, marks it on the run's time line, and
// afterwards writes to the new master. A master name the Sentinel does not know and a Sentinel that
// is not there are said as such.
#include "cache/redisurl.h"
#include "cache/stockcache.h"
#include "clijson.h"
#include "clirunner.h"
#include "testpaths.h"
#include "testservices.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

class TestRedisSentinel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void commandsFindTheMaster();
    void unknownMasterIsSaid();
    void missingSentinelIsSaid();
    void failoverDuringARun();
    void tlsSentinelsAndMaster();

private:
    void correctCachedRun(const QStringList &redis);

    QString m_url;
    QString m_password;
    QString m_sentinelPort;
    QStringList m_nodes;
    QString m_sku;
};

namespace {
QString redisCli(const QString &port, const QString &password, const QStringList &command)
{
    auto environment = QProcessEnvironment::systemEnvironment();
    if (!password.isEmpty())
        environment.insert(QStringLiteral("REDISCLI_AUTH"), password);
    return runProgram(QStringLiteral("redis-cli"), QStringList{QStringLiteral("-p"), port} + command, 10000,
                      environment)
        .out.trimmed();
}
} // namespace

void TestRedisSentinel::correctCachedRun(const QStringList &redis)
{
    // A short mixed run with the near cache, on the event loop: correct, and served from the cache.
    const CliRun run = runCli(args({"simulate", "--scenario", "mixed", "--near-cache", "--duration", "2",
                                    "--rate", "500", "--json"})
                                  << redis,
                              120000);
    // Exit 1 is a missed latency threshold on a slow (sanitizer) build; correctness is what counts.
    QVERIFY2(run.exitCode == 0 || run.exitCode == 1, qPrintable(run.err + run.out.left(2000)));
    const QJsonObject report = json(run.out);
    QCOMPARE(report.value(QStringLiteral("correct")).toBool(), true);
    QVERIFY2(report.value(QStringLiteral("cache_hit_rate")).toDouble() > 0.9, qPrintable(run.out.left(2000)));
    QVERIFY2(report.value(QStringLiteral("near_cache")).toObject().value(QStringLiteral("hits")).toInteger() >
                 0,
             qPrintable(run.out.left(2000)));
}

void TestRedisSentinel::initTestCase()
{
    REQUIRE_SERVICES();
    m_url = qEnvironmentVariable("INVENTORY_REDIS_SENTINEL_URL");
    if (m_url.isEmpty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_REDIS_SENTINEL_URL is not set: run through ./test.sh");
        QSKIP("no Sentinel (scripts/redissentinel.sh)");
    }
    m_password = QString::fromStdString(inv::RedisUrl::parse(m_url.toStdString()).password);
    m_sentinelPort = qEnvironmentVariable("INVENTORY_REDIS_SENTINEL_PORT");
    m_nodes =
        qEnvironmentVariable("INVENTORY_REDIS_SENTINEL_NODES").split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QCOMPARE(m_nodes.size(), 2);
    m_sku = QString::fromStdString(testservices::uniqueSku("SENT"));
    const CliRun add = runCli(args({"add"}) << m_sku << args({"--name", "sentinel", "--stock", "500"}));
    QVERIFY2(add.exitCode == 0, qPrintable(add.err));
}

void TestRedisSentinel::commandsFindTheMaster()
{
    const QStringList redis{QStringLiteral("--redis"), m_url};
    const QString key = QString::fromStdString(inv::StockCache::key(m_sku.toStdString()));
    for (const char *strategy : {"naive", "locked", "versioned", "combined"}) {
        const CliRun run =
            runCli(args({"purchase"}) << m_sku << args({"1", "--strategy"}) << QString::fromLatin1(strategy)
                                      << QStringLiteral("--json") << redis);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(json(run.out).value(QStringLiteral("cache_error")).isNull(),
                 qPrintable(json(run.out).value(QStringLiteral("cache_error")).toString()));
    }
    const CliRun stock = runCli(args({"stock"}) << m_sku << QStringLiteral("--json") << redis);
    QVERIFY2(stock.exitCode == 0, qPrintable(stock.err));
    QCOMPARE(json(stock.out).value(QStringLiteral("cache_state")).toString(), QStringLiteral("fresh"));
    // The value is on the master the Sentinel names, read there by another client.
    const int units =
        json(stock.out).value(QStringLiteral("database")).toObject().value(QStringLiteral("stock")).toInt();
    const QString cached = redisCli(m_nodes.first(), m_password, {QStringLiteral("GET"), key});
    QVERIFY2(cached.startsWith(QString::number(units) + QLatin1Char(':')), qPrintable(cached));

    correctCachedRun(redis);
}

void TestRedisSentinel::unknownMasterIsSaid()
{
    QString url = m_url;
    url.replace(QLatin1String("/inventory"), QLatin1String("/nosuchmaster"));
    const CliRun run =
        runCli(args({"stock"}) << m_sku << QStringLiteral("--json") << QStringLiteral("--redis") << url);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QString error = json(run.out).value(QStringLiteral("cache_error")).toString();
    QVERIFY2(error.contains(QLatin1String("knows no master named 'nosuchmaster'")), qPrintable(error));
    QVERIFY2(!run.out.contains(m_password), "the password was shown");
}

void TestRedisSentinel::missingSentinelIsSaid()
{
    QString url = m_url;
    url.replace(QStringLiteral(":") + m_sentinelPort + QStringLiteral("/"), QStringLiteral(":1/"));
    const CliRun run =
        runCli(args({"stock"}) << m_sku << QStringLiteral("--json") << QStringLiteral("--redis") << url);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QString error = json(run.out).value(QStringLiteral("cache_error")).toString();
    QVERIFY2(error.contains(QLatin1String("no Sentinel of")) && error.contains(QLatin1String("127.0.0.1:1")),
             qPrintable(error));
}

void TestRedisSentinel::failoverDuringARun()
{
    const QStringList redis{QStringLiteral("--redis"), m_url};
    // The report goes to a file, so that stderr says the run's phases: the failover is started once
    // the load runs, however long the set-up took (a sanitizer build takes seconds for it).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString reportPath = dir.filePath(QStringLiteral("report.json"));
    QProcess run;
    run.start(testpaths::cli(),
              args({"simulate", "--scenario", "mixed", "--duration", "6", "--rate", "500", "--report"})
                  << reportPath << redis);
    QVERIFY(run.waitForStarted());
    QByteArray phases;
    QElapsedTimer setUp;
    setUp.start();
    while (!phases.contains("running mixed") && run.state() == QProcess::Running && setUp.elapsed() < 60000) {
        run.waitForReadyRead(200);
        phases += run.readAllStandardError();
    }
    QVERIFY2(phases.contains("running mixed"), phases.constData());
    QThread::msleep(2000);
    QCOMPARE(redisCli(m_sentinelPort, {},
                      {QStringLiteral("SENTINEL"), QStringLiteral("FAILOVER"), QStringLiteral("inventory")}),
             QStringLiteral("OK"));
    // The replica becomes the master the Sentinel names.
    QElapsedTimer waited;
    waited.start();
    QString master;
    while (waited.elapsed() < 20000) {
        master = redisCli(m_sentinelPort, {},
                          {QStringLiteral("SENTINEL"), QStringLiteral("get-master-addr-by-name"),
                           QStringLiteral("inventory")});
        if (master.endsWith(m_nodes.last()) && redisCli(m_nodes.last(), m_password, {QStringLiteral("ROLE")})
                                                   .startsWith(QLatin1String("master")))
            break;
        QThread::msleep(100);
    }
    QVERIFY2(master.endsWith(m_nodes.last()), qPrintable(master));
    QVERIFY(run.waitForFinished(120000));
    QFile reportFile(reportPath);
    QVERIFY2(reportFile.open(QIODevice::ReadOnly), qPrintable(reportPath));
    const QString out = QString::fromUtf8(reportFile.readAll());
    const QJsonObject report = json(out);
    QVERIFY2(run.exitCode() == 0 || run.exitCode() == 1,
             qPrintable(QString::fromUtf8(phases + run.readAllStandardError()) + out.left(2000)));
    // What PostgreSQL guarantees holds through the failover.
    QCOMPARE(report.value(QStringLiteral("oversold")).toInteger(-1), 0LL);
    QCOMPARE(report.value(QStringLiteral("ledger_ok")).toBool(), true);
    QCOMPARE(report.value(QStringLiteral("errors")).toInteger(-1), 0LL);
    // The failover is on the run's time line, naming the new master, while the load ran.
    const QString expected = QStringLiteral("Redis failover: master now 127.0.0.1:") + m_nodes.last();
    double failoverAt = -1;
    for (const auto &event : report.value(QStringLiteral("events")).toArray())
        if (event.toObject().value(QStringLiteral("label")).toString() == expected)
            failoverAt = event.toObject().value(QStringLiteral("t")).toDouble();
    QVERIFY2(failoverAt > 1 && failoverAt < 8,
             QJsonDocument(report.value(QStringLiteral("events")).toArray()).toJson().constData());
    qInfo(
        "through the failover: %lld requests, hit rate %.3f, stale reads %lld, divergent keys at the end %s, "
        "cache trouble: %s",
        report.value(QStringLiteral("requests")).toInteger(),
        report.value(QStringLiteral("cache_hit_rate")).toDouble(),
        report.value(QStringLiteral("stale_reads")).toInteger(),
        qPrintable(QString::number(report.value(QStringLiteral("divergent_keys_at_end")).toInteger(-1))),
        qPrintable(report.value(QStringLiteral("cache_error")).toString()));

    // Afterwards a command writes its cache to the new master.
    const QString key = QString::fromStdString(inv::StockCache::key(m_sku.toStdString()));
    CliRun purchase = runCli(args({"purchase"}) << m_sku << args({"1", "--json"}) << redis);
    QVERIFY2(purchase.exitCode == 0, qPrintable(purchase.err));
    QVERIFY2(json(purchase.out).value(QStringLiteral("cache_error")).isNull(),
             qPrintable(json(purchase.out).value(QStringLiteral("cache_error")).toString()));
    const CliRun stock = runCli(args({"stock"}) << m_sku << QStringLiteral("--json") << redis);
    const int units =
        json(stock.out).value(QStringLiteral("database")).toObject().value(QStringLiteral("stock")).toInt();
    QCOMPARE(json(stock.out).value(QStringLiteral("cache_state")).toString(), QStringLiteral("fresh"));
    const QString cached = redisCli(m_nodes.last(), m_password, {QStringLiteral("GET"), key});
    QVERIFY2(cached.startsWith(QString::number(units) + QLatin1Char(':')), qPrintable(cached));
}

void TestRedisSentinel::tlsSentinelsAndMaster()
{
    // rediss+sentinel://: the Sentinel is asked over TLS, and the master it names is spoken to over
    // TLS, both verified against the URL's CA for the name in sni= (the certificate names localhost,
    // the Sentinel names 127.0.0.1).
    const QString url = qEnvironmentVariable("INVENTORY_REDIS_SENTINEL_TLS_URL");
    if (url.isEmpty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_REDIS_SENTINEL_TLS_URL is not set: run through ./test.sh");
        QSKIP("no Sentinel over TLS (scripts/redissentinel.sh tls)");
    }
    const QStringList redis{QStringLiteral("--redis"), url};
    CliRun run =
        runCli(args({"purchase"}) << m_sku << args({"1", "--strategy", "versioned", "--json"}) << redis);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(json(run.out).value(QStringLiteral("cache_error")).isNull(),
             qPrintable(json(run.out).value(QStringLiteral("cache_error")).toString()));
    run = runCli(args({"stock"}) << m_sku << QStringLiteral("--json") << redis);
    QCOMPARE(json(run.out).value(QStringLiteral("cache_state")).toString(), QStringLiteral("fresh"));
    const int units =
        json(run.out).value(QStringLiteral("database")).toObject().value(QStringLiteral("stock")).toInt();
    // Read back on the master, over TLS, by another client.
    const inv::RedisUrl parsed = inv::RedisUrl::parse(url.toStdString());
    const QString master =
        qEnvironmentVariable("INVENTORY_REDIS_SENTINEL_TLS_NODES").split(QLatin1Char(' ')).first();
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("REDISCLI_AUTH"), QString::fromStdString(parsed.password));
    const QString cached =
        runProgram(QStringLiteral("redis-cli"),
                   {QStringLiteral("--tls"), QStringLiteral("--cacert"),
                    QString::fromStdString(parsed.caFile), QStringLiteral("-p"), master,
                    QStringLiteral("GET"), QString::fromStdString(inv::StockCache::key(m_sku.toStdString()))},
                   10000, environment)
            .out.trimmed();
    QVERIFY2(cached.startsWith(QString::number(units) + QLatin1Char(':')), qPrintable(cached));
    // A wrong CA is refused at the Sentinel, and said.
    QString wrong = url;
    const QString caFile = QString::fromStdString(parsed.caFile);
    wrong.replace(caFile, QFileInfo(caFile).dir().filePath(QStringLiteral("other-ca.crt")));
    run = runCli(args({"stock"}) << m_sku << QStringLiteral("--json") << QStringLiteral("--redis") << wrong);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QString error = json(run.out).value(QStringLiteral("cache_error")).toString();
    QVERIFY2(error.contains(QLatin1String("no Sentinel of")) && error.contains(QLatin1String("certificate")),
             qPrintable(error));

    correctCachedRun(redis);
}

QTEST_GUILESS_MAIN(TestRedisSentinel)
#include "tst_redissentinel.moc"
