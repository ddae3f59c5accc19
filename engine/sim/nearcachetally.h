// Tallies what the servers' near caches did during a simulation's measured run: started after the
// warm-up (it turns on each near cache's EvictionWatch and takes the counters as they are), finished
// after the load into the report's NearCacheOutcome. The thread that runs the simulation calls it.
#pragma once

#include "inventory/inventoryservice.h"
#include "sim/simulationreport.h"

#include <memory>
#include <vector>

namespace inv {

class SimulationContext;

class NearCacheTally
{
public:
    explicit NearCacheTally(std::vector<std::unique_ptr<InventoryService>> &servers);

    // Nullopt when the servers run without a near cache.
    std::optional<NearCacheOutcome> finish(const SimulationContext &context) const;

private:
    std::vector<std::unique_ptr<InventoryService>> &m_servers;
    long long m_hits = 0, m_evictions = 0, m_disconnects = 0;
    bool m_enabled = false;
};

} // namespace inv
