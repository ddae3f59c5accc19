// PgConnection::validateConninfo: --pg and INVENTORY_PG_URL are checked by libpq's own parser before
// anything connects. The cases assert what libpq really does: it checks syntax and option names, not
// values, so "host=" and "port=abc" parse and fail only when connecting.
#include "db/pgconnection.h"
#include "db/pgconnectionparameters.h"
#include "errors.h"

#include <QTest>

class TestConninfo : public QObject
{
    Q_OBJECT

private slots:
    void acceptsWhatLibpqParses_data();
    void acceptsWhatLibpqParses();
    void refusesWhatLibpqCannotParse_data();
    void refusesWhatLibpqCannotParse();
    void timeoutsAreAddedUnlessGiven_data();
    void timeoutsAreAddedUnlessGiven();
};

void TestConninfo::acceptsWhatLibpqParses_data()
{
    QTest::addColumn<QByteArray>("conninfo");

    QTest::newRow("key/value") << QByteArray("host=127.0.0.1 port=5432 dbname=x");
    QTest::newRow("URI") << QByteArray("postgresql://u:p@127.0.0.1:5432/db");
    QTest::newRow("short URI scheme") << QByteArray("postgres://h");
    QTest::newRow("IPv6 URI") << QByteArray("postgresql://[::1]:5432/db");
    QTest::newRow("URI with a known parameter") << QByteArray("postgresql://h/db?connect_timeout=2");
    QTest::newRow("quoted value") << QByteArray("host=h password='with space'");
    QTest::newRow("empty: libpq defaults") << QByteArray("");
    QTest::newRow("empty value") << QByteArray("host=");
    QTest::newRow("value not checked") << QByteArray("port=abc");
}

void TestConninfo::acceptsWhatLibpqParses()
{
    QFETCH(QByteArray, conninfo);
    try {
        inv::PgConnection::validateConninfo(conninfo.toStdString());
    } catch (const inv::InvalidInput &e) {
        QFAIL(e.what());
    }
}

void TestConninfo::refusesWhatLibpqCannotParse_data()
{
    QTest::addColumn<QByteArray>("conninfo");
    // libpq's own words, which the message passes on.
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("unknown option") << QByteArray("nonsense_key=1")
                                    << QByteArray("invalid connection option \"nonsense_key\"");
    QTest::newRow("unclosed IPv6 bracket") << QByteArray("postgresql://[bad") << QByteArray("matching \"]\"");
    QTest::newRow("key without =") << QByteArray("host") << QByteArray("missing \"=\" after \"host\"");
    QTest::newRow("unterminated quote") << QByteArray("host='h") << QByteArray("unterminated quoted string");
    QTest::newRow("unknown URI parameter")
        << QByteArray("postgresql://h/db?bogus=1") << QByteArray("invalid URI query parameter");
}

void TestConninfo::refusesWhatLibpqCannotParse()
{
    QFETCH(QByteArray, conninfo);
    QFETCH(QByteArray, reason);
    try {
        inv::PgConnection::validateConninfo(conninfo.toStdString());
        QFAIL("accepted");
    } catch (const inv::InvalidInput &e) {
        const QByteArray message(e.what());
        QVERIFY2(message.startsWith("invalid PostgreSQL connection string: "), e.what());
        QVERIFY2(message.contains(reason), e.what());
        // The message says what a good one looks like.
        QVERIFY2(message.contains("host=127.0.0.1 port=5432"), e.what());
    }
}

void TestConninfo::timeoutsAreAddedUnlessGiven_data()
{
    QTest::addColumn<QByteArray>("conninfo");
    QTest::addColumn<QByteArray>("connectTimeout");
    QTest::addColumn<QByteArray>("keepalivesIdle");
    QTest::addColumn<QByteArray>("tcpUserTimeout");
    QTest::addColumn<QByteArray>("options");
    QTest::addColumn<int>("deadlineMs"); // 0: no client-side deadline

    QTest::newRow("nothing set: the defaults")
        << QByteArray("host=h dbname=d") << QByteArray("10") << QByteArray("10") << QByteArray("30000")
        << QByteArray("-c statement_timeout=15000 -c lock_timeout=15000 -c "
                      "idle_in_transaction_session_timeout=60000")
        << 20000;
    QTest::newRow("URI with its own connect_timeout")
        << QByteArray("postgresql://u@h/d?connect_timeout=3") << QByteArray("3") << QByteArray("10")
        << QByteArray("30000")
        << QByteArray("-c statement_timeout=15000 -c lock_timeout=15000 -c "
                      "idle_in_transaction_session_timeout=60000")
        << 20000;
    QTest::newRow("own keepalives and tcp_user_timeout")
        << QByteArray("host=h keepalives_idle=60 tcp_user_timeout=1000") << QByteArray("10")
        << QByteArray("60") << QByteArray("1000")
        << QByteArray("-c statement_timeout=15000 -c lock_timeout=15000 -c "
                      "idle_in_transaction_session_timeout=60000")
        << 20000;
    QTest::newRow("other options are kept")
        << QByteArray("host=h options='-c search_path=x'") << QByteArray("10") << QByteArray("10")
        << QByteArray("30000")
        << QByteArray("-c search_path=x -c statement_timeout=15000 -c lock_timeout=15000 -c "
                      "idle_in_transaction_session_timeout=60000")
        << 20000;
    QTest::newRow("own statement_timeout in seconds")
        << QByteArray("host=h options='-c statement_timeout=2s'") << QByteArray("10") << QByteArray("10")
        << QByteArray("30000")
        << QByteArray(
               "-c statement_timeout=2s -c lock_timeout=2000 -c idle_in_transaction_session_timeout=60000")
        << 7000;
    QTest::newRow("own statement_timeout in ms")
        << QByteArray("host=h options='-cstatement_timeout=60000'") << QByteArray("10") << QByteArray("10")
        << QByteArray("30000")
        << QByteArray(
               "-cstatement_timeout=60000 -c lock_timeout=60000 -c idle_in_transaction_session_timeout=60000")
        << 65000;
    QTest::newRow("statement_timeout=0: unbounded, as asked")
        << QByteArray("host=h options='-c statement_timeout=0'") << QByteArray("10") << QByteArray("10")
        << QByteArray("30000")
        << QByteArray("-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=60000")
        << 0;
    // Beyond what the server accepts (an int of ms): read as unset rather than overflowing.
    QTest::newRow("statement_timeout beyond an int")
        << QByteArray("host=h options='-c statement_timeout=99999999999999999999'") << QByteArray("10")
        << QByteArray("10") << QByteArray("30000")
        << QByteArray("-c statement_timeout=99999999999999999999 -c lock_timeout=15000 -c "
                      "idle_in_transaction_session_timeout=60000")
        << 20000;
    QTest::newRow("statement_timeout of 3000000 h")
        << QByteArray("host=h options='-c statement_timeout=3000000h'") << QByteArray("10")
        << QByteArray("10") << QByteArray("30000")
        << QByteArray("-c statement_timeout=3000000h -c lock_timeout=15000 -c "
                      "idle_in_transaction_session_timeout=60000")
        << 20000;
}

void TestConninfo::timeoutsAreAddedUnlessGiven()
{
    QFETCH(QByteArray, conninfo);
    QFETCH(QByteArray, connectTimeout);
    QFETCH(QByteArray, keepalivesIdle);
    QFETCH(QByteArray, tcpUserTimeout);
    QFETCH(QByteArray, options);
    QFETCH(int, deadlineMs);

    qunsetenv("PGCONNECT_TIMEOUT");
    qunsetenv("PGOPTIONS");
    const auto parameters = inv::PgConnectionParameters::effective(conninfo.toStdString());
    auto value = [&](const char *key) {
        QByteArray found;
        int count = 0;
        for (const auto &[k, v] : parameters) {
            if (k == key) {
                found = QByteArray::fromStdString(v);
                ++count;
            }
        }
        return count == 1 ? found : QByteArray("<set " + QByteArray::number(count) + " times>");
    };
    QCOMPARE(value("connect_timeout"), connectTimeout);
    QCOMPARE(value("keepalives"), QByteArray("1"));
    QCOMPARE(value("keepalives_idle"), keepalivesIdle);
    QCOMPARE(value("tcp_user_timeout"), tcpUserTimeout);
    QCOMPARE(value("options"), options);
    QCOMPARE(value("host"), QByteArray("h"));
    QCOMPARE(int(inv::PgConnectionParameters::answerDeadline(parameters).count()), deadlineMs);
}

QTEST_APPLESS_MAIN(TestConninfo)
#include "tst_conninfo.moc"
