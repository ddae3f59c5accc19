// PgConnection::validateConninfo: --pg and INVENTORY_PG_URL are checked by libpq's own parser before
// anything connects. The cases assert what libpq really does: it checks syntax and option names, not
// values, so "host=" and "port=abc" parse and fail only when connecting.
#include "db/pgconnection.h"
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

QTEST_APPLESS_MAIN(TestConninfo)
#include "tst_conninfo.moc"
