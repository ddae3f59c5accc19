// mixed: an open-loop constant arrival rate for a duration, reads and writes over Zipf-skewed keys.
// Latency runs from each operation's intended start; one later than the maximum lag is dropped.
#pragma once

#include "sim/scenario.h"

namespace inv {

class MixedScenario : public Scenario
{
public:
    int keyCount(const SimulationConfig &config) const override { return config.products; }
    void run(SimulationContext &context) override;
    std::vector<int> hotKeys(const SimulationConfig &config) const override;
};

} // namespace inv
