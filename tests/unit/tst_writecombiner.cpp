// The write combiner without a database: every buyer gets exactly its own answer, purchases that
// queue behind a write in flight ride in one batch, batches never exceed their bound, a batch's
// error reaches every buyer in it, SKUs do not wait for each other, and the distribution adds up.
#include "errors.h"
#include "inventory/writecombiner.h"

#include <QTest>

#include <atomic>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

using namespace std::chrono_literals;
using inv::CombinedOutcome;
using inv::WriteCombiner;
using inv::WriteRequest;

namespace {
// Appending, not "text" + std::to_string(n): that form trips GCC 12's -Wrestrict false positive.
std::string id(const char *prefix, int n, int m = -1)
{
    std::string out(prefix);
    out += std::to_string(n);
    if (m >= 0) {
        out += '-';
        out += std::to_string(m);
    }
    return out;
}

WriteRequest purchase(const std::string &sku, int quantity, const std::string &id)
{
    WriteRequest r;
    r.sku = sku;
    r.quantity = quantity;
    r.requestId = id;
    return r;
}

// Grants while `stock` lasts, in the batch's order, numbering versions as the database would.
struct FakeRow
{
    std::mutex mutex;
    int stock = 0;
    std::int64_t version = 1;
    std::atomic<int> inFlight{0};
    std::atomic<int> overlapped{0};

    std::vector<CombinedOutcome> apply(const std::vector<const WriteRequest *> &requests,
                                       std::chrono::microseconds hold = 0us)
    {
        if (inFlight.fetch_add(1) > 0)
            overlapped.fetch_add(1);
        std::this_thread::sleep_for(hold);
        std::vector<CombinedOutcome> out(requests.size());
        {
            std::lock_guard lock(mutex);
            for (std::size_t i = 0; i < requests.size(); ++i) {
                auto &p = out[i].purchase;
                if (requests[i]->quantity <= stock) {
                    stock -= requests[i]->quantity;
                    p.granted = true;
                    p.result.stock = stock;
                    p.result.version = ++version;
                }
                p.stockLeft = stock;
            }
        }
        inFlight.fetch_sub(1);
        return out;
    }
};
} // namespace

class TestWriteCombiner : public QObject
{
    Q_OBJECT

private slots:
    void aloneIsABatchOfOne();
    void queuedBuyersShareABatch();
    void batchesStayWithinTheBound();
    void oneSkuOneWriteAtATime();
    void errorReachesEveryBuyer();
    void skusDoNotWaitForEachOther();
    void waitGathersCompany();
    void refusesBadSettings();
    void percentilesWeighBuyers();
};

void TestWriteCombiner::aloneIsABatchOfOne()
{
    WriteCombiner combiner;
    FakeRow row;
    row.stock = 5;
    const WriteRequest r = purchase("A", 2, "a1");
    const CombinedOutcome out =
        combiner.submit(r, [&](const std::string &, const auto &requests) { return row.apply(requests); });
    QVERIFY(!out.error);
    QVERIFY(out.purchase.granted);
    QCOMPARE(out.purchase.result.stock, 3);
    QCOMPARE(combiner.stats().batches[1], 1LL);
    QCOMPARE(combiner.stats().batchCount(), 1LL);
}

void TestWriteCombiner::queuedBuyersShareABatch()
{
    WriteCombiner combiner({64, 0us});
    FakeRow row;
    row.stock = 1000;
    constexpr int kBuyers = 40;
    std::latch start(kBuyers);
    std::vector<CombinedOutcome> outcomes(kBuyers);
    std::vector<WriteRequest> requests;
    for (int i = 0; i < kBuyers; ++i)
        requests.push_back(purchase("HOT", 1, id("b", i)));
    {
        std::vector<std::jthread> buyers;
        for (int i = 0; i < kBuyers; ++i)
            buyers.emplace_back([&, i] {
                start.arrive_and_wait();
                outcomes[static_cast<std::size_t>(i)] = combiner.submit(
                    requests[static_cast<std::size_t>(i)],
                    [&](const std::string &, const auto &batch) { return row.apply(batch, 2000us); });
            });
    }
    // Every buyer got its own version, none twice, and the stock went down by exactly the buyers.
    std::set<std::int64_t> versions;
    for (const auto &o : outcomes) {
        QVERIFY(!o.error);
        QVERIFY(o.purchase.granted);
        versions.insert(o.purchase.result.version);
    }
    QCOMPARE(static_cast<int>(versions.size()), kBuyers);
    QCOMPARE(row.stock, 1000 - kBuyers);
    const auto stats = combiner.stats();
    QCOMPARE(stats.buyers(), static_cast<long long>(kBuyers));
    // Buyers that arrived during a 2 ms write were combined: far fewer batches than buyers.
    QVERIFY2(stats.batchCount() < kBuyers / 2, qPrintable(QString::number(stats.batchCount())));
    QVERIFY(stats.largest() > 1);
}

void TestWriteCombiner::batchesStayWithinTheBound()
{
    WriteCombiner combiner({4, 0us});
    FakeRow row;
    row.stock = 10'000;
    std::atomic<int> largestSeen{0};
    {
        std::vector<std::jthread> buyers;
        for (int t = 0; t < 16; ++t)
            buyers.emplace_back([&, t] {
                for (int i = 0; i < 50; ++i) {
                    const WriteRequest r = purchase("B", 1, id("", t, i));
                    combiner.submit(r, [&](const std::string &, const auto &batch) {
                        int seen = largestSeen.load();
                        while (static_cast<int>(batch.size()) > seen &&
                               !largestSeen.compare_exchange_weak(seen, static_cast<int>(batch.size()))) {
                        }
                        return row.apply(batch, 200us);
                    });
                }
            });
    }
    QVERIFY(largestSeen.load() <= 4);
    QCOMPARE(combiner.stats().largest(), largestSeen.load());
    QCOMPARE(combiner.stats().buyers(), 16LL * 50);
    QCOMPARE(row.stock, 10'000 - 16 * 50);
}

void TestWriteCombiner::oneSkuOneWriteAtATime()
{
    WriteCombiner combiner;
    FakeRow row;
    row.stock = 10'000;
    {
        std::vector<std::jthread> buyers;
        for (int t = 0; t < 12; ++t)
            buyers.emplace_back([&, t] {
                for (int i = 0; i < 40; ++i) {
                    const WriteRequest r = purchase("C", 1, id("", t, i));
                    combiner.submit(
                        r, [&](const std::string &, const auto &batch) { return row.apply(batch, 100us); });
                }
            });
    }
    // Within one process, a SKU's batches never overlap: the row lock is not queued on by ourselves.
    QCOMPARE(row.overlapped.load(), 0);
    QCOMPARE(row.stock, 10'000 - 12 * 40);
}

void TestWriteCombiner::errorReachesEveryBuyer()
{
    WriteCombiner combiner;
    std::latch start(8);
    std::atomic<int> errors{0};
    {
        std::vector<std::jthread> buyers;
        for (int i = 0; i < 8; ++i)
            buyers.emplace_back([&, i] {
                const WriteRequest r = purchase("D", 1, id("d", i));
                start.arrive_and_wait();
                const CombinedOutcome out =
                    combiner.submit(r, [](const std::string &, const auto &) -> std::vector<CombinedOutcome> {
                        std::this_thread::sleep_for(1ms);
                        throw inv::DbError("the server went away", "57P01");
                    });
                if (out.error)
                    errors.fetch_add(1);
            });
    }
    QCOMPARE(errors.load(), 8);
    // And the lane is free again: the next buyer leads a batch of its own.
    FakeRow row;
    row.stock = 1;
    const WriteRequest r = purchase("D", 1, "d-after");
    QVERIFY(combiner.submit(r, [&](const std::string &, const auto &b) { return row.apply(b); })
                .purchase.granted);
}

void TestWriteCombiner::skusDoNotWaitForEachOther()
{
    WriteCombiner combiner;
    std::latch slowStarted(1);
    std::atomic<bool> release{false};
    std::jthread slow([&] {
        const WriteRequest r = purchase("SLOW", 1, "s");
        combiner.submit(r, [&](const std::string &, const auto &batch) {
            slowStarted.count_down();
            while (!release.load())
                std::this_thread::sleep_for(1ms);
            return std::vector<CombinedOutcome>(batch.size());
        });
    });
    slowStarted.wait();
    FakeRow row;
    row.stock = 3;
    const WriteRequest r = purchase("FAST", 1, "f");
    // Answered while SLOW's write is still in flight.
    QVERIFY(combiner.submit(r, [&](const std::string &, const auto &b) { return row.apply(b); })
                .purchase.granted);
    QVERIFY(!release.load());
    release = true;
}

void TestWriteCombiner::waitGathersCompany()
{
    // With a wait, buyers that arrive within it join the first one's batch though nothing is in flight.
    WriteCombiner combiner({64, 200'000us});
    FakeRow row;
    row.stock = 100;
    std::vector<std::jthread> buyers;
    for (int i = 0; i < 5; ++i) {
        buyers.emplace_back([&, i] {
            const WriteRequest r = purchase("W", 1, id("w", i));
            combiner.submit(r, [&](const std::string &, const auto &b) { return row.apply(b); });
        });
        std::this_thread::sleep_for(5ms);
    }
    buyers.clear();
    QCOMPARE(combiner.stats().batchCount(), 1LL);
    QCOMPARE(combiner.stats().batches[5], 1LL);
}

void TestWriteCombiner::refusesBadSettings()
{
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, WriteCombiner({0, 0us}));
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput,
                             WriteCombiner({inv::CombinerSettings::kLargestBatch + 1, 0us}));
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, WriteCombiner({8, -1us}));
}

void TestWriteCombiner::percentilesWeighBuyers()
{
    // 90 batches of 1 and one batch of 10: half the buyers rode alone, but the p99 buyer was in the 10.
    inv::CombinerStats stats;
    stats.batches.assign(11, 0);
    stats.batches[1] = 90;
    stats.batches[10] = 1;
    QCOMPARE(stats.batchCount(), 91LL);
    QCOMPARE(stats.buyers(), 100LL);
    QCOMPARE(stats.buyerPercentile(0.5), 1);
    QCOMPARE(stats.buyerPercentile(0.99), 10);
    QCOMPARE(stats.largest(), 10);
}

QTEST_GUILESS_MAIN(TestWriteCombiner)
#include "tst_writecombiner.moc"
