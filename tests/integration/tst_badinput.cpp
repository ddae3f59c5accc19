// Bad input is refused with the documented exit code and message, and writes nothing: checked
// through the service API and through the real command line, against the database's own rows.
#include "agents/agentprotocol.h"
#include "cache/redisconnection.h"
#include "cache/redisurl.h"
#include "clirunner.h"
#include "errors.h"
#include "inventory/quantity.h"
#include "testpaths.h"
#include "testservices.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <future>
#include <thread>

namespace {
// Runs the CLI with arguments given as raw bytes: QProcess would re-encode a QString argument as
// UTF-8, so the bytes travel as octal escapes that a shell's printf turns back into bytes.
CliRun runCliWithBytes(const QList<QByteArray> &arguments)
{
    QStringList shell{
        QStringLiteral("-c"),
        QStringLiteral("cli=$1; shift; for a do set -- \"$@\" \"$(printf '%b' \"$a\")\"; shift; "
                       "done; exec \"$cli\" \"$@\""),
        QStringLiteral("sh"), testpaths::cli()};
    for (const QByteArray &argument : arguments) {
        QString escaped;
        for (char c : argument)
            escaped += QStringLiteral("\\0%1").arg(static_cast<unsigned char>(c), 3, 8, QLatin1Char('0'));
        shell << escaped;
    }
    return runProgram(QStringLiteral("/bin/sh"), shell);
}
} // namespace

class TestBadInput : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void service_data();
    void service();
    void cli_data();
    void cli();
    void sqlLookingSkusAreData_data();
    void sqlLookingSkusAreData();
    void badReasons_data();
    void badReasons();
    void cliRefusesBadBytes_data();
    void cliRefusesBadBytes();
    void importFileNameWithEscape();
    void refusalAfterALostRaceReportsTheRealStock();

private:
    void expectUnchanged();
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::InventoryService> m_service;
    std::string m_sku;
    long long m_auditRowsBefore = 0;
    long long m_productsBefore = 0;
};

void TestBadInput::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_service = testservices::makeService(inv::StrategyKind::Versioned);
    m_sku = testservices::uniqueSku("badinput");
    m_service->addProduct(m_sku, "Bad input target", 10);
    m_auditRowsBefore = m_db->exec("SELECT count(*) FROM inventory_audit").int64(0, 0);
    m_productsBefore = m_db->exec("SELECT count(*) FROM inventory").int64(0, 0);
}

void TestBadInput::expectUnchanged()
{
    QCOMPARE(m_db->exec("SELECT count(*) FROM inventory_audit").int64(0, 0), m_auditRowsBefore);
    QCOMPARE(m_db->exec("SELECT count(*) FROM inventory").int64(0, 0), m_productsBefore);
    const auto row = m_db->exec("SELECT stock, version FROM inventory WHERE sku = $1", {m_sku});
    QCOMPARE(row.int32(0, 0), 10);
    QCOMPARE(row.int64(0, 1), 1LL);
}

void TestBadInput::service_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("sku");
    QTest::addColumn<QString>("quantity");
    QTest::addColumn<QString>("error"); // InvalidInput, UnknownSku or InsufficientStock
    QTest::addColumn<QString>("message");
    const QString target = QString::fromStdString(m_sku.empty() ? "x" : m_sku);
    QTest::newRow("zero") << "purchase" << target << "0"
                          << "InvalidInput"
                          << "invalid quantity 0";
    QTest::newRow("negative") << "purchase" << target << "-5"
                              << "InvalidInput"
                              << "negative";
    QTest::newRow("above limit") << "purchase" << target << "1000001"
                                 << "InvalidInput"
                                 << "above the limit";
    QTest::newRow("beyond int32") << "restock" << target << "2147483648"
                                  << "InvalidInput"
                                  << "above the limit";
    QTest::newRow("not a number") << "purchase" << target << "abc"
                                  << "InvalidInput"
                                  << "invalid quantity 'abc'";
    QTest::newRow("fraction") << "purchase" << target << "1.5"
                              << "InvalidInput"
                              << "invalid quantity '1.5'";
    QTest::newRow("huge") << "purchase" << target << "99999999999999999999"
                          << "InvalidInput"
                          << "out of range";
    QTest::newRow("restock zero") << "restock" << target << "0"
                                  << "InvalidInput"
                                  << "invalid quantity 0";
    QTest::newRow("adjust negative") << "adjust" << target << "-1"
                                     << "InvalidInput"
                                     << "negative";
    QTest::newRow("unknown sku") << "purchase"
                                 << "no-such-sku-anywhere"
                                 << "1"
                                 << "UnknownSku"
                                 << "unknown SKU";
    QTest::newRow("sku too long") << "purchase" << QString(65, QLatin1Char('x')) << "1"
                                  << "InvalidInput"
                                  << "65 bytes";
    QTest::newRow("empty sku") << "purchase"
                               << ""
                               << "1"
                               << "InvalidInput"
                               << "SKU is empty";
    QTest::newRow("not enough") << "purchase" << target << "11"
                                << "InsufficientStock"
                                << "10 available";
    QTest::newRow("terminal escape in sku") << "purchase" << QStringLiteral("EVIL\x1b[31mRED") << "1"
                                            << "InvalidInput"
                                            << "control character";
    QTest::newRow("newline in sku") << "restock" << QStringLiteral("two\nlines") << "1"
                                    << "InvalidInput"
                                    << "control character";
    QTest::newRow("C1 control in sku") << "adjust" << QStringLiteral("a\u009b31m") << "1"
                                       << "InvalidInput"
                                       << "control character";
}

void TestBadInput::service()
{
    QFETCH(QString, action);
    QFETCH(QString, sku);
    QFETCH(QString, quantity);
    QFETCH(QString, error);
    QFETCH(QString, message);
    QString caught;
    QString what;
    try {
        const bool adjust = action == QLatin1String("adjust");
        const int q = inv::Quantity::parse(quantity.toStdString(), adjust);
        if (action == QLatin1String("purchase"))
            m_service->purchase(sku.toStdString(), q);
        else if (action == QLatin1String("restock"))
            m_service->restock(sku.toStdString(), q);
        else
            m_service->adjust(sku.toStdString(), q);
    } catch (const inv::UnknownSku &e) {
        caught = QStringLiteral("UnknownSku");
        what = QString::fromUtf8(e.what());
    } catch (const inv::InvalidInput &e) {
        caught = QStringLiteral("InvalidInput");
        what = QString::fromUtf8(e.what());
    } catch (const inv::InsufficientStock &e) {
        caught = QStringLiteral("InsufficientStock");
        what = QString::fromUtf8(e.what());
    }
    QCOMPARE(caught, error);
    QVERIFY2(what.contains(message), qPrintable(what));
    expectUnchanged();
}

void TestBadInput::cli_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    const QString target = QString::fromStdString(m_sku.empty() ? "x" : m_sku);
    QTest::newRow("zero") << QStringList{QStringLiteral("purchase"), target, QStringLiteral("0")} << 2
                          << "invalid quantity 0";
    QTest::newRow("negative") << QStringList{QStringLiteral("purchase"), target, QStringLiteral("-3")} << 2
                              << "negative";
    QTest::newRow("above limit") << QStringList{QStringLiteral("restock"), target, QStringLiteral("1000001")}
                                 << 2 << "above the limit";
    QTest::newRow("beyond int32") << QStringList{QStringLiteral("purchase"), target,
                                                 QStringLiteral("4294967297")}
                                  << 2 << "above the limit";
    QTest::newRow("not a number") << QStringList{QStringLiteral("purchase"), target, QStringLiteral("ten")}
                                  << 2 << "invalid quantity 'ten'";
    QTest::newRow("missing quantity")
        << QStringList{QStringLiteral("purchase"), target} << 2 << "too few arguments";
    QTest::newRow("unknown sku") << QStringList{QStringLiteral("purchase"), QStringLiteral("no-such-sku"),
                                                QStringLiteral("1")}
                                 << 2 << "unknown SKU";
    QTest::newRow("sku too long") << QStringList{QStringLiteral("purchase"), QString(65, QLatin1Char('y')),
                                                 QStringLiteral("1")}
                                  << 2 << "65 bytes";
    QTest::newRow("not enough") << QStringList{QStringLiteral("purchase"), target, QStringLiteral("11")} << 1
                                << "not enough stock";
    QTest::newRow("existing sku") << QStringList{QStringLiteral("add"), target, QStringLiteral("--name"),
                                                 QStringLiteral("Again")}
                                  << 2 << "already exists";
    QTest::newRow("add without name")
        << QStringList{QStringLiteral("add"), QStringLiteral("new-sku-without-name")} << 2 << "needs a name";
    QTest::newRow("bad strategy") << QStringList{QStringLiteral("purchase"), target, QStringLiteral("1"),
                                                 QStringLiteral("--strategy"), QStringLiteral("yolo")}
                                  << 2 << "unknown strategy 'yolo'";
    QTest::newRow("unknown option") << QStringList{QStringLiteral("stock"), target,
                                                   QStringLiteral("--frobnicate")}
                                    << 2 << "unknown option";
    QTest::newRow("option of another command")
        << QStringList{QStringLiteral("stock"), target, QStringLiteral("--buyers"), QStringLiteral("5")} << 2
        << "option --buyers does not apply to 'stock'";
    QTest::newRow("sandbox option of simulate")
        << QStringList{QStringLiteral("sandbox"), QStringLiteral("status"), QStringLiteral("--duration"),
                       QStringLiteral("5")}
        << 2 << "option --duration does not apply to 'sandbox'";
    QTest::newRow("option given twice")
        << QStringList{QStringLiteral("purchase"), target, QStringLiteral("1"), QStringLiteral("--reason=a"),
                       QStringLiteral("--reason=b")}
        << 2 << "option --reason is given twice";
    QTest::newRow("unknown command") << QStringList{QStringLiteral("sell"), target} << 2
                                     << "unknown command 'sell'";
    QTest::newRow("bad limit") << QStringList{QStringLiteral("audit"), QStringLiteral("--limit"),
                                              QStringLiteral("0")}
                               << 2 << "invalid --limit";
    QTest::newRow("bad redis url") << QStringList{QStringLiteral("stock"), target, QStringLiteral("--redis"),
                                                  QStringLiteral("http://nope")}
                                   << 2 << "invalid Redis URL";
    QTest::newRow("bad pg string") << QStringList{QStringLiteral("stock"), target, QStringLiteral("--pg"),
                                                  QStringLiteral("nonsense_key=1")}
                                   << 2 << "invalid PostgreSQL connection string";
    QTest::newRow("pg unreachable") << QStringList{QStringLiteral("purchase"), target, QStringLiteral("1"),
                                                   QStringLiteral("--pg"),
                                                   QStringLiteral("host=127.0.0.1 port=1 connect_timeout=2")}
                                    << 3 << "cannot connect to PostgreSQL";
    // Values libpq refuses before it connects are bad input; a server that wants a password, or
    // refuses writes, is a service failure that says what to do.
    const QString url = QString::fromStdString(testservices::pgUrl());
    const QString join = url.contains(u'?') ? QStringLiteral("&") : QStringLiteral("?");
    QTest::newRow("bad sslmode") << QStringList{QStringLiteral("stock"), target, QStringLiteral("--pg"),
                                                url + join + QStringLiteral("sslmode=bogus")}
                                 << 2 << "invalid sslmode value";
    QTest::newRow("port not a number")
        << QStringList{QStringLiteral("stock"), target, QStringLiteral("--pg"),
                       QStringLiteral("host=127.0.0.1 port=x dbname=inventory")}
        << 2 << "invalid PostgreSQL connection string";
    QString withoutPassword = url;
    withoutPassword.replace(QRegularExpression(QStringLiteral("^(postgres(?:ql)?://[^:@/]+):[^@]*@")),
                            QStringLiteral("\\1@"));
    QTest::newRow("no password") << QStringList{QStringLiteral("stock"), target, QStringLiteral("--pg"),
                                                withoutPassword}
                                 << 3 << "PGPASSWORD";
    QTest::newRow("read-only server")
        << QStringList{QStringLiteral("purchase"), target, QStringLiteral("1"), QStringLiteral("--pg"),
                       url + join + QStringLiteral("options=-c%20default_transaction_read_only%3Don")}
        << 3 << "is a read-only standby";
    // Hostile sizes and metacharacters: refused with a message, never a crash.
    // Linux refuses a single argument over 128 KiB before the program starts (E2BIG): the largest
    // that can reach it.
    const QString hugeArgument(120 * 1024, QLatin1Char('r'));
    QTest::newRow("120 KiB reason") << QStringList{QStringLiteral("purchase"), target, QStringLiteral("1"),
                                                   QStringLiteral("--reason"), hugeArgument}
                                    << 2 << "bytes long";
    QTest::newRow("120 KiB sku") << QStringList{QStringLiteral("stock"), hugeArgument} << 2 << "bytes long";
    QTest::newRow("negative expect-version")
        << QStringList{QStringLiteral("adjust"), target, QStringLiteral("5"),
                       QStringLiteral("--expect-version"), QStringLiteral("-1")}
        << 2 << "expect-version";
    QTest::newRow("request id with a space")
        << QStringList{QStringLiteral("purchase"), target, QStringLiteral("1"),
                       QStringLiteral("--request-id"), QStringLiteral("a b")}
        << 2 << "request id";
    QTest::newRow("pg string with an injected option")
        << QStringList{QStringLiteral("stock"), target, QStringLiteral("--pg"),
                       QStringLiteral("host=127.0.0.1 port=1 connect_timeout=1' options='-c fsync=off")}
        << 2 << "invalid PostgreSQL connection string";
    QTest::newRow("redis url with a command")
        << QStringList{QStringLiteral("stock"), target, QStringLiteral("--redis"),
                       QStringLiteral("redis://127.0.0.1:1/0\r\nFLUSHALL")}
        << 2 << "invalid Redis URL";
    QTest::newRow("import a directory")
        << QStringList{QStringLiteral("import-count"), QStringLiteral("/tmp")} << 2 << "is a directory";
    QTest::newRow("import a missing file")
        << QStringList{QStringLiteral("import-count"), QStringLiteral("/nonexistent/count.csv")} << 2
        << "cannot read";
    QTest::newRow("reverse a huge id")
        << QStringList{QStringLiteral("reverse"), QStringLiteral("99999999999999999999")} << 2
        << "invalid audit id";
}

void TestBadInput::cli()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const CliRun run = runCli(arguments);
    QVERIFY2(run.exitCode == exitCode,
             qPrintable(QStringLiteral("exit %1, stderr: %2").arg(run.exitCode).arg(run.err)));
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QVERIFY2(!run.err.contains(QLatin1String("terminate called")), qPrintable(run.err));
    expectUnchanged();
}

void TestBadInput::sqlLookingSkusAreData_data()
{
    QTest::addColumn<QString>("sku");
    QTest::newRow("quote") << QStringLiteral("it's");
    QTest::newRow("injection") << QStringLiteral("x'); DROP TABLE inventory; --");
    QTest::newRow("percent and spaces") << QStringLiteral("100% off ; SELECT * FROM inventory");
    QTest::newRow("keywords") << QStringLiteral("DELETE FROM inventory_audit");
    QTest::newRow("double quotes") << QStringLiteral("\"quoted\" \\ backslash");
    QTest::newRow("unicode") << QStringLiteral("chaise-longue \u00e9t\u00e9 \U0001F4E6");
}

void TestBadInput::sqlLookingSkusAreData()
{
    QFETCH(QString, sku);
    const std::string unique = sku.toStdString() + " #" + testservices::uniqueSku("q");
    const QString uniqueSku = QString::fromStdString(unique);
    QCOMPARE(runCli({QStringLiteral("add"), uniqueSku, QStringLiteral("--name"), sku,
                     QStringLiteral("--stock"), QStringLiteral("5")})
                 .exitCode,
             0);
    const CliRun bought = runCli({QStringLiteral("purchase"), uniqueSku, QStringLiteral("2"),
                                  QStringLiteral("--reason"), sku, QStringLiteral("--json")});
    QCOMPARE(bought.exitCode, 0);
    QVERIFY(bought.out.contains(QLatin1String("\"stock\": 3")));
    const auto row = m_db->exec("SELECT stock, name FROM inventory WHERE sku = $1", {unique});
    QCOMPARE(row.rows(), 1);
    QCOMPARE(row.int32(0, 0), 3);
    QCOMPARE(QString::fromStdString(row.text(0, 1)), sku);
    const auto audit = m_db->exec("SELECT reason FROM inventory_audit WHERE sku = $1", {unique});
    QCOMPARE(audit.rows(), 1);
    QCOMPARE(QString::fromStdString(audit.text(0, 0)), sku);
    m_productsBefore += 1;
    m_auditRowsBefore += 1;
}

void TestBadInput::badReasons_data()
{
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QString>("message");
    QTest::newRow("not UTF-8") << QByteArray("bad \xff\xfe bytes") << "UTF-8";
    QTest::newRow("lone continuation byte") << QByteArray("a\x80") << "UTF-8";
    QTest::newRow("embedded NUL") << QByteArray("cut\0here", 8) << "UTF-8";
    QTest::newRow("terminal escape") << QByteArray("\x1b[31mred") << "control character";
    QTest::newRow("newline") << QByteArray("first\nsecond") << "control character";
    QTest::newRow("DEL") << QByteArray("x\x7f") << "control character";
    QTest::newRow("C1 control") << QByteArray("x\xc2\x9b") << "control character";
    QTest::newRow("too long") << QByteArray(501, 'r') << "501 bytes";
}

// Refused through the service, for every strategy's write path, with nothing written.
void TestBadInput::badReasons()
{
    QFETCH(QByteArray, reason);
    QFETCH(QString, message);
    for (const char *action : {"purchase", "restock", "adjust"}) {
        QString caught;
        QString what;
        try {
            const std::string text = reason.toStdString();
            if (std::string_view(action) == "purchase")
                m_service->purchase(m_sku, 1, text);
            else if (std::string_view(action) == "restock")
                m_service->restock(m_sku, 1, text);
            else
                m_service->adjust(m_sku, 3, text);
        } catch (const inv::InvalidInput &e) {
            caught = QStringLiteral("InvalidInput");
            what = QString::fromUtf8(e.what());
        } catch (const inv::DbError &e) {
            caught = QStringLiteral("DbError ") + QString::fromStdString(e.sqlstate());
            what = QString::fromUtf8(e.what());
        }
        QVERIFY2(caught == QLatin1String("InvalidInput"),
                 qPrintable(QLatin1String(action) + u": " + caught + u": " + what));
        QVERIFY2(what.contains(message), qPrintable(what));
        expectUnchanged();
    }
}

void TestBadInput::cliRefusesBadBytes_data()
{
    QTest::addColumn<QList<QByteArray>>("arguments");
    QTest::addColumn<QString>("message");
    const QByteArray target = QByteArray::fromStdString(m_sku.empty() ? "x" : m_sku);
    const QByteArray fresh = QByteArray::fromStdString(testservices::uniqueSku("never-added"));
    QTest::newRow("reason not UTF-8")
        << QList<QByteArray>{"purchase", target, "1", "--reason", "bad \xff"} << "UTF-8";
    QTest::newRow("reason with escape")
        << QList<QByteArray>{"restock", target, "1", "--reason", "\x1b[31mred"} << "control character";
    QTest::newRow("sku with escape") << QList<QByteArray>{"add", fresh + "\x1b[31mRED", "--name", "x"}
                                     << "control character";
    QTest::newRow("sku with bell") << QList<QByteArray>{"stock", "a\x07"} << "control character";
    QTest::newRow("name with escape")
        << QList<QByteArray>{"add", fresh, "--name", "x\x1b[2J"} << "control character";
    QTest::newRow("name not UTF-8") << QList<QByteArray>{"add", fresh, "--name", "\xc3("} << "UTF-8";
    // A server id and an agent's name are stored and printed as well: the same rule.
    QTest::newRow("server id with a title escape")
        << QList<QByteArray>{"purchase", target, "1", "--server-id", "srv\x1b]0;PWNED\x07"}
        << "--server-id contains the control character U+001B (escape) at byte 4";
    QTest::newRow("server id with a newline")
        << QList<QByteArray>{"restock", target, "1", "--server-id", "srv\nfake row"}
        << "--server-id contains the control character U+000A (line feed)";
    QTest::newRow("server id with C1 CSI")
        << QList<QByteArray>{"adjust", target, "3", "--server-id", "srv\xc2\x9b[2J"} << "U+009B (CSI)";
    QTest::newRow("server id not UTF-8")
        << QList<QByteArray>{"purchase", target, "1", "--server-id", "srv\xff"}
        << "--server-id is not valid UTF-8";
    QTest::newRow("agent name with an escape")
        << QList<QByteArray>{"agent", "--name", "a\x1b[2J" + fresh}
        << "--name contains the control character U+001B (escape) at byte 2";
}

void TestBadInput::cliRefusesBadBytes()
{
    QFETCH(QList<QByteArray>, arguments);
    QFETCH(QString, message);
    const CliRun run = runCliWithBytes(arguments);
    QVERIFY2(run.exitCode == 2,
             qPrintable(QStringLiteral("exit %1, stderr: %2").arg(run.exitCode).arg(run.err)));
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    // The refusal does not echo the raw escape back to the terminal.
    QVERIFY2(!run.err.contains(QChar(0x1b)), qPrintable(run.err));
    expectUnchanged();
    if (arguments.first() == "agent") {
        inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), inv::RedisTimeouts{});
        const std::string name = arguments.at(2).toStdString();
        QCOMPARE(redis.command({"SISMEMBER", inv::AgentKeys::kAll, name}).integer(), 0LL);
        QCOMPARE(redis.command({"EXISTS", inv::AgentKeys::info(name)}).integer(), 0LL);
    }
}

// The file's name goes into every adjustment's reason: one that would clear the operator's screen
// when the audit log is printed is refused, and the count is not applied.
void TestBadInput::importFileNameWithEscape()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray path = QFile::encodeName(dir.path()) + "/count\x1b[2J.csv";
    {
        QFile file(QFile::decodeName(path));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("sku,counted\n" + QByteArray::fromStdString(m_sku) + ",7\n");
    }
    const CliRun run = runCliWithBytes({"import-count", path});
    QVERIFY2(run.exitCode == 2,
             qPrintable(QStringLiteral("exit %1, stderr: %2").arg(run.exitCode).arg(run.err)));
    QVERIFY2(run.err.contains(QLatin1String("the file name contains the control character U+001B (escape)")),
             qPrintable(run.err));
    QVERIFY2(run.err.contains(QLatin1String("count\\x1b[2J.csv")), qPrintable(run.err));
    QVERIFY2(!run.err.contains(QChar(0x1b)) && !run.out.contains(QChar(0x1b)), qPrintable(run.err));
    expectUnchanged();
}

// A conditional purchase whose snapshot saw enough stock but lost the row to a concurrent writer
// must report the stock that is really there, not 0.
void TestBadInput::refusalAfterALostRaceReportsTheRealStock()
{
    const std::string sku = testservices::uniqueSku("lost-race");
    m_service->addProduct(sku, "Lost race", 10);
    m_productsBefore += 1;

    inv::PgConnection holder(testservices::pgUrl());
    holder.begin();
    holder.exec("UPDATE inventory SET stock = 2, version = version + 1 WHERE sku = $1", {sku});
    holder.exec("INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, "
                "reason) VALUES ($1, 'adjust', -8, 10, 2, 2, 'lost race test')",
                {sku});

    auto refused = std::async(std::launch::async, [&]() -> std::pair<int, std::string> {
        try {
            m_service->purchase(sku, 5);
            return {-1, "the purchase went through"};
        } catch (const inv::InsufficientStock &e) {
            return {e.available(), e.what()};
        } catch (const std::exception &e) {
            return {-2, e.what()};
        }
    });
    // The purchase's statement has taken its snapshot and now waits for the holder's row lock.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_db->exec("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                   "query LIKE '%UPDATE inventory SET stock = stock - $2%'")
                .int64(0, 0) > 0,
        10000);
    holder.commit();
    m_auditRowsBefore += 1;

    const auto [available, message] = refused.get();
    QVERIFY2(available == 2, message.c_str());
    QVERIFY2(message.find("2 available") != std::string::npos, message.c_str());
    QCOMPARE(testservices::dbStock(*m_db, sku), 2);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL);
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
