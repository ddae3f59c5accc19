#include "sim/scenario.h"

#include "sim/flashsalescenario.h"
#include "sim/mixedscenario.h"
#include "sim/stampedescenario.h"

#include <algorithm>

namespace inv {

std::unique_ptr<Scenario> Scenario::create(ScenarioKind kind)
{
    switch (kind) {
    case ScenarioKind::FlashSale:
        return std::make_unique<FlashSaleScenario>();
    case ScenarioKind::Mixed:
        return std::make_unique<MixedScenario>();
    case ScenarioKind::Stampede:
        return std::make_unique<StampedeScenario>();
    }
    return nullptr;
}

std::vector<int> Scenario::hotKeys(const SimulationConfig &config) const
{
    std::vector<int> out;
    for (int k = 0; k < std::min(keyCount(config), 20); ++k)
        out.push_back(k);
    return out;
}

} // namespace inv
