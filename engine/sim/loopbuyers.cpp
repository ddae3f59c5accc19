#include "sim/loopbuyers.h"

namespace inv {

LoopBuyers::LoopBuyers(SimulationContext &context) : m_context(context), m_servers(context) {}

LoopBuyers::~LoopBuyers() = default;

void LoopBuyers::run(const std::function<void(double)> &progress)
{
    m_progress = progress;
    m_context.addEvent("load starts");
    for (std::size_t i = 0; i < m_servers.size(); ++i) {
        ServerLoop *s = &m_servers[i];
        s->loop().post([this, s] {
            for (int i = 0; i < m_context.config().connectionsOf(s->index()) * ServerLoop::kDepth; ++i)
                if (!sendNext(*s))
                    break;
        });
    }
    // Idle: every buyer sent (or the run stopping) and every answer in.
    ServerLoops::awaitIdle([this] {
        const bool allSent =
            m_next.load(std::memory_order_relaxed) >= m_context.config().buyers || m_context.stopRequested();
        return allSent &&
               m_finished.load(std::memory_order_acquire) == m_issued.load(std::memory_order_relaxed);
    });
}

bool LoopBuyers::sendNext(ServerLoop &server)
{
    const int buyers = m_context.config().buyers;
    if (m_context.stopRequested())
        return false;
    const int buyer = m_next.fetch_add(1, std::memory_order_relaxed);
    if (buyer >= buyers)
        return false;
    // Every buyer is in: what is left is the requests in flight.
    if (buyer == buyers - 1)
        m_context.addEvent("drain");
    m_issued.fetch_add(1, std::memory_order_relaxed);
    if (!m_context.config().buyersRead) {
        buy(server, buyer);
        return true;
    }
    server.read(0, SimClock::now(), [this, &server, buyer](std::optional<StockView> seen) {
        if (!seen) {
            finished(server, buyer);
        } else if (seen->stock < m_context.config().quantity) {
            m_context.rejected(server.index()); // sold out, as this buyer sees it
            finished(server, buyer);
        } else {
            buy(server, buyer);
        }
    });
    return true;
}

void LoopBuyers::buy(ServerLoop &server, int buyer)
{
    server.write(0, Action::Purchase, m_context.config().quantity, SimClock::now(),
                 [this, &server, buyer] { finished(server, buyer); });
}

void LoopBuyers::finished(ServerLoop &server, int buyer)
{
    m_progress(static_cast<double>(buyer + 1) / m_context.config().buyers);
    // The next buyer goes out before this one counts as finished: the waiter never sees the load
    // idle while a buyer is still to be sent.
    sendNext(server);
    m_finished.fetch_add(1, std::memory_order_release);
}

} // namespace inv
