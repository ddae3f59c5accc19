// The write-visibility probe against a real Redis, driven by hand: the test writes cache entries
// itself, so that each case is exact. Probes must not queue behind each other, none is dropped at
// the end, and a cache that goes back in version is counted as a regression.
#include "cache/redisconnection.h"
#include "cache/stockcache.h"
#include "sim/visibilityprobe.h"
#include "testservices.h"

#include <QTest>

#include <thread>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class TestVisibilityProbe : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void probesDoNotQueueAndNoneIsDropped();
    void regressionAfterSightingIsCounted();
    void staleFillAfterMissIsCounted();
    void newerVersionsAreNoRegression();
    void probeStillPendingAtTheEndCountsAsNotVisible();

private:
    void set(const std::string &sku, long long stock, long long version)
    {
        m_redis->command(
            {"SET", inv::StockCache::key(sku), std::to_string(stock) + ":" + std::to_string(version)});
    }
    std::unique_ptr<inv::RedisConnection> m_redis;
};

void TestVisibilityProbe::initTestCase()
{
    REQUIRE_SERVICES();
    m_redis = std::make_unique<inv::RedisConnection>(inv::RedisUrl::parse(testservices::redisUrl()),
                                                     inv::RedisTimeouts{});
}

void TestVisibilityProbe::probesDoNotQueueAndNoneIsDropped()
{
    // Ten writes whose version never reaches the cache, submitted first, and ten that are already
    // visible: the visible ones must not wait behind the stuck ones.
    inv::VisibilityProbe probe(inv::RedisUrl::parse(testservices::redisUrl()));
    std::vector<std::string> stuck, visible;
    for (int i = 0; i < 10; ++i) {
        stuck.push_back(testservices::uniqueSku("probe-stuck"));
        visible.push_back(testservices::uniqueSku("probe-visible"));
        set(stuck.back(), 5, 1);
        set(visible.back(), 5, 2);
    }
    const auto now = Clock::now();
    for (const auto &sku : stuck)
        probe.submit(sku, 2, now);
    for (const auto &sku : visible)
        probe.submit(sku, 2, now);
    const auto started = Clock::now();
    const auto result = probe.finish();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    qInfo("%llu probes, p50 %.3f ms, max %.3f ms, finish took %.2f s",
          static_cast<unsigned long long>(result.latency.count()), result.latency.percentileMs(0.5),
          result.latency.maxMs(), seconds);
    QCOMPARE(result.latency.count(), std::uint64_t(20));
    QVERIFY(result.latency.percentileMs(0.5) < 100);
    // The stuck ones are capped at one second, not one second each in turn.
    QVERIFY(result.latency.maxMs() <= 1010);
    QVERIFY(seconds < 2.5);
    QCOMPARE(result.notVisible, 10LL);
    QCOMPARE(result.regressions, 0LL);
}

void TestVisibilityProbe::regressionAfterSightingIsCounted()
{
    inv::VisibilityProbe probe(inv::RedisUrl::parse(testservices::redisUrl()));
    const std::string sku = testservices::uniqueSku("probe-regress");
    set(sku, 7, 3);
    probe.submit(sku, 3, Clock::now());
    std::this_thread::sleep_for(50ms);
    set(sku, 8, 2); // the cache goes back to an older version
    std::this_thread::sleep_for(50ms);
    const auto result = probe.finish();
    QCOMPARE(result.latency.count(), std::uint64_t(1));
    QCOMPARE(result.regressions, 1LL);
}

void TestVisibilityProbe::staleFillAfterMissIsCounted()
{
    // No entry means readers go to the database and see the write; a later fill with an older
    // version puts the cache back behind it.
    inv::VisibilityProbe probe(inv::RedisUrl::parse(testservices::redisUrl()));
    const std::string sku = testservices::uniqueSku("probe-stalefill");
    m_redis->command({"DEL", inv::StockCache::key(sku)});
    probe.submit(sku, 4, Clock::now());
    std::this_thread::sleep_for(50ms);
    set(sku, 9, 3);
    std::this_thread::sleep_for(50ms);
    const auto result = probe.finish();
    QCOMPARE(result.regressions, 1LL);
}

void TestVisibilityProbe::newerVersionsAreNoRegression()
{
    inv::VisibilityProbe probe(inv::RedisUrl::parse(testservices::redisUrl()));
    const std::string sku = testservices::uniqueSku("probe-forward");
    set(sku, 7, 3);
    probe.submit(sku, 3, Clock::now());
    std::this_thread::sleep_for(30ms);
    set(sku, 6, 4);
    probe.submit(sku, 4, Clock::now());
    std::this_thread::sleep_for(30ms);
    m_redis->command({"DEL", inv::StockCache::key(sku)});
    std::this_thread::sleep_for(30ms);
    set(sku, 6, 4); // a fill with the current version
    std::this_thread::sleep_for(30ms);
    const auto result = probe.finish();
    QCOMPARE(result.latency.count(), std::uint64_t(2));
    QCOMPARE(result.regressions, 0LL);
    QCOMPARE(result.notVisible, 0LL);
}

void TestVisibilityProbe::probeStillPendingAtTheEndCountsAsNotVisible()
{
    inv::VisibilityProbe probe(inv::RedisUrl::parse(testservices::redisUrl()));
    const std::string sku = testservices::uniqueSku("probe-pending");
    set(sku, 1, 1);
    probe.submit(sku, 2, Clock::now());
    const auto result = probe.finish();
    QCOMPARE(result.latency.count(), std::uint64_t(1));
    QCOMPARE(result.notVisible, 1LL);
    QVERIFY(result.latency.maxMs() >= 990);
}

QTEST_GUILESS_MAIN(TestVisibilityProbe)
#include "tst_visibilityprobe.moc"
