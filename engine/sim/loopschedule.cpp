#include "sim/loopschedule.h"

namespace inv {

namespace {
// A loop that fell behind sends at most this many operations before it serves its sockets again.
constexpr int kBurst = 256;
} // namespace

LoopSchedule::LoopSchedule(SimulationContext &context) : m_context(context), m_servers(context) {}

LoopSchedule::~LoopSchedule() = default;

void LoopSchedule::run(const MixedPlan &plan, const std::function<void(double)> &progress)
{
    m_plan = &plan;
    m_lanes.resize(m_servers.size());
    m_lanesSending.store(static_cast<int>(m_lanes.size()));
    for (std::size_t s = 0; s < m_servers.size(); ++s) {
        Lane &lane = m_lanes[s];
        lane.server = &m_servers[s];
        lane.next = static_cast<long long>(s);
        lane.server->loop().post([this, &lane] { tick(lane); });
    }
    // Idle: every lane done sending and every answer in.
    ServerLoops::awaitIdle(
        [this] {
            return m_lanesSending.load(std::memory_order_acquire) == 0 &&
                   m_finished.load(std::memory_order_acquire) == m_issued.load(std::memory_order_acquire);
        },
        [&] {
            progress(plan.total() > 0 ? static_cast<double>(m_sent.load(std::memory_order_relaxed)) /
                                            static_cast<double>(plan.total())
                                      : 1.0);
        });
}

void LoopSchedule::tick(Lane &lane)
{
    const long long step = static_cast<long long>(m_lanes.size());
    const auto now = SimClock::now();
    for (int sent = 0; sent < kBurst && lane.next < m_plan->total() && !m_context.stopRequested(); ++sent) {
        if (m_plan->intended(lane.next) > now)
            break;
        send(lane, lane.next, now);
        lane.next += step;
    }
    if (lane.next >= m_plan->total() || m_context.stopRequested()) {
        m_lanesSending.fetch_sub(1, std::memory_order_release);
        return;
    }
    const auto wait =
        std::chrono::duration_cast<std::chrono::microseconds>(m_plan->intended(lane.next) - now);
    lane.server->loop().after(std::max(wait, std::chrono::microseconds(0)), [this, &lane] { tick(lane); });
}

void LoopSchedule::send(Lane &lane, long long op, SimClock::time_point now)
{
    const auto intended = m_plan->intended(op);
    const MixedPlan::Operation operation = m_plan->operation(op);
    const int worker = lane.server->index();
    m_sent.fetch_add(1, std::memory_order_relaxed);
    if (now - intended > m_context.config().maxLag) {
        m_context.dropped(worker, operation.kind, intended);
        return;
    }
    m_issued.fetch_add(1, std::memory_order_release);
    auto done = [this] { m_finished.fetch_add(1, std::memory_order_release); };
    if (operation.kind == OperationKind::Read)
        lane.server->read(operation.key, intended, [done](const std::optional<StockView> &) { done(); });
    else
        lane.server->write(operation.key, operation.action(), m_context.config().quantity, intended, done);
}

} // namespace inv
