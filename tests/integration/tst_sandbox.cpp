// The sandbox for real: a private PostgreSQL and Redis in a temporary directory, started twice,
// queried, recovered after a crash that left stale pid files, and stopped cleanly. Its Redis
// requires a password, given in a private config file, which a sandbox from before gets at its
// next start.
#include "cache/redisconnection.h"
#include "db/migrations.h"
#include "errors.h"
#include "sandbox/sandbox.h"
#include "testservices.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <fstream>

class TestSandbox : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void startTwiceStatusStop();
    void recoversFromCrashedRedis();
    void durableUnlessFastUnsafe();
    void olderSandboxGetsARedisPassword();
    void cleanupTestCase();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<inv::Sandbox> m_sandbox;
};

void TestSandbox::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/inventory-sandbox-test-XXXXXX"));
    QVERIFY(m_dir->isValid());
    // The postgres account must be able to reach the directory when we run as root.
    QFile::setPermissions(m_dir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                             QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                             QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                             QFileDevice::ExeOther);
    m_sandbox = std::make_unique<inv::Sandbox>(m_dir->path().toStdString() + "/sb");
}

void TestSandbox::startTwiceStatusStop()
{
    const inv::SandboxStatus first = m_sandbox->start();
    QVERIFY(first.pgRunning);
    QVERIFY(first.redisRunning);
    QVERIFY(first.pgPort > 0 && first.redisPort > 0);
    const inv::SandboxStatus second = m_sandbox->start();
    QCOMPARE(second.pgPort, first.pgPort);
    QCOMPARE(second.redisPort, first.redisPort);
    // The URLs it reports really work.
    inv::PgConnection db(second.pgUrl);
    QCOMPARE(db.exec("SELECT current_database()").text(0, 0), std::string("inventory"));
    inv::RedisConnection redis(inv::RedisUrl::parse(second.redisUrl), {});
    QVERIFY(redis.command({"PING"}).isStatus("PONG"));
    // The schema is migrated at start, and the application's URL is a plain role that does not own
    // the audit log: it may append and read, nothing else.
    QCOMPARE(inv::Migrations::currentVersion(db), inv::Migrations::latestVersion());
    const auto role = db.exec("SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, c.relowner = r.oid, "
                              "has_table_privilege('inventory_audit', 'INSERT'), "
                              "has_table_privilege('inventory_audit', 'SELECT'), "
                              "has_table_privilege('inventory_audit', 'UPDATE'), "
                              "has_table_privilege('inventory_audit', 'DELETE'), "
                              "has_table_privilege('inventory_audit', 'TRUNCATE'), "
                              "has_table_privilege('inventory_audit', 'TRIGGER') "
                              "FROM pg_roles r, pg_class c "
                              "WHERE r.rolname = current_user AND c.oid = 'inventory_audit'::regclass");
    QCOMPARE(QByteArray::fromStdString(role.text(0, 0) + role.text(0, 1) + role.text(0, 2) + role.text(0, 3) +
                                       role.text(0, 4) + role.text(0, 5) + role.text(0, 6) + role.text(0, 7) +
                                       role.text(0, 8) + role.text(0, 9)),
             QByteArray("ffffttffff"));
    // The owner's URL migrates; it is a different role.
    QVERIFY(!second.pgOwnerUrl.empty());
    inv::PgConnection owner(second.pgOwnerUrl);
    QVERIFY(owner.exec("SELECT current_user").text(0, 0) != db.exec("SELECT current_user").text(0, 0));
    QCOMPARE(inv::Migrations::apply(owner), 0);
    if (geteuid() == 0)
        QCOMPARE(second.pgOsUser, std::string("postgres"));

    m_sandbox->stop();
    const inv::SandboxStatus stopped = m_sandbox->status();
    QVERIFY(!stopped.pgRunning);
    QVERIFY(!stopped.redisRunning);
    m_sandbox->stop(); // stopping twice does no harm
}

void TestSandbox::recoversFromCrashedRedis()
{
    const inv::SandboxStatus running = m_sandbox->start();
    QVERIFY(running.redisRunning);
    std::ifstream pidFile(m_dir->path().toStdString() + "/sb/redis/redis.pid");
    pid_t pid = 0;
    pidFile >> pid;
    QVERIFY(pid > 0);
    QCOMPARE(::kill(pid, SIGKILL), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!m_sandbox->status().redisRunning, 5000);
    const inv::SandboxStatus recovered = m_sandbox->start();
    QVERIFY(recovered.redisRunning);
    QCOMPARE(recovered.redisPort, running.redisPort);
    inv::RedisConnection redis(inv::RedisUrl::parse(recovered.redisUrl), {});
    QVERIFY(redis.command({"PING"}).isStatus("PONG"));
}

namespace {
// fsync, synchronous_commit and full_page_writes as the running server reports them.
std::string durability(const inv::SandboxStatus &status)
{
    inv::PgConnection db(status.pgUrl);
    return db
        .exec("SELECT current_setting('fsync') || ',' || current_setting('synchronous_commit') || ',' || "
              "current_setting('full_page_writes')")
        .text(0, 0);
}
} // namespace

void TestSandbox::durableUnlessFastUnsafe()
{
    // The default keeps PostgreSQL's durable settings, and a restart keeps the mode.
    const inv::SandboxStatus durable = m_sandbox->start();
    QVERIFY(!durable.fastUnsafe);
    QCOMPARE(durability(durable), std::string("on,on,on"));
    // The mode applies when PostgreSQL starts: changing it on a running server is refused.
    QVERIFY_THROWS_EXCEPTION(inv::SandboxError, m_sandbox->start({}, true));
    QCOMPARE(durability(m_sandbox->status()), std::string("on,on,on"));

    m_sandbox->stop();
    const inv::SandboxStatus fast = m_sandbox->start({}, true);
    QVERIFY(fast.fastUnsafe);
    QVERIFY(m_sandbox->status().fastUnsafe);
    QCOMPARE(durability(fast), std::string("off,off,off"));
    m_sandbox->stop();
    QCOMPARE(durability(m_sandbox->start()), std::string("off,off,off")); // restarted: still fast-unsafe
    m_sandbox->stop();
    QCOMPARE(durability(m_sandbox->start({}, false)), std::string("on,on,on"));
}

namespace {
// PING without AUTH: PONG, or the error Redis answers.
std::string anonymousPing(int port)
{
    inv::RedisConnection redis(inv::RedisUrl::parse("redis://127.0.0.1:" + std::to_string(port)), {});
    try {
        return redis.command({"PING"}).str();
    } catch (const inv::CacheReplyError &e) {
        return e.what();
    }
}
} // namespace

// A sandbox made before Redis had a password: its state has none, and its Redis runs without one.
// The next start gives it one, restarts Redis with it, and the URL it reports carries it.
void TestSandbox::olderSandboxGetsARedisPassword()
{
    const inv::SandboxStatus before = m_sandbox->start();
    QVERIFY(anonymousPing(before.redisPort).find("NOAUTH") != std::string::npos);
    const std::string conf = m_dir->path().toStdString() + "/sb/sandbox.conf";
    std::string kept;
    {
        std::ifstream in(conf);
        for (std::string line; std::getline(in, line);)
            if (line.rfind("redis_password=", 0) != 0)
                kept += line + "\n";
    }
    std::ofstream(conf) << kept;
    {
        inv::RedisConnection redis(inv::RedisUrl::parse(before.redisUrl), {});
        redis.command({"CONFIG", "SET", "requirepass", ""});
    }
    const inv::SandboxStatus old = m_sandbox->status();
    QCOMPARE(old.redisUrl, "redis://127.0.0.1:" + std::to_string(before.redisPort));
    QVERIFY(old.redisRunning);
    QCOMPARE(anonymousPing(before.redisPort), std::string("PONG"));

    const inv::SandboxStatus after = m_sandbox->start();
    QVERIFY(after.redisRunning);
    QCOMPARE(after.redisPort, before.redisPort);
    const inv::RedisUrl url = inv::RedisUrl::parse(after.redisUrl);
    QVERIFY(url.password.size() >= 16);
    QVERIFY(after.redisUrl != before.redisUrl);
    QVERIFY(anonymousPing(after.redisPort).find("NOAUTH") != std::string::npos);
    inv::RedisConnection redis(url, {});
    QVERIFY(redis.command({"PING"}).isStatus("PONG"));
}

void TestSandbox::cleanupTestCase()
{
    if (m_sandbox)
        m_sandbox->stop();
}

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_sandbox.moc"
