// Cache errors are said, not hidden: a command whose cache step failed still succeeds when its write
// committed (fail-open, exit 0), and says on stderr and in --json what Redis answered and what to do:
// no password (NOAUTH), a wrong one (WRONGPASS), a user without rights on the keys (NOPERM), nothing
// listening, a read-only replica (READONLY), a Redis Cluster node (CLUSTERDOWN, MOVED). `stock` names
// the state: refused or unreachable.
#include "cache/redisconnection.h"
#include "clirunner.h"
#include "db/pgconnection.h"
#include "testservices.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstdint>
#include <random>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

class TestCacheErrors : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void commandsSayWhatTheCacheAnswered_data();
    void commandsSayWhatTheCacheAnswered();
    void simulationNamesTheCause();

private:
    // Starts a throw-away redis-server with `options` on a free port; returns the port, 0 on failure.
    int startRedis(const QStringList &options);
    std::unique_ptr<inv::PgConnection> m_db;
    std::string m_aclUser;
    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<QProcess>> m_servers;
    int m_replicaPort = 0;
    int m_clusterPort = 0;
};

namespace {
// The test Redis's URL, redis://[user]:password@host:port, in its parts.
struct UrlParts
{
    std::string password;
    std::string hostPort;
};

UrlParts urlParts()
{
    const std::string url = testservices::redisUrl();
    const auto at = url.rfind('@');
    const auto scheme = url.find("://") + 3;
    UrlParts parts;
    if (at == std::string::npos) {
        parts.hostPort = url.substr(scheme);
        return parts;
    }
    const std::string auth = url.substr(scheme, at - scheme);
    parts.password = auth.substr(auth.find(':') + 1);
    parts.hostPort = url.substr(at + 1);
    return parts;
}

QJsonObject json(const CliRun &run)
{
    return QJsonDocument::fromJson(run.out.toUtf8()).object();
}
} // namespace

void TestCacheErrors::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    if (urlParts().password.empty())
        QSKIP("the test Redis has no password: run ./test.sh");
    // A user that may run every command, on keys the console never uses.
    m_aclUser = "noperm" + std::to_string(std::random_device{}() % 100000);
    inv::RedisConnection admin(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    admin.command(
        {"ACL", "SETUSER", m_aclUser, "on", ">secret-" + m_aclUser, "resetkeys", "~elsewhere:*", "+@all"});
    // A replica (of a master that is not there: it still serves reads) and a cluster node that
    // serves no slot.
    QVERIFY(m_dir.isValid());
    m_replicaPort =
        startRedis({QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"), QStringLiteral("1")});
    QVERIFY2(m_replicaPort > 0, "redis-server did not start as a replica");
    m_clusterPort = startRedis({QStringLiteral("--cluster-enabled"), QStringLiteral("yes")});
    QVERIFY2(m_clusterPort > 0, "redis-server did not start as a cluster node");
}

int TestCacheErrors::startRedis(const QStringList &options)
{
    // A free port below the kernel's ephemeral range (32768 and up), so that a cluster node's bus
    // port (the port + 10000) is a valid port too.
    static std::mt19937 random{std::random_device{}()};
    int port = 0;
    for (int attempt = 0; attempt < 50 && port == 0; ++attempt) {
        const int candidate = 20000 + static_cast<int>(random() % 12000);
        const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(candidate));
        if (socket >= 0 && ::bind(socket, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0)
            port = candidate;
        if (socket >= 0)
            ::close(socket);
    }
    if (port == 0)
        return 0;
    const QString dir = m_dir.filePath(QString::number(port));
    QDir().mkpath(dir);
    auto server = std::make_unique<QProcess>();
    server->setProcessChannelMode(QProcess::MergedChannels);
    server->start(QStringLiteral("redis-server"),
                  QStringList{QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"),
                              QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                              QStringLiteral("--appendonly"), QStringLiteral("no"), QStringLiteral("--dir"),
                              dir} +
                      options);
    if (!server->waitForStarted(5000))
        return 0;
    QProcess *started = server.get();
    m_servers.push_back(std::move(server));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    // Asked by redis-cli: the console's own connection declines a Cluster node at its handshake.
    while (std::chrono::steady_clock::now() < deadline) {
        if (runProgram(QStringLiteral("redis-cli"),
                       {QStringLiteral("-p"), QString::number(port), QStringLiteral("PING")}, 5000)
                .out.trimmed() == QLatin1String("PONG"))
            return port;
        QTest::qWait(50);
    }
    qWarning("redis-server %s did not answer within 5 s: %s", qPrintable(options.join(QLatin1Char(' '))),
             started->readAll().constData());
    return 0;
}

void TestCacheErrors::cleanupTestCase()
{
    for (auto &server : m_servers) {
        server->terminate();
        if (!server->waitForFinished(5000))
            server->kill();
    }
    if (m_aclUser.empty())
        return;
    inv::RedisConnection admin(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    admin.command({"ACL", "DELUSER", m_aclUser});
}

void TestCacheErrors::commandsSayWhatTheCacheAnswered_data()
{
    QTest::addColumn<QString>("redisUrl");
    QTest::addColumn<QString>("state");
    QTest::addColumn<QStringList>("said");
    const UrlParts parts = urlParts();
    const QString hostPort = QString::fromStdString(parts.hostPort);
    QTest::newRow("healthy") << QString::fromStdString(testservices::redisUrl()) << QStringLiteral("fresh")
                             << QStringList{};
    QTest::newRow("no password") << QStringLiteral("redis://%1").arg(hostPort) << QStringLiteral("refused")
                                 << QStringList{QStringLiteral("NOAUTH"),
                                                QStringLiteral("put it in the URL")};
    QTest::newRow("wrong password") << QStringLiteral("redis://:not-the-password@%1").arg(hostPort)
                                    << QStringLiteral("refused")
                                    << QStringList{
                                           QStringLiteral("WRONGPASS"),
                                           QStringLiteral("user name or password in the URL is wrong")};
    // The user is made in initTestCase; the row names it by a placeholder.
    QTest::newRow("user without the keys")
        << QStringLiteral("redis://ACLUSER:secret-ACLUSER@%1").arg(hostPort) << QStringLiteral("refused")
        << QStringList{QStringLiteral("NOPERM"), QStringLiteral("ACL rule")};
    // Port 1 on the loopback refuses at once.
    QTest::newRow("nothing listening")
        << QStringLiteral("redis://127.0.0.1:1") << QStringLiteral("unreachable")
        << QStringList{QStringLiteral("Connection refused"), QStringLiteral("check --redis")};
    // The servers of initTestCase, by placeholders: a replica refuses writes (the repair marks the
    // purchases left cannot be applied either, so stock says refused), a cluster node (one that serves
    // no slot; tst_rediscluster has a whole Cluster) is declined at the handshake.
    QTest::newRow("read-only replica")
        << QStringLiteral("redis://127.0.0.1:REPLICAPORT") << QStringLiteral("refused")
        << QStringList{QStringLiteral("READONLY"), QStringLiteral("read-only replica")};
    QTest::newRow("cluster node") << QStringLiteral("redis://127.0.0.1:CLUSTERPORT")
                                  << QStringLiteral("refused")
                                  << QStringList{QStringLiteral("cluster_enabled:1"),
                                                 QStringLiteral("Redis Cluster")};
}

void TestCacheErrors::commandsSayWhatTheCacheAnswered()
{
    QFETCH(QString, redisUrl);
    QFETCH(QString, state);
    QFETCH(QStringList, said);
    redisUrl.replace(QLatin1String("ACLUSER"), QString::fromStdString(m_aclUser));
    redisUrl.replace(QLatin1String("REPLICAPORT"), QString::number(m_replicaPort));
    redisUrl.replace(QLatin1String("CLUSTERPORT"), QString::number(m_clusterPort));
    const QString sku = QString::fromStdString(testservices::uniqueSku("CACHEERR"));
    const QStringList redis{QStringLiteral("--redis"), redisUrl};
    CliRun run = runCli(QStringList{QStringLiteral("add"), sku, QStringLiteral("--name"),
                                    QStringLiteral("said"), QStringLiteral("--stock"), QStringLiteral("10")} +
                        redis);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));

    // The purchase commits: exit 0, the row changed, and the cache's answer is said.
    run = runCli(QStringList{QStringLiteral("purchase"), sku, QStringLiteral("1"), QStringLiteral("--json")} +
                 redis);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(testservices::dbStock(*m_db, sku.toStdString()), 9);
    const QJsonValue error = json(run).value(QStringLiteral("cache_error"));
    if (said.isEmpty()) {
        QVERIFY2(error.isNull(), qPrintable(error.toString()));
    } else {
        for (const QString &words : said)
            QVERIFY2(error.toString().contains(words), qPrintable(error.toString()));
        QVERIFY2(!error.toString().contains(QLatin1String("secret-")), "the password was shown");
    }
    run = runCli(QStringList{QStringLiteral("purchase"), sku, QStringLiteral("1")} + redis);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(testservices::dbStock(*m_db, sku.toStdString()), 8);
    if (said.isEmpty())
        QVERIFY2(run.err.isEmpty(), qPrintable(run.err));
    else
        QVERIFY2(run.err.startsWith(QLatin1String("the cache was not updated: ")) &&
                     run.err.contains(said.first()),
                 qPrintable(run.err));

    // stock names the state and the cause.
    run = runCli(QStringList{QStringLiteral("stock"), sku, QStringLiteral("--json")} + redis);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(json(run).value(QStringLiteral("cache_state")).toString(), state);
    for (const QString &words : said)
        QVERIFY2(json(run).value(QStringLiteral("cache_error")).toString().contains(words),
                 qPrintable(run.out));
}

void TestCacheErrors::simulationNamesTheCause()
{
    // A mixed run against a Redis that wants a password: every read fails open to PostgreSQL, the
    // books hold, and the failed hit rate is explained by what Redis answered, in the verdict.
    const CliRun run =
        runCli({QStringLiteral("simulate"), QStringLiteral("--scenario"), QStringLiteral("mixed"),
                QStringLiteral("--duration"), QStringLiteral("1"), QStringLiteral("--rate"),
                QStringLiteral("200"), QStringLiteral("--json"), QStringLiteral("--redis"),
                QStringLiteral("redis://%1").arg(QString::fromStdString(urlParts().hostPort))},
               120000);
    const QJsonObject report = json(run);
    QVERIFY2(!report.isEmpty(), qPrintable(run.err));
    // The books hold; whether the cache agrees cannot be known (divergent_keys unknown).
    QCOMPARE(report.value(QStringLiteral("oversold")).toInteger(), 0);
    QCOMPARE(report.value(QStringLiteral("ledger_ok")).toBool(), true);
    QVERIFY2(report.value(QStringLiteral("cache_hit_rate")).toDouble() < 0.9, qPrintable(run.out.left(2000)));
    QVERIFY2(report.value(QStringLiteral("cache_error")).toString().contains(QLatin1String("NOAUTH")),
             qPrintable(run.out.left(2000)));
    const QString note = report.value(QStringLiteral("verdict_note")).toString();
    QVERIFY2(note.contains(QLatin1String("the cache failed: ")) && note.contains(QLatin1String("NOAUTH")),
             qPrintable(note));
}

QTEST_GUILESS_MAIN(TestCacheErrors)
#include "tst_cacheerrors.moc"
