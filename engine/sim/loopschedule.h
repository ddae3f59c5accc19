// The mixed scenario's open-loop schedule on the servers' event loops (ServerLoop): operation n goes
// to server n mod S, whose loop sends it at its intended start from a timer (to the microsecond),
// without waiting for the answers of the operations before it. One the loop reaches later than the
// maximum lag after its intended start is dropped, as the threaded client drops it.
#pragma once

#include "sim/mixedplan.h"
#include "sim/serverloop.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace inv {

class LoopSchedule
{
public:
    // Starts the loops and opens their connections, before the load is timed. Throws DbError when
    // a server's connections cannot be opened, ThreadStartError when a loop cannot start.
    explicit LoopSchedule(SimulationContext &context);
    ~LoopSchedule();
    LoopSchedule(const LoopSchedule &) = delete;
    LoopSchedule &operator=(const LoopSchedule &) = delete;

    // Blocks until every operation is answered or dropped, or the run is stopped and the operations
    // in flight are answered. `progress` gets 0..1.
    void run(const MixedPlan &plan, const std::function<void(double)> &progress);

private:
    struct Lane
    {
        ServerLoop *server = nullptr;
        long long next = 0; // its loop's thread only
    };
    // Loop thread of the lane: sends what is due and sets the timer for the next one.
    void tick(Lane &lane);
    void send(Lane &lane, long long op, SimClock::time_point now);

    SimulationContext &m_context;
    const MixedPlan *m_plan = nullptr;
    ServerLoops m_servers;
    std::vector<Lane> m_lanes;
    std::atomic<int> m_lanesSending{0};
    std::atomic<long long> m_issued{0};
    std::atomic<long long> m_finished{0};
    std::atomic<long long> m_sent{0};
};

} // namespace inv
