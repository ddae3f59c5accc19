// mixed: an open-loop constant arrival rate for a duration, reads and writes over Zipf-skewed keys
// (MixedPlan), sent by the servers' event loops (LoopSchedule) or by worker threads. Latency runs
// from each operation's intended start; one later than the maximum lag is dropped.
#pragma once

#include "sim/loopschedule.h"
#include "sim/scenario.h"

#include <memory>

namespace inv {

class MixedScenario : public Scenario
{
public:
    MixedScenario();
    ~MixedScenario() override;
    int keyCount(const SimulationConfig &config) const override { return config.products; }
    void prepare(SimulationContext &context) override;
    void run(SimulationContext &context) override;
    void release() override { m_loop.reset(); }
    std::vector<int> hotKeys(const SimulationConfig &config) const override;

private:
    void runOnThreads(SimulationContext &context, const MixedPlan &plan);

    std::unique_ptr<LoopSchedule> m_loop;
};

} // namespace inv
