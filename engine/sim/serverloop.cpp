#include "sim/serverloop.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace inv {

ServerLoop::ServerLoop(SimulationContext &context, int server, EventLoop &loop)
    : m_context(context), m_server(server), m_loop(loop)
{
    InventoryService &service = *context.servers()[static_cast<std::size_t>(server)];
    m_loop.call([&] {
        m_repairs = std::make_unique<LoopRepairs>(m_loop, service);
        m_reader = std::make_unique<LoopReader>(m_loop, service, 1, *m_repairs);
        m_writer = std::make_unique<LoopWriter>(m_loop, service, context.config().connectionsOf(server),
                                                kDepth, *m_repairs);
    });
}

ServerLoop::~ServerLoop()
{
    // Their events belong to the loop: freed on its thread.
    m_loop.call([this] {
        m_writer.reset();
        m_reader.reset();
        m_repairs.reset();
    });
}

void ServerLoop::open()
{
    m_loop.call([this] {
        m_repairs->open();
        m_reader->open();
        m_writer->open();
    });
}

void ServerLoop::read(int key, SimClock::time_point intended,
                      std::function<void(std::optional<StockView>)> then)
{
    const auto start = m_context.readStarts(m_server, key);
    m_reader->read(m_context.keySku(key), [this, key, start, intended, then](LoopReader::Outcome outcome) {
        if (outcome.view)
            m_context.readAnswered(m_server, key, start, *outcome.view, intended);
        else
            m_context.readFailed(m_server, intended, std::runtime_error(outcome.error));
        then(outcome.view);
    });
}

void ServerLoop::write(int key, Action action, int quantity, SimClock::time_point intended,
                       std::function<void()> then)
{
    const WriteRequest request = m_context.newRequest(m_server, key, action, quantity);
    const OperationKind kind = action == Action::Purchase ? OperationKind::Purchase : OperationKind::Restock;
    m_writer->write(request, [this, key, kind, request, intended, then](LoopWriteOutcome outcome) {
        if (outcome.inDoubt)
            m_context.settledElsewhere(outcome.kind != LoopWriteOutcome::Kind::Failed,
                                       outcome.result.replayed);
        switch (outcome.kind) {
        case LoopWriteOutcome::Kind::Written:
            m_context.written(m_server, key, request, outcome.result, intended);
            break;
        case LoopWriteOutcome::Kind::Refused:
            m_context.refused(m_server, kind, intended);
            break;
        case LoopWriteOutcome::Kind::Failed:
            m_context.failed(m_server, kind, intended, std::runtime_error(outcome.error));
            break;
        }
        then();
    });
}

void ServerLoops::awaitIdle(const std::function<bool()> &idle, const std::function<void()> &tick)
{
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (tick)
            tick();
        if (idle())
            return;
    }
}

int ServerLoops::loopCount(int servers)
{
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    return std::clamp(cores / 2, 1, std::max(1, servers));
}

ServerLoops::ServerLoops(SimulationContext &context)
{
    const int servers = static_cast<int>(context.servers().size());
    for (int l = 0; l < loopCount(servers); ++l)
        m_loops.push_back(std::make_unique<EventLoop>());
    for (int s = 0; s < servers; ++s)
        m_servers.push_back(
            std::make_unique<ServerLoop>(context, s, *m_loops[static_cast<std::size_t>(s) % m_loops.size()]));
    for (auto &server : m_servers)
        server->open();
}

ServerLoops::~ServerLoops()
{
    m_servers.clear();
}

} // namespace inv
