// The command line end to end, as real processes against the real services: the documented round
// trip, JSON output, and ten processes buying from one SKU at the same moment without overselling.
#include "agents/agentprotocol.h"
#include "cache/redisconnection.h"
#include "cache/redisurl.h"
#include "clirunner.h"
#include "testpaths.h"
#include "testservices.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <memory>
#include <vector>

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTrip();
    void initIsIdempotentAndResets();
    void storedEscapesArePrintedVisibly();
    void tenProcessesNeverOversell_data();
    void tenProcessesNeverOversell();

private:
    std::unique_ptr<inv::PgConnection> m_db;
};

void TestCli::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
}

void TestCli::roundTrip()
{
    const QString sku = QString::fromStdString(testservices::uniqueSku("cli"));
    QCOMPARE(runCli({QStringLiteral("add"), sku, QStringLiteral("--name"), QStringLiteral("Round trip"),
                     QStringLiteral("--stock"), QStringLiteral("50")})
                 .exitCode,
             0);
    const CliRun bought = runCli({QStringLiteral("purchase"), sku, QStringLiteral("3"),
                                  QStringLiteral("--reason"), QStringLiteral("demo")});
    QCOMPARE(bought.exitCode, 0);
    QVERIFY2(bought.out.contains(QLatin1String("stock 50 -> 47")), qPrintable(bought.out));

    const CliRun stock = runCli({QStringLiteral("stock"), sku, QStringLiteral("--json")});
    QCOMPARE(stock.exitCode, 0);
    const QJsonObject s = QJsonDocument::fromJson(stock.out.toUtf8()).object();
    QCOMPARE(s.value(QLatin1String("database")).toObject().value(QLatin1String("stock")).toInt(), 47);
    QCOMPARE(s.value(QLatin1String("database")).toObject().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(s.value(QLatin1String("cache")).toObject().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(s.value(QLatin1String("cache_state")).toString(), QStringLiteral("fresh"));

    const CliRun audit =
        runCli({QStringLiteral("audit"), QStringLiteral("--sku"), sku, QStringLiteral("--json")});
    QCOMPARE(audit.exitCode, 0);
    const QJsonArray rows = QJsonDocument::fromJson(audit.out.toUtf8()).array();
    QCOMPARE(rows.size(), 1);
    const QJsonObject row = rows.first().toObject();
    QCOMPARE(row.value(QLatin1String("action")).toString(), QStringLiteral("purchase"));
    QCOMPARE(row.value(QLatin1String("quantity")).toInt(), 3);
    QCOMPARE(row.value(QLatin1String("stock_before")).toInt(), 50);
    QCOMPARE(row.value(QLatin1String("stock_after")).toInt(), 47);
    QCOMPARE(row.value(QLatin1String("reason")).toString(), QStringLiteral("demo"));

    const CliRun human = runCli({QStringLiteral("audit"), QStringLiteral("--sku"), sku});
    QCOMPARE(human.exitCode, 0);
    QVERIFY(human.out.contains(QLatin1String("purchase")));
    QVERIFY(human.out.contains(QLatin1String("50 -> 47")));
}

void TestCli::initIsIdempotentAndResets()
{
    const CliRun first = runCli({QStringLiteral("init"), QStringLiteral("--products"), QStringLiteral("30"),
                                 QStringLiteral("--stock"), QStringLiteral("40"), QStringLiteral("--json")});
    QCOMPARE(first.exitCode, 0);
    QCOMPARE(
        m_db->exec("SELECT count(*) FROM inventory WHERE sku ~ '^SKU-00[0-3][0-9]$' AND sku <= 'SKU-0030'")
            .int64(0, 0),
        30LL);
    runCli({QStringLiteral("purchase"), QStringLiteral("SKU-0007"), QStringLiteral("1")});
    const int afterPurchase = testservices::dbStock(*m_db, "SKU-0007");
    // Without --reset existing rows stay as they are.
    const CliRun again = runCli({QStringLiteral("init"), QStringLiteral("--products"), QStringLiteral("30"),
                                 QStringLiteral("--stock"), QStringLiteral("40"), QStringLiteral("--json")});
    QCOMPARE(again.exitCode, 0);
    QCOMPARE(
        QJsonDocument::fromJson(again.out.toUtf8()).object().value(QLatin1String("products_created")).toInt(),
        0);
    QCOMPARE(testservices::dbStock(*m_db, "SKU-0007"), afterPurchase);
    const CliRun reset = runCli({QStringLiteral("init"), QStringLiteral("--products"), QStringLiteral("30"),
                                 QStringLiteral("--stock"), QStringLiteral("40"), QStringLiteral("--reset")});
    QCOMPARE(reset.exitCode, 0);
    QCOMPARE(testservices::dbStock(*m_db, "SKU-0007"), 40);
    const auto lastAudit = m_db->exec(
        "SELECT action, reason FROM inventory_audit WHERE sku = 'SKU-0007' ORDER BY id DESC LIMIT 1");
    QCOMPARE(lastAudit.text(0, 0), std::string("adjust"));
    QCOMPARE(lastAudit.text(0, 1), std::string("init --reset"));
}

// Text written by another client, or before the input rules, may hold terminal escapes: every
// command that prints it shows them as visible \x1b escapes, and JSON carries them escaped.
void TestCli::storedEscapesArePrintedVisibly()
{
    const std::string sku = testservices::uniqueSku("cli-escape");
    const QString qsku = QString::fromStdString(sku);
    QCOMPARE(runCli({QStringLiteral("add"), qsku, QStringLiteral("--name"), QStringLiteral("Escape"),
                     QStringLiteral("--stock"), QStringLiteral("5")})
                 .exitCode,
             0);
    const std::string serverId = "srv\x1b]0;PWNED\x07";
    const std::string reason = "\x1b[2Jwiped \xc2\x9b[31m";
    m_db->exec("UPDATE inventory SET name = $2 WHERE sku = $1", {sku, "mug\x1b[8m"});
    // Written with a change of the product, as the database requires of an audit row.
    m_db->exec(
        "WITH u AS (UPDATE inventory SET version = version + 1 WHERE sku = $1 RETURNING stock, version) "
        "INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, "
        "server_id, reason) SELECT $1, 'adjust', 0, u.stock, u.stock, u.version, $2, $3 FROM u",
        {sku, serverId, reason});
    const auto raw = [](const CliRun &run) {
        return run.out.contains(QChar(0x1b)) || run.out.contains(QChar(0x07)) ||
               run.out.contains(QChar(0x9b));
    };

    const CliRun audit = runCli({QStringLiteral("audit"), QStringLiteral("--sku"), qsku});
    QCOMPARE(audit.exitCode, 0);
    QVERIFY2(!raw(audit), qPrintable(audit.out));
    QVERIFY2(audit.out.contains(QLatin1String("srv\\x1b]0;PWNED\\x07")), qPrintable(audit.out));
    QVERIFY2(audit.out.contains(QLatin1String("\\x1b[2Jwiped \\xc2\\x9b[31m")), qPrintable(audit.out));

    const CliRun json =
        runCli({QStringLiteral("audit"), QStringLiteral("--sku"), qsku, QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    QVERIFY2(!raw(json), qPrintable(json.out));
    const QJsonObject row = QJsonDocument::fromJson(json.out.toUtf8()).array().first().toObject();
    QCOMPARE(row.value(QLatin1String("server_id")).toString(), QString::fromStdString(serverId));
    QCOMPARE(row.value(QLatin1String("reason")).toString(), QString::fromStdString(reason));

    const CliRun stock = runCli({QStringLiteral("stock"), qsku});
    QCOMPARE(stock.exitCode, 0);
    QVERIFY2(!raw(stock), qPrintable(stock.out));
    QVERIFY2(stock.out.contains(QLatin1String("mug\\x1b[8m")), qPrintable(stock.out));

    // An agent's registration in Redis, as a client that skipped the checks would leave it.
    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
    const std::string agent = "agent\x1b]0;PWNED\x07" + sku;
    redis.command({"HSET", inv::AgentKeys::info(agent), "name", agent, "host", "host\x1b[2J", "pid", "1",
                   "version", "1", "cores", "1", "state", "stopped"});
    redis.command({"SADD", inv::AgentKeys::kAll, agent});
    const CliRun agents = runCli({QStringLiteral("agent"), QStringLiteral("--list")});
    redis.command({"SREM", inv::AgentKeys::kAll, agent});
    redis.command({"DEL", inv::AgentKeys::info(agent)});
    QCOMPARE(agents.exitCode, 0);
    QVERIFY2(!raw(agents), qPrintable(agents.out));
    QVERIFY2(agents.out.contains(QString::fromStdString("agent\\x1b]0;PWNED\\x07" + sku + "  host\\x1b[2J")),
             qPrintable(agents.out));
}

void TestCli::tenProcessesNeverOversell_data()
{
    QTest::addColumn<QString>("strategy");
    QTest::newRow("naive") << QStringLiteral("naive");
    QTest::newRow("locked") << QStringLiteral("locked");
    QTest::newRow("versioned") << QStringLiteral("versioned");
}

void TestCli::tenProcessesNeverOversell()
{
    QFETCH(QString, strategy);
    const QString sku = QString::fromStdString(testservices::uniqueSku("tenproc"));
    QCOMPARE(runCli({QStringLiteral("add"), sku, QStringLiteral("--name"), QStringLiteral("Ten buyers"),
                     QStringLiteral("--stock"), QStringLiteral("5")})
                 .exitCode,
             0);
    std::vector<std::unique_ptr<QProcess>> buyers;
    for (int i = 0; i < 10; ++i) {
        auto process = std::make_unique<QProcess>();
        process->start(testpaths::cli(), {QStringLiteral("purchase"), sku, QStringLiteral("1"),
                                          QStringLiteral("--strategy"), strategy});
        buyers.push_back(std::move(process));
    }
    int ok = 0;
    int refused = 0;
    for (auto &process : buyers) {
        QVERIFY(process->waitForFinished(60000));
        const int code = process->exitCode();
        QVERIFY2(code == 0 || code == 1, qPrintable(QString::fromUtf8(process->readAllStandardError())));
        (code == 0 ? ok : refused) += 1;
    }
    QCOMPARE(ok, 5);
    QCOMPARE(refused, 5);
    QCOMPARE(testservices::dbStock(*m_db, sku.toStdString()), 0);
    QCOMPARE(testservices::auditTotals(*m_db, sku.toStdString()).rows, 5LL);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
