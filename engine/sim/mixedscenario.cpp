#include "sim/mixedscenario.h"

#include "sim/workerthreads.h"

#include <thread>

namespace inv {

MixedScenario::MixedScenario() = default;
MixedScenario::~MixedScenario() = default;

std::vector<int> MixedScenario::hotKeys(const SimulationConfig &config) const
{
    return Scenario::hotKeys(config); // Zipf puts the hottest keys first
}

void MixedScenario::prepare(SimulationContext &context)
{
    if (context.config().clientUsed() == ClientKind::Loop)
        m_loop = std::make_unique<LoopSchedule>(context);
}

void MixedScenario::run(SimulationContext &context)
{
    const auto &config = context.config();
    const MixedPlan plan(config, SimClock::now() + std::chrono::milliseconds(20));
    // Warm-up done (the cache was warmed before the time line began): from here on, all is measured.
    context.addEvent(config.warm && config.readRatio > 0 ? "measuring" : "load starts", plan.start());
    if (m_loop)
        m_loop->run(plan, [this](double done) { setProgress(done); });
    else
        runOnThreads(context, plan);
    // The rate achieved is measured over the schedule, not over the warm-up before it.
    setLoadSeconds(std::chrono::duration<double>(SimClock::now() - plan.start()).count());
    setProgress(1.0);
}

void MixedScenario::runOnThreads(SimulationContext &context, const MixedPlan &plan)
{
    const auto &config = context.config();
    std::atomic<long long> next{0};
    WorkerThreads::run(context.workerCount(), "load", [&](int w, std::stop_token abort) {
        for (long long op = next.fetch_add(1);
             op < plan.total() && !context.stopRequested() && !abort.stop_requested();
             op = next.fetch_add(1)) {
            const auto intended = plan.intended(op);
            const MixedPlan::Operation operation = plan.operation(op);
            const auto now = SimClock::now();
            if (now < intended) {
                std::this_thread::sleep_until(intended);
            } else if (now - intended > config.maxLag) {
                context.dropped(w, operation.kind, intended);
                continue;
            }
            if (operation.kind == OperationKind::Read)
                context.read(w, operation.key, intended);
            else
                context.write(w, operation.key, operation.action(), config.quantity, intended);
            if ((op & 255) == 0)
                setProgress(static_cast<double>(op) / static_cast<double>(plan.total()));
        }
    });
}

} // namespace inv
