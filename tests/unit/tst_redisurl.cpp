// RedisUrl::parse and display(): what the CLI, the UI and the sandbox hand to the Redis pool; and
// RedisEndpoint::handshake(), what every connection sends first.
#include "cache/redisendpoint.h"
#include "cache/redisurl.h"
#include "errors.h"

#include <QTest>

#include <string>
#include <vector>

class TestRedisUrl : public QObject
{
    Q_OBJECT

private slots:
    void parsesValidUrls_data();
    void parsesValidUrls();
    void refusesInvalidUrls_data();
    void refusesInvalidUrls();
    void displayMasksThePassword_data();
    void displayMasksThePassword();
    void errorsNeverShowThePassword_data();
    void errorsNeverShowThePassword();
    void displayParsesBackToTheSameUrl_data();
    void displayParsesBackToTheSameUrl();
    void tlsParametersAreRead();
    void sentinelUrlsAreRead();
    void handshakeFollowsTheUrl();
};

namespace {
QByteArray bytes(const std::string &text)
{
    return QByteArray::fromStdString(text);
}
} // namespace

void TestRedisUrl::parsesValidUrls_data()
{
    QTest::addColumn<QByteArray>("url");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("db");
    QTest::addColumn<QByteArray>("user");
    QTest::addColumn<QByteArray>("password");

    QTest::newRow("host and port") << QByteArray("redis://127.0.0.1:6379") << QByteArray("127.0.0.1") << 6379
                                   << 0 << QByteArray() << QByteArray();
    QTest::newRow("default port") << QByteArray("redis://localhost") << QByteArray("localhost") << 6379 << 0
                                  << QByteArray() << QByteArray();
    QTest::newRow("database") << QByteArray("redis://cache.internal:7000/3") << QByteArray("cache.internal")
                              << 7000 << 3 << QByteArray() << QByteArray();
    QTest::newRow("highest database")
        << QByteArray("redis://h:6379/15") << QByteArray("h") << 6379 << 15 << QByteArray() << QByteArray();
    QTest::newRow("trailing slash") << QByteArray("redis://h:6379/") << QByteArray("h") << 6379 << 0
                                    << QByteArray() << QByteArray();
    QTest::newRow("lowest port") << QByteArray("redis://h:1") << QByteArray("h") << 1 << 0 << QByteArray()
                                 << QByteArray();
    QTest::newRow("highest port") << QByteArray("redis://h:65535") << QByteArray("h") << 65535 << 0
                                  << QByteArray() << QByteArray();
    QTest::newRow("password only") << QByteArray("redis://:s3cret@127.0.0.1:6379") << QByteArray("127.0.0.1")
                                   << 6379 << 0 << QByteArray() << QByteArray("s3cret");
    QTest::newRow("password without colon") << QByteArray("redis://s3cret@h:6379") << QByteArray("h") << 6379
                                            << 0 << QByteArray() << QByteArray("s3cret");
    QTest::newRow("user and password")
        << QByteArray("redis://alice:s3cret@10.0.0.5:6380/2") << QByteArray("10.0.0.5") << 6380 << 2
        << QByteArray("alice") << QByteArray("s3cret");
    QTest::newRow("password with @ and :") << QByteArray("redis://alice:p@ss:w0rd@h:6379") << QByteArray("h")
                                           << 6379 << 0 << QByteArray("alice") << QByteArray("p@ss:w0rd");
    QTest::newRow("IPv6 loopback") << QByteArray("redis://[::1]:6380") << QByteArray("::1") << 6380 << 0
                                   << QByteArray() << QByteArray();
    QTest::newRow("IPv6 default port")
        << QByteArray("redis://[::1]") << QByteArray("::1") << 6379 << 0 << QByteArray() << QByteArray();
    QTest::newRow("IPv6 with database")
        << QByteArray("redis://[2001:db8::7]:6379/1") << QByteArray("2001:db8::7") << 6379 << 1
        << QByteArray() << QByteArray();
}

void TestRedisUrl::parsesValidUrls()
{
    QFETCH(QByteArray, url);
    QFETCH(QByteArray, host);
    QFETCH(int, port);
    QFETCH(int, db);
    QFETCH(QByteArray, user);
    QFETCH(QByteArray, password);

    const inv::RedisUrl parsed = inv::RedisUrl::parse(url.toStdString());
    QCOMPARE(bytes(parsed.host), host);
    QCOMPARE(parsed.port, port);
    QCOMPARE(parsed.db, db);
    QCOMPARE(bytes(parsed.user), user);
    QCOMPARE(bytes(parsed.password), password);
}

void TestRedisUrl::refusesInvalidUrls_data()
{
    QTest::addColumn<QByteArray>("url");
    // A part of the message that tells the user what is wrong.
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("no scheme") << QByteArray("127.0.0.1:6379") << QByteArray("must start with redis://");
    QTest::newRow("http scheme") << QByteArray("http://127.0.0.1:6379")
                                 << QByteArray("must start with redis://");
    QTest::newRow("TLS parameter on redis://")
        << QByteArray("redis://h:6379?cacert=/ca.pem") << QByteArray("start it with rediss://");
    QTest::newRow("unknown TLS parameter")
        << QByteArray("rediss://h:6379?verify=none") << QByteArray("unknown parameter 'verify'");
    QTest::newRow("TLS parameter without value")
        << QByteArray("rediss://h:6379?cacert=") << QByteArray("'cacert' needs a value");
    QTest::newRow("client certificate without key")
        << QByteArray("rediss://h:6379?cert=/c.pem") << QByteArray("needs both cert=FILE and key=FILE");
    QTest::newRow("client key without certificate")
        << QByteArray("rediss://h:6379?key=/k.pem") << QByteArray("needs both cert=FILE and key=FILE");
    QTest::newRow("empty") << QByteArray("") << QByteArray("must start with redis://");
    QTest::newRow("port not a number") << QByteArray("redis://h:abc") << QByteArray("port 'abc'");
    QTest::newRow("port with junk") << QByteArray("redis://h:6379x") << QByteArray("port '6379x'");
    QTest::newRow("empty port") << QByteArray("redis://h:") << QByteArray("port ''");
    QTest::newRow("negative port") << QByteArray("redis://h:-1") << QByteArray("port '-1'");
    QTest::newRow("port 0") << QByteArray("redis://h:0") << QByteArray("port 0");
    QTest::newRow("port 70000") << QByteArray("redis://h:70000") << QByteArray("port '70000'");
    QTest::newRow("database 16") << QByteArray("redis://h:6379/16") << QByteArray("database '16'");
    QTest::newRow("database not a number")
        << QByteArray("redis://h:6379/abc") << QByteArray("database 'abc'");
    QTest::newRow("empty host") << QByteArray("redis://") << QByteArray("host is missing");
    QTest::newRow("port without host") << QByteArray("redis://:6379") << QByteArray("host is missing");
    QTest::newRow("credentials without host")
        << QByteArray("redis://u:pw@:6379") << QByteArray("host is missing");
    QTest::newRow("empty IPv6 host") << QByteArray("redis://[]:6379") << QByteArray("host is missing");
    QTest::newRow("unclosed IPv6 host") << QByteArray("redis://[::1:6379") << QByteArray("unclosed '['");
    QTest::newRow("IPv6 port without colon") << QByteArray("redis://[::1]6380") << QByteArray("after ']'");
    QTest::newRow("IPv6 bad port") << QByteArray("redis://[::1]:http") << QByteArray("port 'http'");
    QTest::newRow("bracket inside an IPv6 host") << QByteArray("redis://[[::1]:6380") << QByteArray("'['");
    QTest::newRow("bracket in a host") << QByteArray("redis://a]:b:6380") << QByteArray("']'");
}

void TestRedisUrl::refusesInvalidUrls()
{
    QFETCH(QByteArray, url);
    QFETCH(QByteArray, reason);

    try {
        const inv::RedisUrl parsed = inv::RedisUrl::parse(url.toStdString());
        const std::string accepted =
            "accepted, as host '" + parsed.host + "' port " + std::to_string(parsed.port);
        QFAIL(accepted.c_str());
    } catch (const inv::InvalidInput &e) {
        const QByteArray message(e.what());
        QVERIFY2(message.contains(reason), e.what());
        QVERIFY2(message.startsWith("invalid Redis URL"), e.what());
    }
}

void TestRedisUrl::displayMasksThePassword_data()
{
    QTest::addColumn<QByteArray>("url");
    QTest::addColumn<QByteArray>("shown");
    QTest::addColumn<QByteArray>("secret");

    QTest::newRow("user and password") << QByteArray("redis://alice:s3cret@h:6380/2")
                                       << QByteArray("redis://alice:***@h:6380/2") << QByteArray("s3cret");
    QTest::newRow("password only") << QByteArray("redis://:s3cret@h:6379") << QByteArray("redis://***@h:6379")
                                   << QByteArray("s3cret");
    QTest::newRow("no credentials") << QByteArray("redis://h") << QByteArray("redis://h:6379")
                                    << QByteArray();
    QTest::newRow("IPv6 in brackets") << QByteArray("redis://u:s3cret@[::1]:6380/1")
                                      << QByteArray("redis://u:***@[::1]:6380/1") << QByteArray("s3cret");
}

void TestRedisUrl::displayMasksThePassword()
{
    QFETCH(QByteArray, url);
    QFETCH(QByteArray, shown);
    QFETCH(QByteArray, secret);

    const QByteArray display = bytes(inv::RedisUrl::parse(url.toStdString()).display());
    QCOMPARE(display, shown);
    if (!secret.isEmpty())
        QVERIFY(!display.contains(secret));
}

void TestRedisUrl::errorsNeverShowThePassword_data()
{
    QTest::addColumn<QByteArray>("url");
    QTest::newRow("port 0") << QByteArray("redis://alice:s3cret@h:0");
    QTest::newRow("port 70000") << QByteArray("redis://alice:s3cret@h:70000");
    QTest::newRow("database 99") << QByteArray("redis://alice:s3cret@h:6379/99");
    QTest::newRow("no host") << QByteArray("redis://alice:s3cret@:6379");
    QTest::newRow("password only, bad port") << QByteArray("redis://s3cret@h:x");
    QTest::newRow("unclosed IPv6 host") << QByteArray("redis://:s3cret@[::1");
    QTest::newRow("wrong scheme") << QByteArray("http://alice:s3cret@h:6379");
}

// The message reaches the terminal, the status bar and logs, so it shows the URL as display() does.
void TestRedisUrl::errorsNeverShowThePassword()
{
    QFETCH(QByteArray, url);
    try {
        inv::RedisUrl::parse(url.toStdString());
        QFAIL("accepted");
    } catch (const inv::InvalidInput &e) {
        const QByteArray message(e.what());
        QVERIFY2(!message.contains("s3cret"), e.what());
        QVERIFY2(message.contains("***@"), e.what());
    }
}

void TestRedisUrl::displayParsesBackToTheSameUrl_data()
{
    QTest::addColumn<QByteArray>("url");
    QTest::newRow("plain") << QByteArray("redis://127.0.0.1:6379");
    QTest::newRow("database") << QByteArray("redis://cache:7000/9");
    QTest::newRow("IPv6") << QByteArray("redis://[::1]:6380");
    QTest::newRow("IPv6 with database") << QByteArray("redis://[2001:db8::7]:6379/1");
    QTest::newRow("colon in a host without brackets") << QByteArray("redis://a:b:6379");
    QTest::newRow("TLS") << QByteArray("rediss://u:pw@cache.example.com:6380/2");
    QTest::newRow("TLS with every parameter") << QByteArray(
        "rediss://h:6380?cacert=/etc/ca%20dir/ca.pem&cert=/c%26a.pem&key=/k.pem&sni=cache.example.com");
    QTest::newRow("TLS with an escaped ampersand") << QByteArray("rediss://h:6380?cacert=/a%26b.pem");
}

void TestRedisUrl::displayParsesBackToTheSameUrl()
{
    QFETCH(QByteArray, url);
    const inv::RedisUrl original = inv::RedisUrl::parse(url.toStdString());
    const inv::RedisUrl again = inv::RedisUrl::parse(original.display());
    QCOMPARE(bytes(again.host), bytes(original.host));
    QCOMPARE(again.port, original.port);
    QCOMPARE(again.db, original.db);
    QCOMPARE(again.tls, original.tls);
    QCOMPARE(bytes(again.caFile), bytes(original.caFile));
    QCOMPARE(bytes(again.certFile), bytes(original.certFile));
    QCOMPARE(bytes(again.keyFile), bytes(original.keyFile));
    QCOMPARE(bytes(again.serverName), bytes(original.serverName));
}

void TestRedisUrl::tlsParametersAreRead()
{
    const auto url = inv::RedisUrl::parse("rediss://app:p%3Fw@cache.example.com:6380/1?cacert=/etc/ca%20dir/"
                                          "ca.pem&cert=/c.pem&key=/k.pem&sni=other.name");
    QVERIFY(url.tls);
    QCOMPARE(bytes(url.host), QByteArray("cache.example.com"));
    QCOMPARE(url.port, 6380);
    QCOMPARE(url.db, 1);
    QCOMPARE(bytes(url.user), QByteArray("app"));
    QCOMPARE(bytes(url.caFile), QByteArray("/etc/ca dir/ca.pem"));
    QCOMPARE(bytes(url.certFile), QByteArray("/c.pem"));
    QCOMPARE(bytes(url.keyFile), QByteArray("/k.pem"));
    QCOMPARE(bytes(url.serverName), QByteArray("other.name"));
    QCOMPARE(bytes(url.verifiedName()), QByteArray("other.name"));
    // A '?' in the password is the password's, not the start of the parameters.
    const auto question = inv::RedisUrl::parse("rediss://:pa?ss@h:6380?sni=n");
    QCOMPARE(bytes(question.password), QByteArray("pa?ss"));
    QCOMPARE(bytes(question.serverName), QByteArray("n"));
    // Without sni, the host is the name the certificate must hold; plain redis:// stays plain.
    QCOMPARE(bytes(inv::RedisUrl::parse("rediss://h:6380").verifiedName()), QByteArray("h"));
    QVERIFY(!inv::RedisUrl::parse("redis://h:6379").tls);
    QCOMPARE(bytes(inv::RedisUrl::parse("rediss://:pw@h:6380?cacert=/ca.pem").display()),
             QByteArray("rediss://***@h:6380?cacert=/ca.pem"));
}

void TestRedisUrl::sentinelUrlsAreRead()
{
    const auto url = inv::RedisUrl::parse(
        "redis+sentinel://app:pw@10.0.0.1:26380,sentinel-b,[::1]:26381/mymaster/2?sentinel_password=s3cret");
    QVERIFY(url.viaSentinel);
    QVERIFY(!url.tls);
    QCOMPARE(bytes(url.masterName), QByteArray("mymaster"));
    QCOMPARE(url.db, 2);
    QCOMPARE(bytes(url.user), QByteArray("app"));
    QCOMPARE(bytes(url.password), QByteArray("pw"));
    QCOMPARE(bytes(url.sentinelPassword), QByteArray("s3cret"));
    QCOMPARE(url.sentinels.size(), std::size_t(3));
    QCOMPARE(bytes(url.sentinels[0].first), QByteArray("10.0.0.1"));
    QCOMPARE(url.sentinels[0].second, 26380);
    QCOMPARE(bytes(url.sentinels[1].first), QByteArray("sentinel-b"));
    QCOMPARE(url.sentinels[1].second, 26379);
    QCOMPARE(bytes(url.sentinels[2].first), QByteArray("::1"));
    QCOMPARE(url.sentinels[2].second, 26381);
    // Neither password is shown, and what is shown parses back to the same Sentinels and master.
    const std::string shown = url.display();
    QCOMPARE(bytes(shown), QByteArray("redis+sentinel://app:***@10.0.0.1:26380,sentinel-b:26379,[::1]:26381/"
                                      "mymaster/2?sentinel_password=***"));
    const auto again = inv::RedisUrl::parse(shown);
    QCOMPARE(again.sentinels, url.sentinels);
    QCOMPARE(bytes(again.masterName), QByteArray("mymaster"));
    QVERIFY(inv::RedisUrl::parse("rediss+sentinel://h/m?cacert=/ca.pem").tls);
    // A refused URL never shows the Sentinels' password either.
    try {
        inv::RedisUrl::parse("redis+sentinel://h:26379?sentinel_password=s3cret");
        QFAIL("a Sentinel URL without a master name was accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(std::string(e.what()).find("name the master") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("s3cret") == std::string::npos, e.what());
    }
    try {
        inv::RedisUrl::parse("redis://h:6379?sentinel_password=x");
        QFAIL("sentinel_password was accepted on redis://");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(std::string(e.what()).find("for redis+sentinel://") != std::string::npos, e.what());
    }
    // The master found through them is checked for its role, after AUTH and SELECT.
    inv::RedisUrl master = url;
    master.viaSentinel = false;
    QCOMPARE(inv::RedisEndpoint::handshake(master),
             (std::vector<std::vector<std::string>>{{"AUTH", "app", "pw"}, {"SELECT", "2"}, {"ROLE"}}));
}

void TestRedisUrl::handshakeFollowsTheUrl()
{
    using Steps = std::vector<std::vector<std::string>>;
    // Every server but a Sentinel's master is checked for Cluster mode, last.
    const std::vector<std::string> cluster{"INFO", "cluster"};
    QCOMPARE(inv::RedisEndpoint::handshake(inv::RedisUrl::parse("redis://127.0.0.1:6379")), (Steps{cluster}));
    QCOMPARE(inv::RedisEndpoint::handshake(inv::RedisUrl::parse("redis://:secret@127.0.0.1:6379")),
             (Steps{{"AUTH", "secret"}, cluster}));
    // An ACL user logs in as itself, then the database is selected.
    QCOMPARE(inv::RedisEndpoint::handshake(inv::RedisUrl::parse("redis://app:secret@127.0.0.1:6379/3")),
             (Steps{{"AUTH", "app", "secret"}, {"SELECT", "3"}, cluster}));
    QCOMPARE(inv::RedisEndpoint::handshake(inv::RedisUrl::parse("redis://127.0.0.1:6379/2")),
             (Steps{{"SELECT", "2"}, cluster}));
    QVERIFY(inv::RedisEndpoint::isCheck(cluster));
    QVERIFY(!inv::RedisEndpoint::isCheck({"AUTH", "secret"}));
}

QTEST_APPLESS_MAIN(TestRedisUrl)
#include "tst_redisurl.moc"
