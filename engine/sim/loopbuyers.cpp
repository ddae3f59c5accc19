#include "sim/loopbuyers.h"

#include "loop/loopwriter.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

namespace inv {

class ServerLoad
{
public:
    ServerLoad(SimulationContext &context, int server, std::atomic<int> &next, std::atomic<long long> &issued,
               std::atomic<long long> &finished, const std::function<void(double)> &progress)
        : m_context(context), m_server(server), m_next(next), m_issued(issued), m_finished(finished),
          m_progress(progress)
    {
        m_loop.call([&] {
            m_writer =
                std::make_unique<LoopWriter>(m_loop, *context.servers()[static_cast<std::size_t>(server)],
                                             context.config().connections, LoopBuyers::kDepth);
        });
    }
    ~ServerLoad()
    {
        // The writer's events belong to the loop: freed on its thread.
        m_loop.call([this] { m_writer.reset(); });
    }

    void open()
    {
        m_loop.call([this] { m_writer->open(); });
    }
    void start()
    {
        m_loop.post([this] {
            for (int i = 0; i < m_context.config().connections * LoopBuyers::kDepth; ++i)
                if (!sendNext())
                    break;
        });
    }

private:
    // Loop thread. False when every buyer is in, or the run is stopping.
    bool sendNext()
    {
        const int buyers = m_context.config().buyers;
        if (m_context.stopRequested())
            return false;
        const int buyer = m_next.fetch_add(1, std::memory_order_relaxed);
        if (buyer >= buyers)
            return false;
        if (buyer == buyers - 1)
            m_context.addEvent("drain");
        m_issued.fetch_add(1, std::memory_order_relaxed);
        const WriteRequest request =
            m_context.newRequest(m_server, 0, Action::Purchase, m_context.config().quantity);
        const auto intended = SimClock::now();
        m_writer->write(request, [this, request, intended, buyer, buyers](LoopWriteOutcome outcome) {
            if (outcome.inDoubt)
                m_context.settledElsewhere(outcome.kind != LoopWriteOutcome::Kind::Failed,
                                           outcome.result.replayed);
            switch (outcome.kind) {
            case LoopWriteOutcome::Kind::Written:
                m_context.written(m_server, 0, request, outcome.result, intended);
                break;
            case LoopWriteOutcome::Kind::Refused:
                m_context.refused(m_server, OperationKind::Purchase, intended);
                break;
            case LoopWriteOutcome::Kind::Failed:
                m_context.failed(m_server, OperationKind::Purchase, intended,
                                 std::runtime_error(outcome.error));
                break;
            }
            m_progress(static_cast<double>(buyer + 1) / buyers);
            // The next buyer goes out before this one counts as finished: the waiter never sees
            // the load idle while a buyer is still to be sent.
            sendNext();
            m_finished.fetch_add(1, std::memory_order_release);
        });
        return true;
    }

    SimulationContext &m_context;
    const int m_server;
    std::atomic<int> &m_next;
    std::atomic<long long> &m_issued;
    std::atomic<long long> &m_finished;
    const std::function<void(double)> &m_progress;
    EventLoop m_loop;
    std::unique_ptr<LoopWriter> m_writer;
};

LoopBuyers::LoopBuyers(SimulationContext &context) : m_context(context)
{
    for (int s = 0; s < static_cast<int>(context.servers().size()); ++s)
        m_loads.push_back(std::make_unique<ServerLoad>(context, s, m_next, m_issued, m_finished, m_progress));
    for (auto &load : m_loads)
        load->open();
}

LoopBuyers::~LoopBuyers() = default;

void LoopBuyers::run(const std::function<void(double)> &progress)
{
    m_progress = progress;
    m_context.addEvent("load starts");
    for (auto &load : m_loads)
        load->start();
    // Idle: every buyer sent (or the run stopping) and every answer in.
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const bool allSent =
            m_next.load(std::memory_order_relaxed) >= m_context.config().buyers || m_context.stopRequested();
        if (allSent && m_finished.load(std::memory_order_acquire) == m_issued.load(std::memory_order_relaxed))
            break;
    }
}

} // namespace inv
