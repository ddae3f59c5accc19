// flash-sale: B buyers against one SKU, all released at once (closed loop). Each buyer reads the
// stock and, if it shows enough, buys; blind buyers just buy. They are sent by the servers' event
// loops (LoopBuyers) or by worker threads. Any thread may read progress().
#pragma once

#include "sim/loopbuyers.h"
#include "sim/scenario.h"

#include <memory>

namespace inv {

class FlashSaleScenario : public Scenario
{
public:
    FlashSaleScenario();
    ~FlashSaleScenario() override;
    int keyCount(const SimulationConfig &) const override { return 1; }
    void prepare(SimulationContext &context) override;
    void run(SimulationContext &context) override;
    void release() override { m_loop.reset(); }

private:
    std::unique_ptr<LoopBuyers> m_loop;
};

} // namespace inv
