// The Servers page's samplers against the real PostgreSQL and Redis: commits counted from
// pg_stat_database, a row-lock wait named with its relation and SKU, what a role without
// pg_monitor may see and the note that says so, keyspace hits and misses, the slow log, and a
// monitor that reports a Redis outage and recovers by itself when Redis returns.
#include "cache/redisconnection.h"
#include "db/pgconnection.h"
#include "monitor/pgserversampler.h"
#include "monitor/redisserversampler.h"
#include "monitor/servermonitor.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandboxstate.h"
#include "testservices.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

class TestServerMonitor : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void commitsGrowByWhatWasCommitted();
    void rowLockWaitNamesInventoryAndSku();
    void roleWithoutPgMonitorGetsTheNote();
    void superuserSeesEverySession();
    void keyspaceHitsAndMissesMove();
    void slowCommandAppearsInTheSlowLog();
    void monitorReportsRedisDownAndRecovers();
    void monitorConninfoKeepsTheUsersSettings();

private:
    std::string newProduct();
    std::optional<std::string> superuserUrl() const;

    std::unique_ptr<inv::PgConnection> m_db;
    std::vector<std::string> m_products;
};

namespace {
const inv::PgLockWait *waitOf(const inv::PgServerStats &stats, int pid)
{
    const auto it = std::find_if(stats.lockWaits.begin(), stats.lockWaits.end(),
                                 [pid](const inv::PgLockWait &w) { return w.pid == pid; });
    return it == stats.lockWaits.end() ? nullptr : &*it;
}

const inv::PgSession *sessionOf(const inv::PgServerStats &stats, int pid)
{
    const auto it = std::find_if(stats.sessions.begin(), stats.sessions.end(),
                                 [pid](const inv::PgSession &s) { return s.pid == pid; });
    return it == stats.sessions.end() ? nullptr : &*it;
}

int backendPid(inv::PgConnection &db)
{
    return db.exec("SELECT pg_backend_pid()").int32(0, 0);
}
} // namespace

void TestServerMonitor::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
}

void TestServerMonitor::cleanupTestCase()
{
    if (!m_db)
        return;
    for (const auto &sku : m_products)
        m_db->exec("DELETE FROM inventory i WHERE sku = $1 AND NOT EXISTS "
                   "(SELECT 1 FROM inventory_audit a WHERE a.sku = i.sku)",
                   {sku});
}

std::string TestServerMonitor::newProduct()
{
    const std::string sku = testservices::uniqueSku("tst-servermonitor");
    m_db->exec("INSERT INTO inventory (sku, name, stock) VALUES ($1, 'server monitor test', 5)", {sku});
    m_products.push_back(sku);
    return sku;
}

std::optional<std::string> TestServerMonitor::superuserUrl() const
{
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    const auto state = dir.empty() ? std::nullopt : inv::SandboxState::read(dir);
    if (!state)
        return std::nullopt;
    return "postgresql://inventory:" + state->pgPassword + "@127.0.0.1:" + std::to_string(state->pgPort) +
           "/inventory";
}

void TestServerMonitor::commitsGrowByWhatWasCommitted()
{
    inv::PgServerSampler sampler(testservices::pgUrl());
    const inv::PgServerStats before = sampler.sample();
    QVERIFY2(before.available, before.error.c_str());
    QVERIFY(before.maxConnections > 0);
    QVERIFY(!before.serverVersion.empty());
    constexpr int kCommits = 25;
    {
        inv::PgConnection other(testservices::pgUrl());
        for (int i = 0; i < kCommits; ++i) {
            inv::PgTransaction transaction(other);
            other.exec("SELECT 1");
            transaction.commit();
        }
    } // a backend flushes its statistics when it exits
    // Sampled until the commits show, and not once more (QTRY_VERIFY would sample again after it held,
    // and two samples close together may see no commit in between).
    inv::PgServerStats after;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
        after = sampler.sample();
        if (after.commits >= before.commits + kCommits)
            break;
        QTest::qWait(50);
    } while (std::chrono::steady_clock::now() < deadline);
    QVERIFY2(after.commits >= before.commits + kCommits,
             qPrintable(QStringLiteral("%1 commits, %2 before").arg(after.commits).arg(before.commits)));
    // The commits since the sample before, over its interval: that sample had not seen them all yet.
    QVERIFY2(after.commitsPerSecond > 0, qPrintable(QString::number(after.commitsPerSecond)));
    QVERIFY(after.cacheHitRatio >= 0 && after.cacheHitRatio <= 1);
    QVERIFY(after.deadlocks >= 0);
}

void TestServerMonitor::rowLockWaitNamesInventoryAndSku()
{
    const std::string sku = newProduct();
    inv::PgConnection holder(testservices::pgUrl());
    inv::PgConnection waiter(testservices::pgUrl());
    const int holderPid = backendPid(holder);
    const int waiterPid = backendPid(waiter);
    holder.begin();
    holder.exec("SELECT 1 FROM inventory WHERE sku = $1 FOR UPDATE", {sku});
    std::atomic<bool> done{false};
    std::jthread blocked([&] {
        try {
            waiter.exec("SELECT 1 FROM inventory WHERE sku = $1 FOR UPDATE", {sku});
        } catch (const std::exception &) {
        }
        done = true;
    });

    inv::PgServerSampler sampler(testservices::pgUrl());
    inv::PgServerStats stats;
    QTRY_VERIFY_WITH_TIMEOUT(waitOf(stats = sampler.sample(), waiterPid) != nullptr, 5000);
    const inv::PgLockWait *wait = waitOf(stats, waiterPid);
    QVERIFY(stats.waiting >= 1);
    QCOMPARE(wait->relation, std::string("inventory"));
    QCOMPARE(wait->schema, std::string("public"));
    QCOMPARE(wait->sku, sku);
    QVERIFY2(wait->blockedBy.find(std::to_string(holderPid)) != std::string::npos, wait->blockedBy.c_str());
    // The waiter is the app role's own session: its query and state are visible.
    QVERIFY(wait->query.find("FOR UPDATE") != std::string::npos);
    const inv::PgSession *session = sessionOf(stats, waiterPid);
    QVERIFY(session);
    QVERIFY(session->waitingOnLock);
    QCOMPARE(session->waitEventType, std::string("Lock"));
    // The holder's open transaction is at least as old as the wait.
    QVERIFY(stats.longestTransaction.pid != 0);
    QVERIFY(stats.longestTransaction.xactAgeSeconds >= wait->waitSeconds);
    QVERIFY(!done.load());

    holder.rollback();
    QTRY_VERIFY_WITH_TIMEOUT(done.load(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(waitOf(sampler.sample(), waiterPid) == nullptr, 5000);
}

void TestServerMonitor::roleWithoutPgMonitorGetsTheNote()
{
    // The application's role has no pg_monitor: another role's session is hidden, and the note
    // says how to see it.
    const std::string owner = testservices::ownerUrl();
    QVERIFY2(owner != testservices::pgUrl(), "INVENTORY_PG_OWNER_URL must name a second role");
    inv::PgConnection other(owner);
    const int otherPid = backendPid(other);
    inv::PgServerSampler sampler(testservices::pgUrl());
    const inv::PgServerStats stats = sampler.sample();
    QVERIFY2(stats.available, stats.error.c_str());
    QVERIFY(!stats.fullVisibility);
    QVERIFY2(stats.visibilityNote.find("GRANT pg_monitor TO inventory_app") != std::string::npos,
             stats.visibilityNote.c_str());
    const inv::PgSession *session = sessionOf(stats, otherPid);
    QVERIFY2(session, "another role's session is listed, though hidden");
    QVERIFY(session->hidden);
    QCOMPARE(session->query, std::string("<insufficient privilege>"));
    QVERIFY(session->state.empty());
    QVERIFY(stats.hidden >= 1);
    // Its own sessions stay visible.
    const inv::PgSession *own = sessionOf(stats, backendPid(*m_db));
    QVERIFY(own && !own->hidden);
    QCOMPARE(own->state, std::string("idle"));
}

void TestServerMonitor::superuserSeesEverySession()
{
    const auto url = superuserUrl();
    if (!url) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
        QSKIP("needs the sandbox's superuser (INVENTORY_SANDBOX_DIR)");
    }
    inv::PgConnection other(testservices::ownerUrl());
    const int otherPid = backendPid(other);
    inv::PgServerSampler sampler(*url);
    const inv::PgServerStats stats = sampler.sample();
    QVERIFY2(stats.available, stats.error.c_str());
    QVERIFY(stats.fullVisibility);
    QVERIFY(stats.visibilityNote.empty());
    const inv::PgSession *session = sessionOf(stats, otherPid);
    QVERIFY(session && !session->hidden);
    QCOMPARE(session->query, std::string("SELECT pg_backend_pid()"));
}

void TestServerMonitor::keyspaceHitsAndMissesMove()
{
    inv::RedisServerSampler sampler(testservices::redisUrl());
    const inv::RedisServerStats before = sampler.sample();
    QVERIFY2(before.available, before.error.c_str());
    QVERIFY(!before.version.empty());
    QVERIFY(before.usedMemory > 0);
    QVERIFY(before.connectedClients >= 1);

    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), {});
    const std::string key = "tst-servermonitor:" + testservices::uniqueSku("key");
    redis.command({"SET", key, "1", "PX", "60000"});
    for (int i = 0; i < 5; ++i)
        QCOMPARE(redis.command({"GET", key}).str(), std::string("1"));
    for (int i = 0; i < 3; ++i)
        QVERIFY(redis.command({"GET", key + ":missing"}).isNil());

    const inv::RedisServerStats after = sampler.sample();
    QVERIFY2(after.available, after.error.c_str());
    QVERIFY(after.keyspaceHits >= before.keyspaceHits + 5);
    QVERIFY(after.keyspaceMisses >= before.keyspaceMisses + 3);
    QVERIFY(after.hitsPerSecond > 0);
    QVERIFY(after.missesPerSecond > 0);
    QVERIFY(after.hitRatio > 0 && after.hitRatio < 1);
    // SET, 8 GETs: at least 9 commands besides the monitor's own.
    QVERIFY(after.totalCommands >= before.totalCommands + 9);
    QVERIFY(after.opsPerSecond > 0);
    QVERIFY(after.connectedClients >= 2);
    QVERIFY(after.keys >= 1);
    redis.command({"DEL", key});
}

void TestServerMonitor::slowCommandAppearsInTheSlowLog()
{
    inv::RedisConnection redis(inv::RedisUrl::parse(testservices::redisUrl()), {{}, 2000ms});
    const std::string saved = redis.command({"CONFIG", "GET", "slowlog-log-slower-than"})->element[1]->str;
    redis.command({"CONFIG", "SET", "slowlog-log-slower-than", "1000"});
    // DEBUG SLEEP is disabled by default since Redis 7: a script that spins for 20 ms instead.
    const char *spin = "local s = redis.call('TIME') local t0 = s[1] * 1000000 + s[2] local i = 0 "
                       "repeat i = i + 1 local n = redis.call('TIME') "
                       "until n[1] * 1000000 + n[2] - t0 >= 20000 or i > 100000000 return i";
    const std::string marker = testservices::uniqueSku("slow");
    redis.command({"EVAL", spin, "0", marker});
    inv::RedisServerSampler sampler(testservices::redisUrl());
    const inv::RedisServerStats stats = sampler.sample();
    redis.command({"CONFIG", "SET", "slowlog-log-slower-than", saved});
    QVERIFY2(stats.available, stats.error.c_str());
    QVERIFY2(stats.slowLogError.empty(), stats.slowLogError.c_str());
    QCOMPARE(stats.slowLogThresholdMicros, 1000LL);
    const auto entry = std::find_if(stats.slowLog.begin(), stats.slowLog.end(), [&](const auto &e) {
        return e.command.find(marker) != std::string::npos;
    });
    QVERIFY2(entry != stats.slowLog.end(), "the script is in SLOWLOG GET 10");
    QVERIFY(entry->command.rfind("EVAL", 0) == 0);
    QVERIFY(entry->durationMicros >= 20000);
    QVERIFY(entry->timestamp > 0);
}

void TestServerMonitor::monitorReportsRedisDownAndRecovers()
{
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
        QSKIP("needs a sandbox whose Redis it may stop and start (INVENTORY_SANDBOX_DIR)");
    }
    inv::Sandbox sandbox(dir);
    inv::ServerMonitor monitor(testservices::pgUrl(), testservices::redisUrl(), 200ms);
    QTRY_VERIFY_WITH_TIMEOUT(monitor.snapshot().redis.available && monitor.snapshot().pg.available, 5000);
    sandbox.stopRedis();
    inv::ServerSnapshot down;
    QTRY_VERIFY_WITH_TIMEOUT(!(down = monitor.snapshot()).redis.available, 5000);
    sandbox.startRedis();
    QVERIFY(!down.redis.error.empty());
    // PostgreSQL's half keeps sampling meanwhile.
    QVERIFY(down.pg.available);
    QVERIFY(!down.redisHistory.empty());
    QVERIFY(down.redisHistory.back().opsPerSecond < 0); // a gap in the charts
    QTRY_VERIFY_WITH_TIMEOUT(monitor.snapshot().redis.available, 10000);

    // Paused, it takes no samples; resumed, it samples again at once.
    monitor.setPaused(true);
    QTest::qWait(300);
    const auto paused = monitor.snapshot();
    QTest::qWait(600);
    QCOMPARE(monitor.snapshot().pgSamples, paused.pgSamples);
    QVERIFY(monitor.snapshot().paused);
    monitor.setPaused(false);
    QTRY_VERIFY_WITH_TIMEOUT(monitor.snapshot().pgSamples > paused.pgSamples, 2000);
    QVERIFY(monitor.snapshot().pgHistory.size() <= inv::ServerMonitor::kHistory);
}

void TestServerMonitor::monitorConninfoKeepsTheUsersSettings()
{
    const std::string uri = inv::PgServerSampler::monitorConninfo("postgresql://u@h/db");
    QVERIFY(uri.find("?connect_timeout=3&application_name=inventory-console%20monitor") != std::string::npos);
    const std::string keywords = inv::PgServerSampler::monitorConninfo("host=h connect_timeout=30");
    QVERIFY(keywords.find("connect_timeout='3'") == std::string::npos);
    QVERIFY(keywords.find("application_name='inventory-console monitor'") != std::string::npos);
    // It connects: the added settings parse.
    inv::PgConnection db(inv::PgServerSampler::monitorConninfo(testservices::pgUrl()));
    QCOMPARE(db.exec("SELECT current_setting('application_name')").text(0, 0),
             std::string(inv::PgServerSampler::kApplicationName));
    QCOMPARE(db.exec("SELECT current_setting('statement_timeout')").text(0, 0), std::string("2s"));
}

QTEST_GUILESS_MAIN(TestServerMonitor)
#include "tst_servermonitor.moc"
