// RedisPool and StockCache against the real Redis, and against a port where nothing listens: the
// bounded wait, the circuit breaker's cool-down, and the versioned compare-and-set that keeps the
// cache from going back in time.
#include "cache/redisconnection.h"
#include "cache/redispool.h"
#include "cache/stockcache.h"
#include "errors.h"
#include "testservices.h"

#include <QProcess>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

class TestRedisPool : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void acquireTimesOutWhileTheOnlyConnectionIsLeased();
    void breakerOpensAndRetriesAfterTheCooldown();
    void brokenConnectionIsDroppedAndTripsTheBreaker();
    void hungRedisIsProbedByOneCaller();
    void setIfNewerComparesVersions_data();
    void setIfNewerComparesVersions();
    void peekReportsTheTtl();

private:
    std::string newSku();
    std::string rawValue(const std::string &sku);

    inv::RedisUrl m_url;
    std::unique_ptr<inv::RedisConnection> m_raw;
    std::vector<std::string> m_skus;
};

namespace {
using Clock = std::chrono::steady_clock;

long long msSince(Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A loopback port that was free a moment ago and has no listener now.
int closedPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

enum class Outcome
{
    Leased,
    IoError,
    Unavailable,
    PoolTimeout,
    Other
};

const char *name(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Leased:
        return "leased";
    case Outcome::IoError:
        return "CacheIoError";
    case Outcome::Unavailable:
        return "CacheUnavailable";
    case Outcome::PoolTimeout:
        return "PoolTimeout";
    case Outcome::Other:
        break;
    }
    return "another error";
}

Outcome tryAcquire(inv::RedisPool &pool)
{
    try {
        auto lease = pool.acquire();
        return Outcome::Leased;
    } catch (const inv::CacheUnavailable &) {
        return Outcome::Unavailable;
    } catch (const inv::CacheIoError &) {
        return Outcome::IoError;
    } catch (const inv::PoolTimeout &) {
        return Outcome::PoolTimeout;
    } catch (const std::exception &) {
        return Outcome::Other;
    }
}
} // namespace

void TestRedisPool::initTestCase()
{
    REQUIRE_SERVICES();
    m_url = inv::RedisUrl::parse(testservices::redisUrl());
    m_raw = std::make_unique<inv::RedisConnection>(m_url, inv::RedisTimeouts{});
}

void TestRedisPool::cleanup()
{
    for (const auto &sku : m_skus)
        m_raw->command({"DEL", inv::StockCache::key(sku)});
    m_skus.clear();
}

std::string TestRedisPool::newSku()
{
    m_skus.push_back(testservices::uniqueSku("tst-redispool"));
    return m_skus.back();
}

std::string TestRedisPool::rawValue(const std::string &sku)
{
    auto reply = m_raw->command({"GET", inv::StockCache::key(sku)});
    return reply.isNil() ? std::string("(nil)") : reply.str();
}

void TestRedisPool::acquireTimesOutWhileTheOnlyConnectionIsLeased()
{
    inv::RedisPool pool(m_url, 1, {}, 500ms, 200ms);
    auto lease = pool.acquire();
    QVERIFY(lease->command({"PING"}).isStatus("PONG"));

    Outcome outcome = Outcome::Other;
    long long elapsed = 0;
    {
        std::jthread other([&] {
            const auto start = Clock::now();
            outcome = tryAcquire(pool);
            elapsed = msSince(start);
        });
    }
    QVERIFY2(outcome == Outcome::PoolTimeout, name(outcome));
    QVERIFY2(elapsed >= 195 && elapsed < 2000, std::to_string(elapsed).c_str());
    // A busy pool is not an outage: the breaker stays closed.
    QVERIFY(!pool.isCoolingDown());
    QCOMPARE(pool.failures(), 0LL);

    // Once given back, the connection is handed out again.
    {
        auto released = std::move(lease);
    }
    auto again = pool.acquire();
    QVERIFY(again->command({"PING"}).isStatus("PONG"));
}

void TestRedisPool::breakerOpensAndRetriesAfterTheCooldown()
{
    const int port = closedPort();
    QVERIFY(port > 0);
    inv::RedisUrl url;
    url.host = "127.0.0.1";
    url.port = port;
    inv::RedisPool pool(url, 2, inv::RedisTimeouts{100ms, 100ms}, 500ms, 1s);
    QVERIFY(!pool.isCoolingDown());

    const auto beforeFirst = Clock::now();
    Outcome outcome = tryAcquire(pool);
    QVERIFY2(outcome == Outcome::IoError, name(outcome));
    QVERIFY(pool.isCoolingDown());
    QCOMPARE(pool.failures(), 1LL);

    // While cooling down, acquire refuses without touching the network.
    const auto beforeSecond = Clock::now();
    outcome = tryAcquire(pool);
    const long long refusedInMs = msSince(beforeSecond);
    QVERIFY2(outcome == Outcome::Unavailable, name(outcome));
    QVERIFY2(refusedInMs < 50, std::to_string(refusedInMs).c_str());
    QCOMPARE(pool.failures(), 1LL); // a refusal is not a new failure

    QTRY_VERIFY_WITH_TIMEOUT(!pool.isCoolingDown(), 2000);
    const long long cooledAfter = msSince(beforeFirst);
    QVERIFY2(cooledAfter >= 500, std::to_string(cooledAfter).c_str());

    // After the cool-down it really tries again, and fails again the same way.
    outcome = tryAcquire(pool);
    QVERIFY2(outcome == Outcome::IoError, name(outcome));
    QVERIFY(pool.isCoolingDown());
    QCOMPARE(pool.failures(), 2LL);
}

// A connection that dies while leased is not given out again, and the breaker opens for everyone.
void TestRedisPool::brokenConnectionIsDroppedAndTripsTheBreaker()
{
    inv::RedisPool pool(m_url, 1, {}, 300ms, 1s);
    long long clientId = 0;
    {
        auto lease = pool.acquire();
        clientId = lease->command({"CLIENT", "ID"}).integer();
        QVERIFY(clientId > 0);
        QCOMPARE(m_raw->command({"CLIENT", "KILL", "ID", std::to_string(clientId)}).integer(), 1LL);
        QVERIFY_THROWS_EXCEPTION(inv::CacheIoError, lease->command({"PING"}));
        QVERIFY(lease->isBroken());
    }
    QVERIFY(pool.isCoolingDown());
    QCOMPARE(pool.failures(), 1LL);
    Outcome outcome = tryAcquire(pool);
    QVERIFY2(outcome == Outcome::Unavailable, name(outcome));

    QTRY_VERIFY_WITH_TIMEOUT(!pool.isCoolingDown(), 2000);
    auto lease = pool.acquire();
    QVERIFY(lease->command({"PING"}).isStatus("PONG"));
    QVERIFY(lease->command({"CLIENT", "ID"}).integer() != clientId);
}

// A hung Redis (SIGSTOP: connects still succeed, commands never answer) must cost one caller per
// cool-down, not every caller: after the cool-down a single half-open probe tries the server while
// the others keep failing fast, and callers waiting for a connection give up when the breaker opens.
void TestRedisPool::hungRedisIsProbedByOneCaller()
{
    const int port = closedPort();
    QVERIFY(port > 0);
    QProcess server;
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server.start(QStringLiteral("redis-server"),
                 {QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"),
                  QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                  QStringLiteral("--appendonly"), QStringLiteral("no"), QStringLiteral("--daemonize"),
                  QStringLiteral("no")});
    QVERIFY2(server.waitForStarted(5000), "cannot start a private redis-server");
    const pid_t pid = static_cast<pid_t>(server.processId());
    struct Resume
    {
        pid_t pid;
        QProcess &server;
        ~Resume()
        {
            ::kill(pid, SIGCONT);
            server.terminate();
            if (!server.waitForFinished(5000))
                server.kill();
        }
    } resume{pid, server};

    inv::RedisUrl url;
    url.host = "127.0.0.1";
    url.port = port;
    std::unique_ptr<inv::RedisConnection> admin;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            try {
                admin = std::make_unique<inv::RedisConnection>(url, inv::RedisTimeouts{});
                return admin->command({"PING"}).isStatus("PONG");
            } catch (const inv::CacheError &) {
                return false;
            }
        }(),
        5000);
    // The server's own count of accepted connections: every connection a caller attempted while the
    // server was stopped waits in the listen backlog and is counted once the server resumes.
    auto connectionsReceived = [&] {
        const std::string info = admin->command({"INFO", "stats"}).str();
        const auto at = info.find("total_connections_received:");
        return at == std::string::npos ? -1LL : std::atoll(info.c_str() + at + 27);
    };

    constexpr int kPoolSize = 4;
    constexpr int kThreads = 16;
    constexpr auto kCommandTimeout = 200ms;
    constexpr auto kCooldown = 300ms;
    inv::RedisPool pool(url, kPoolSize, inv::RedisTimeouts{100ms, kCommandTimeout}, kCooldown, 2s);
    pool.warm();
    const long long before = connectionsReceived();
    QVERIFY(before > 0);

    QCOMPARE(::kill(pid, SIGSTOP), 0);
    std::atomic<int> timeouts{0};
    std::atomic<int> refused{0};
    std::atomic<int> poolTimeouts{0};
    std::atomic<int> other{0};
    const auto start = Clock::now();
    const auto deadline = start + 2s;
    {
        std::vector<std::jthread> callers;
        for (int i = 0; i < kThreads; ++i)
            callers.emplace_back([&] {
                while (Clock::now() < deadline) {
                    try {
                        auto lease = pool.acquire();
                        lease->command({"PING"});
                    } catch (const inv::CacheTimeoutError &) {
                        ++timeouts;
                    } catch (const inv::CacheUnavailable &) {
                        ++refused;
                    } catch (const inv::PoolTimeout &) {
                        ++poolTimeouts;
                    } catch (const std::exception &) {
                        ++other;
                    }
                    std::this_thread::sleep_for(5ms);
                }
            });
    }
    const long long elapsedMs = msSince(start);
    QCOMPARE(::kill(pid, SIGCONT), 0);
    QTest::qWait(500); // lets the resumed server accept its backlog before we count
    const long long attempts = connectionsReceived() - before;

    // One probe per cool-down at most, each of which may wait a full command timeout; the callers
    // that held the pool's connections when the server stopped wait one timeout each.
    const long long maxProbes = elapsedMs / std::chrono::milliseconds(kCooldown).count() + 2;
    const QByteArray counts = QByteArray::number(timeouts.load()) + " timeouts, " +
                              QByteArray::number(refused.load()) + " refused, " +
                              QByteArray::number(poolTimeouts.load()) + " pool timeouts, " +
                              QByteArray::number(other.load()) + " other, " + QByteArray::number(attempts) +
                              " connections attempted in " + QByteArray::number(elapsedMs) + " ms";
    QVERIFY2(attempts <= maxProbes, counts.constData());
    QVERIFY2(timeouts.load() <= kPoolSize + attempts, counts.constData());
    QVERIFY2(refused.load() > kThreads, counts.constData());
    QVERIFY2(poolTimeouts.load() == 0, counts.constData());

    // Once the server answers again, the next probe closes the breaker for everyone.
    QTRY_VERIFY_WITH_TIMEOUT(tryAcquire(pool) == Outcome::Leased, 5000);
    auto lease = pool.acquire();
    QVERIFY(lease->command({"PING"}).isStatus("PONG"));
}

void TestRedisPool::setIfNewerComparesVersions_data()
{
    QTest::addColumn<QByteArray>("existing"); // raw value stored first; empty for no entry
    QTest::addColumn<int>("stock");
    QTest::addColumn<qint64>("version");
    QTest::addColumn<bool>("stored");
    QTest::addColumn<QByteArray>("after");

    QTest::newRow("no entry yet") << QByteArray() << 5 << qint64(1) << true << QByteArray("5:1");
    QTest::newRow("newer version") << QByteArray("10:5") << 3 << qint64(6) << true << QByteArray("3:6");
    QTest::newRow("same version") << QByteArray("10:5") << 8 << qint64(5) << false << QByteArray("10:5");
    QTest::newRow("older version") << QByteArray("10:5") << 7 << qint64(4) << false << QByteArray("10:5");
    QTest::newRow("9 after 10: numeric, not text")
        << QByteArray("10:10") << 1 << qint64(9) << false << QByteArray("10:10");
    QTest::newRow("10 after 9: numeric, not text")
        << QByteArray("10:9") << 1 << qint64(10) << true << QByteArray("1:10");
    QTest::newRow("zero stock, newer") << QByteArray("10:5") << 0 << qint64(6) << true << QByteArray("0:6");
    QTest::newRow("unreadable entry is replaced")
        << QByteArray("garbage") << 4 << qint64(1) << true << QByteArray("4:1");
    QTest::newRow("large versions") << QByteArray("1:1000000000000") << 2 << qint64(1000000000001) << true
                                    << QByteArray("2:1000000000001");
}

void TestRedisPool::setIfNewerComparesVersions()
{
    QFETCH(QByteArray, existing);
    QFETCH(int, stock);
    QFETCH(qint64, version);
    QFETCH(bool, stored);
    QFETCH(QByteArray, after);

    inv::RedisPool pool(m_url, 1);
    inv::StockCache cache(pool, 30s);
    const std::string sku = newSku();
    if (!existing.isEmpty())
        QVERIFY(m_raw->command({"SET", inv::StockCache::key(sku), existing.toStdString()}).isStatus("OK"));

    QCOMPARE(cache.setIfNewer(sku, stock, version), stored);
    QCOMPARE(QByteArray::fromStdString(rawValue(sku)), after);

    const long long ttl = m_raw->command({"PTTL", inv::StockCache::key(sku)}).integer();
    if (stored)
        QVERIFY2(ttl > 28000 && ttl <= 30000, std::to_string(ttl).c_str());
    else
        QCOMPARE(ttl, -1LL); // a refused write leaves the entry as it was, here without expiry
}

void TestRedisPool::peekReportsTheTtl()
{
    inv::RedisPool pool(m_url, 1);
    inv::StockCache cache(pool, 20s);
    const std::string sku = newSku();

    QVERIFY(!cache.peek(sku).has_value());
    cache.set(sku, 12, 3);
    QCOMPARE(rawValue(sku), std::string("12:3"));

    const auto peeked = cache.peek(sku);
    QVERIFY(peeked.has_value());
    QCOMPARE(peeked->stock, 12);
    QCOMPARE(peeked->version, std::int64_t(3));
    QVERIFY2(peeked->ttlMs > 18000 && peeked->ttlMs <= 20000, std::to_string(peeked->ttlMs).c_str());

    // get() reads the same entry without the TTL.
    const auto got = cache.get(sku);
    QVERIFY(got.has_value());
    QCOMPARE(got->stock, 12);
    QCOMPARE(got->version, std::int64_t(3));
    QCOMPARE(got->ttlMs, -2LL);

    cache.remove(sku);
    QCOMPARE(rawValue(sku), std::string("(nil)"));
    QVERIFY(!cache.peek(sku).has_value());
    QVERIFY(!cache.get(sku).has_value());
}

QTEST_GUILESS_MAIN(TestRedisPool)
#include "tst_redispool.moc"
