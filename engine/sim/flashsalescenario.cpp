#include "sim/flashsalescenario.h"

#include "sim/workerthreads.h"

namespace inv {

FlashSaleScenario::FlashSaleScenario() = default;
FlashSaleScenario::~FlashSaleScenario() = default;

void FlashSaleScenario::prepare(SimulationContext &context)
{
    if (context.config().clientUsed() == ClientKind::Loop)
        m_loop = std::make_unique<LoopBuyers>(context);
}

void FlashSaleScenario::run(SimulationContext &context)
{
    const int buyers = context.config().buyers;
    const int quantity = context.config().quantity;
    if (m_loop) {
        m_loop->run([this](double done) { setProgress(done); });
        setProgress(1.0);
        return;
    }
    std::atomic<int> next{0};
    context.addEvent("load starts");
    WorkerThreads::run(context.workerCount(), "buyer", [&](int w, std::stop_token abort) {
        for (int buyer = next.fetch_add(1);
             buyer < buyers && !context.stopRequested() && !abort.stop_requested();
             buyer = next.fetch_add(1)) {
            // Every buyer is in: what is left is the requests in flight.
            if (buyer == buyers - 1)
                context.addEvent("drain");
            if (!context.config().buyersRead) {
                context.write(w, 0, Action::Purchase, quantity, SimClock::now());
                setProgress(static_cast<double>(buyer + 1) / buyers);
                continue;
            }
            auto seen = context.read(w, 0, SimClock::now());
            if (!seen)
                continue;
            if (seen->stock < quantity)
                context.rejected(w); // sold out, as this buyer sees it
            else
                context.write(w, 0, Action::Purchase, quantity, SimClock::now());
            setProgress(static_cast<double>(buyer + 1) / buyers);
        }
    });
    setProgress(1.0);
}

} // namespace inv
