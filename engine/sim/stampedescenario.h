// stampede: hot keys expire together, then many readers arrive at once; each round counts the
// database fills that follow. The readers are sent by the servers' event loops (reader r by server
// r mod S, all at once) or by a thread each.
#pragma once

#include "sim/scenario.h"
#include "sim/serverloop.h"

#include <memory>
#include <vector>

namespace inv {

class StampedeScenario : public Scenario
{
public:
    StampedeScenario();
    ~StampedeScenario() override;
    int keyCount(const SimulationConfig &config) const override { return config.products; }
    void prepare(SimulationContext &context) override;
    void run(SimulationContext &context) override;
    void release() override { m_loops.reset(); }

private:
    // Reads key `keyOf(r)` for r in [0, count) at once, reader r on server r mod S (or thread r),
    // and returns when every read is answered.
    template <typename KeyOf> void readAll(SimulationContext &context, int count, const KeyOf &keyOf);

    std::unique_ptr<ServerLoops> m_loops;
};

} // namespace inv
