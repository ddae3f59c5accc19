// flash-sale: B buyers against one SKU, all released at once (closed loop). Each buyer reads the
// stock and, if it shows enough, buys. Any thread may read progress().
#pragma once

#include "sim/scenario.h"

namespace inv {

class FlashSaleScenario : public Scenario
{
public:
    int keyCount(const SimulationConfig &) const override { return 1; }
    void run(SimulationContext &context) override;
};

} // namespace inv
