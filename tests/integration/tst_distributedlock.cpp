// DistributedLock against the real Redis: tokens, busy locks, compare-and-delete release, lease expiry,
// extension, waiting, and mutual exclusion between threads. The key's state is checked with raw
// commands on a connection of the test's own.
#include "cache/distributedlock.h"
#include "cache/redisconnection.h"
#include "cache/redispool.h"
#include "errors.h"
#include "testservices.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

using namespace std::chrono_literals;

class TestDistributedLock : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void acquireGivesAToken();
    void secondAcquireWithZeroWaitIsBusy();
    void releaseDeletesTheKey();
    void releaseWithAWrongTokenIsRefused();
    void expiredLeaseGoesToTheNextHolder();
    void extendKeepsTheLock();
    void extendAfterExpiryFails();
    void waitingAcquireGetsTheReleasedLock();
    void onlyOneThreadHoldsTheLockAtATime();
    void tokensAreUnique();

private:
    std::string newKey();
    std::string value(const std::string &key);
    long long pttl(const std::string &key);

    std::unique_ptr<inv::RedisPool> m_pool;
    std::unique_ptr<inv::RedisConnection> m_raw;
    std::vector<std::string> m_keys;
};

namespace {
bool isToken(const std::string &token)
{
    return token.size() == 32 && token.find_first_not_of("0123456789abcdef") == std::string::npos;
}
} // namespace

void TestDistributedLock::initTestCase()
{
    REQUIRE_SERVICES();
    const auto url = inv::RedisUrl::parse(testservices::redisUrl());
    m_pool = std::make_unique<inv::RedisPool>(url, 4);
    m_raw = std::make_unique<inv::RedisConnection>(url, inv::RedisTimeouts{});
}

void TestDistributedLock::cleanup()
{
    for (const auto &key : m_keys)
        m_raw->command({"DEL", key});
    m_keys.clear();
}

std::string TestDistributedLock::newKey()
{
    m_keys.push_back("tst:lock:" + testservices::uniqueSku("k"));
    return m_keys.back();
}

std::string TestDistributedLock::value(const std::string &key)
{
    auto reply = m_raw->command({"GET", key});
    return reply.isNil() ? std::string("(nil)") : reply.str();
}

long long TestDistributedLock::pttl(const std::string &key)
{
    return m_raw->command({"PTTL", key}).integer();
}

void TestDistributedLock::acquireGivesAToken()
{
    inv::DistributedLock lock(*m_pool);
    const std::string key = newKey();

    const auto handle = lock.acquire(key, 5s, 0ms);
    QVERIFY(handle.has_value());
    QCOMPARE(handle->key, key);
    QVERIFY2(isToken(handle->token), handle->token.c_str());
    QCOMPARE(value(key), handle->token);
    const long long ttl = pttl(key);
    QVERIFY2(ttl > 4000 && ttl <= 5000, std::to_string(ttl).c_str());
    QCOMPARE(lock.stats().acquired.load(), 1LL);
    QCOMPARE(lock.stats().busy.load(), 0LL);
}

void TestDistributedLock::secondAcquireWithZeroWaitIsBusy()
{
    inv::DistributedLock lock(*m_pool);
    const std::string key = newKey();
    const auto first = lock.acquire(key, 5s, 0ms);
    QVERIFY(first.has_value());

    const auto start = std::chrono::steady_clock::now();
    const auto second = lock.acquire(key, 5s, 0ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;

    QVERIFY(!second.has_value());
    QVERIFY(elapsed < 100ms); // one attempt, no waiting
    QCOMPARE(lock.stats().busy.load(), 1LL);
    QCOMPARE(lock.stats().acquired.load(), 1LL);
    QCOMPARE(value(key), first->token);
}

void TestDistributedLock::releaseDeletesTheKey()
{
    inv::DistributedLock lock(*m_pool);
    const std::string key = newKey();
    const auto handle = lock.acquire(key, 5s, 0ms);
    QVERIFY(handle.has_value());

    QVERIFY(lock.release(*handle));
    QCOMPARE(value(key), std::string("(nil)"));
    QCOMPARE(m_raw->command({"EXISTS", key}).integer(), 0LL);
    QCOMPARE(lock.stats().expiredWhileHeld.load(), 0LL);
    // Free again at once.
    QVERIFY(lock.acquire(key, 5s, 0ms).has_value());
}

void TestDistributedLock::releaseWithAWrongTokenIsRefused()
{
    inv::DistributedLock lock(*m_pool);
    const std::string key = newKey();
    const auto handle = lock.acquire(key, 5s, 0ms);
    QVERIFY(handle.has_value());

    const inv::LockHandle forged{key, inv::DistributedLock::newToken(), std::chrono::steady_clock::now()};
    QVERIFY(forged.token != handle->token);
    QVERIFY(!lock.release(forged));
    QCOMPARE(value(key), handle->token);
    QVERIFY(pttl(key) > 4000);
    QCOMPARE(lock.stats().expiredWhileHeld.load(), 1LL);

    QVERIFY(lock.release(*handle));
    QCOMPARE(value(key), std::string("(nil)"));
}

// Two app servers share the key: the first one's lease runs out while it still thinks it holds the lock.
void TestDistributedLock::expiredLeaseGoesToTheNextHolder()
{
    inv::DistributedLock slow(*m_pool);
    inv::DistributedLock next(*m_pool);
    const std::string key = newKey();

    const auto first = slow.acquire(key, 100ms, 0ms);
    QVERIFY(first.has_value());
    std::this_thread::sleep_for(250ms);
    QCOMPARE(value(key), std::string("(nil)"));

    const auto second = next.acquire(key, 5s, 0ms);
    QVERIFY(second.has_value());
    QVERIFY(second->token != first->token);

    // The late release must not free the new holder's lock.
    QVERIFY(!slow.release(*first));
    QCOMPARE(value(key), second->token);
    QCOMPARE(slow.stats().expiredWhileHeld.load(), 1LL);
    QCOMPARE(next.stats().expiredWhileHeld.load(), 0LL);
    QVERIFY(next.release(*second));
}

void TestDistributedLock::extendKeepsTheLock()
{
    inv::DistributedLock lock(*m_pool);
    const std::string key = newKey();
    const auto handle = lock.acquire(key, 200ms, 0ms);
    QVERIFY(handle.has_value());

    QVERIFY(lock.extend(*handle, 2000ms));
    const long long ttl = pttl(key);
    QVERIFY2(ttl > 1000 && ttl <= 2000, std::to_string(ttl).c_str());

    std::this_thread::sleep_for(300ms); // past the original 200 ms lease
    QCOMPARE(value(key), handle->token);

    // Someone else's token cannot extend it.
    const inv::LockHandle forged{key, inv::DistributedLock::newToken(), std::chrono::steady_clock::now()};
    QVERIFY(!lock.extend(forged, 60000ms));
    QVERIFY(pttl(key) <= 2000);
    QCOMPARE(lock.stats().expiredWhileHeld.load(), 1LL);
    QVERIFY(lock.release(*handle));
}

void TestDistributedLock::extendAfterExpiryFails()
{
    inv::DistributedLock lock(*m_pool);
    const std::string key = newKey();
    const auto handle = lock.acquire(key, 50ms, 0ms);
    QVERIFY(handle.has_value());
    std::this_thread::sleep_for(150ms);

    QVERIFY(!lock.extend(*handle, 2000ms));
    // A failed extension does not bring the key back.
    QCOMPARE(m_raw->command({"EXISTS", key}).integer(), 0LL);
    QCOMPARE(lock.stats().expiredWhileHeld.load(), 1LL);
}

void TestDistributedLock::waitingAcquireGetsTheReleasedLock()
{
    inv::DistributedLock holderLock(*m_pool);
    inv::DistributedLock waiterLock(*m_pool);
    const std::string key = newKey();
    const auto held = holderLock.acquire(key, 5s, 0ms);
    QVERIFY(held.has_value());

    std::atomic<bool> released{false};
    std::jthread holder([&] {
        std::this_thread::sleep_for(50ms);
        released = holderLock.release(*held);
    });
    const auto start = std::chrono::steady_clock::now();
    const auto got = waiterLock.acquire(key, 5s, 1s);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    holder.join();

    QVERIFY(released.load());
    QVERIFY(got.has_value());
    QCOMPARE(value(key), got->token);
    QVERIFY(elapsed < 1s);
    const long long waitedMax = waiterLock.stats().waitMicrosMax.load();
    QVERIFY2(waitedMax > 0, std::to_string(waitedMax).c_str());
    QVERIFY2(waitedMax >= 30'000, std::to_string(waitedMax).c_str()); // it waited for the ~50 ms release
    QVERIFY(waiterLock.stats().busy.load() > 0);
    QCOMPARE(waiterLock.stats().acquired.load(), 1LL);
    QCOMPARE(waiterLock.stats().waitMicrosTotal.load(), waitedMax);
}

void TestDistributedLock::onlyOneThreadHoldsTheLockAtATime()
{
    inv::DistributedLock lock(*m_pool);
    const std::string key = newKey();
    constexpr int kThreads = 4;
    constexpr int kRounds = 25;

    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> lostReleases{0};
    std::atomic<int> timeouts{0};
    long long counter = 0; // deliberately not atomic: the lock is what protects it
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                for (int round = 0; round < kRounds; ++round) {
                    auto handle = lock.acquire(key, 5s, 5s);
                    if (!handle) {
                        ++timeouts;
                        continue;
                    }
                    if (inside.fetch_add(1) != 0)
                        ++overlaps;
                    ++counter;
                    inside.fetch_sub(1);
                    if (!lock.release(*handle))
                        ++lostReleases;
                }
            });
        }
    }
    QCOMPARE(timeouts.load(), 0);
    QCOMPARE(overlaps.load(), 0);
    QCOMPARE(lostReleases.load(), 0);
    QCOMPARE(counter, static_cast<long long>(kThreads * kRounds));
    QCOMPARE(lock.stats().acquired.load(), static_cast<long long>(kThreads * kRounds));
    QCOMPARE(value(key), std::string("(nil)"));
}

void TestDistributedLock::tokensAreUnique()
{
    std::unordered_set<std::string> seen;
    for (int i = 0; i < 10'000; ++i) {
        std::string token = inv::DistributedLock::newToken();
        QVERIFY2(isToken(token), token.c_str());
        seen.insert(std::move(token));
    }
    QCOMPARE(seen.size(), std::size_t(10'000));

    // Generators are per thread; threads must not repeat each other's tokens either.
    constexpr int kThreads = 4;
    std::vector<std::vector<std::string>> perThread(kThreads);
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&perThread, t] {
                for (int i = 0; i < 2'500; ++i)
                    perThread[t].push_back(inv::DistributedLock::newToken());
            });
    }
    for (const auto &tokens : perThread)
        seen.insert(tokens.begin(), tokens.end());
    QCOMPARE(seen.size(), std::size_t(20'000));
}

QTEST_GUILESS_MAIN(TestDistributedLock)
#include "tst_distributedlock.moc"
