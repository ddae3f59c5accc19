// FillCoalescer's rule, driven directly: a caller joins a fill only if that fill has not started
// reading. A fill that read before the caller arrived may predate a write acknowledged to that
// caller, so the caller must get a later fill's answer, never that one's.
#include "inventory/fillcoalescer.h"

#include <QScopeGuard>
#include <QTest>

#include <atomic>
#include <latch>
#include <optional>
#include <thread>

using namespace std::chrono_literals;

namespace {
inv::StockView answer(std::int64_t version)
{
    return inv::StockView{static_cast<int>(100 - version), version, inv::ReadSource::Database};
}

// Holds a fill until the test opens it; opening twice is harmless, so a failed check can open it on
// its way out and let the threads end.
class FillGate
{
public:
    void open()
    {
        if (!m_opened.exchange(true))
            m_latch.count_down();
    }
    void wait() { m_latch.wait(); }

private:
    std::latch m_latch{1};
    std::atomic<bool> m_opened{false};
};
} // namespace

class TestFillCoalescer : public QObject
{
    Q_OBJECT

private slots:
    void joinsAFillThatHasNotStartedReading();
    void passesOverAFillThatStartedReading();
};

void TestFillCoalescer::joinsAFillThatHasNotStartedReading()
{
    inv::FillCoalescer coalescer;
    std::latch entered(1);
    FillGate release;
    std::atomic<int> fills{0};
    std::optional<inv::StockView> first, second;
    std::jthread leader([&] {
        first = coalescer.run("SKU-1", [&](inv::FillTicket &ticket) {
            ++fills;
            entered.count_down();
            release.wait();
            ticket.reading(); // the read starts after the second caller arrived
            return answer(1);
        });
    });
    entered.wait();
    std::jthread late([&] {
        second = coalescer.run("SKU-1", [&](inv::FillTicket &ticket) {
            ++fills;
            ticket.reading();
            return answer(2);
        });
    });
    const auto openOnExit = qScopeGuard([&] { release.open(); });
    QTRY_COMPARE(coalescer.coalesced(), 1LL);
    release.open();
    leader.join();
    late.join();
    QCOMPARE(fills.load(), 1);
    QCOMPARE(first->version, std::int64_t(1));
    QCOMPARE(second->version, std::int64_t(1));
    QCOMPARE(coalescer.passedOver(), 0LL);
}

void TestFillCoalescer::passesOverAFillThatStartedReading()
{
    inv::FillCoalescer coalescer;
    std::latch reading(1);
    FillGate release;
    std::atomic<int> laterFills{0};
    std::optional<inv::StockView> first, second;
    std::jthread leader([&] {
        first = coalescer.run("SKU-1", [&](inv::FillTicket &ticket) {
            ticket.reading();
            reading.count_down();
            release.wait(); // the read is done; the fill has not answered yet
            return answer(1);
        });
    });
    reading.wait();
    // This caller arrives after the first fill read: it stands for a reader that began after a
    // newer write (version 2) was acknowledged.
    std::jthread late([&] {
        second = coalescer.run("SKU-1", [&](inv::FillTicket &ticket) {
            ++laterFills;
            ticket.reading();
            return answer(2);
        });
    });
    // The premise: it found the first fill in flight and already reading.
    const auto openOnExit = qScopeGuard([&] { release.open(); });
    QTRY_COMPARE(coalescer.passedOver(), 1LL);
    release.open();
    leader.join();
    late.join();
    QCOMPARE(first->version, std::int64_t(1));
    QVERIFY2(second->version == 2, "a caller that arrived after the fill started reading got its answer");
    QCOMPARE(laterFills.load(), 1);
    QCOMPARE(coalescer.coalesced(), 0LL);
}

QTEST_GUILESS_MAIN(TestFillCoalescer)
#include "tst_fillcoalescer.moc"
