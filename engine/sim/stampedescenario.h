// stampede: hot keys expire together, then many readers arrive at once; each round counts the
// database fills that follow.
#pragma once

#include "sim/scenario.h"

namespace inv {

class StampedeScenario : public Scenario
{
public:
    int keyCount(const SimulationConfig &config) const override { return config.products; }
    void run(SimulationContext &context) override;
};

} // namespace inv
