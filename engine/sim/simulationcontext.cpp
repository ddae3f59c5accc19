#include "sim/simulationcontext.h"

#include "errors.h"

#include <algorithm>
#include <thread>

namespace inv {

namespace {
std::int64_t nanosSince(SimClock::time_point from)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SimClock::now() - from).count();
}
} // namespace

SimulationContext::SimulationContext(const SimulationConfig &config,
                                     std::vector<std::unique_ptr<InventoryService>> &servers,
                                     ConsistencyChecker &checker, VisibilityProbe &probe,
                                     std::stop_token stop, int workerCount, std::string requestIdPrefix)
    : m_config(config), m_servers(servers), m_checker(checker), m_probe(probe), m_stop(std::move(stop)),
      m_workers(static_cast<std::size_t>(workerCount)), m_requestIdPrefix(std::move(requestIdPrefix)),
      m_writeSequence(static_cast<std::size_t>(workerCount), 0)
{}

bool SimulationContext::leavesWriteInDoubt(const std::exception &error)
{
    const auto *db = dynamic_cast<const DbError *>(&error);
    return db && db->sessionEnded();
}

WriteResult SimulationContext::settleInDoubt(InventoryService &server, const WriteRequest &request)
{
    m_inDoubt.fetch_add(1, std::memory_order_relaxed);
    // Long enough to ride out a PostgreSQL restart; the request id makes every attempt safe.
    const auto deadline = SimClock::now() + std::chrono::seconds(20);
    auto pause = std::chrono::milliseconds(10);
    for (;;) {
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(250));
        try {
            WriteResult result = server.write(request);
            m_inDoubtResolved.fetch_add(1, std::memory_order_relaxed);
            if (result.replayed)
                m_inDoubtCommitted.fetch_add(1, std::memory_order_relaxed);
            return result;
        } catch (const InsufficientStock &) {
            // Settled: the first attempt did not commit, and now there is too little stock.
            m_inDoubtResolved.fetch_add(1, std::memory_order_relaxed);
            throw;
        } catch (const std::exception &e) {
            if (!leavesWriteInDoubt(e) || SimClock::now() > deadline)
                throw;
        }
    }
}

std::optional<StockView> SimulationContext::read(int worker, int key, SimClock::time_point intended)
{
    const ReadStart start = readStarts(worker, key);
    try {
        StockView view = serverFor(worker).getStock(m_checker.skus()[static_cast<std::size_t>(key)]);
        readAnswered(worker, key, start, view, intended);
        return view;
    } catch (const std::exception &e) {
        readFailed(worker, intended, e);
        return std::nullopt;
    }
}

SimulationContext::ReadStart SimulationContext::readStarts(int worker, int key)
{
    ReadStart start;
    start.floor = m_checker.readFloor(key);
    // After the floor: a write acknowledged before it registered its expected evictions first.
    start.startedAt = SimClock::now();
    auto &server = serverFor(worker);
    start.inWindow = server.nearCache() &&
                     server.nearCache()->watch().windowOpen(m_checker.skus()[static_cast<std::size_t>(key)]);
    if (start.inWindow)
        m_readsInWindow.fetch_add(1, std::memory_order_relaxed);
    return start;
}

void SimulationContext::readAnswered(int worker, int key, const ReadStart &start, const StockView &view,
                                     SimClock::time_point intended)
{
    m_workers[static_cast<std::size_t>(worker)].latency(OperationKind::Read).record(nanosSince(intended));
    if (m_checker.onRead(start.floor, view.version) && start.inWindow)
        m_staleInWindow.fetch_add(1, std::memory_order_relaxed);
    if (m_observations)
        m_observations->read(key, view.version, start.startedAt);
}

void SimulationContext::readFailed(int worker, SimClock::time_point intended, const std::exception &error)
{
    m_workers[static_cast<std::size_t>(worker)].latency(OperationKind::Read).record(nanosSince(intended));
    recordError(worker, OperationKind::Read, error);
}

WriteRequest SimulationContext::newRequest(int worker, int key, Action action, int quantity)
{
    WriteRequest request;
    request.sku = m_checker.skus()[static_cast<std::size_t>(key)];
    request.action = action;
    request.quantity = quantity;
    request.reason = "simulation";
    request.requestId = m_requestIdPrefix + "w" + std::to_string(worker) + "-" +
                        std::to_string(++m_writeSequence[static_cast<std::size_t>(worker)]);
    return request;
}

bool SimulationContext::write(int worker, int key, Action action, int quantity, SimClock::time_point intended)
{
    const OperationKind kind = action == Action::Purchase ? OperationKind::Purchase : OperationKind::Restock;
    try {
        auto &server = serverFor(worker);
        const WriteRequest request = newRequest(worker, key, action, quantity);
        WriteResult result;
        try {
            result = server.write(request);
        } catch (const std::exception &e) {
            if (!leavesWriteInDoubt(e))
                throw;
            result = settleInDoubt(server, request);
        }
        written(worker, key, request, result, intended);
        return true;
    } catch (const InsufficientStock &) {
        refused(worker, kind, intended);
    } catch (const std::exception &e) {
        failed(worker, kind, intended, e);
    }
    return false;
}

void SimulationContext::written(int worker, int key, const WriteRequest &request, const WriteResult &result,
                                SimClock::time_point intended)
{
    auto &metrics = m_workers[static_cast<std::size_t>(worker)];
    const OperationKind kind =
        request.action == Action::Purchase ? OperationKind::Purchase : OperationKind::Restock;
    const auto acknowledged = SimClock::now();
    auto &server = serverFor(worker);
    // Before onWrite publishes the version: a read that sees it sees the open window too.
    for (auto &other : m_servers)
        if (other.get() != &server && other->nearCache())
            other->nearCache()->watch().expect(request.sku, result.cacheUpdateAt, acknowledged);
    metrics.latency(kind).record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(acknowledged - intended).count());
    m_checker.onWrite(key, request.action, request.quantity, result.version);
    if (m_observations)
        m_observations->write(key, result.version, acknowledged);
    metrics.addSuccess();
    if (request.action == Action::Purchase && result.stock <= 0)
        soldOut();
    // Probe a bounded sample of writes: every write at low rates, about 200 per second at most.
    const long long n = m_writeCounter.fetch_add(1, std::memory_order_relaxed);
    if (n < 200 || n % 10 == 0)
        m_probe.submit(request.sku, result.version, acknowledged);
}

void SimulationContext::refused(int worker, OperationKind kind, SimClock::time_point intended)
{
    auto &metrics = m_workers[static_cast<std::size_t>(worker)];
    metrics.latency(kind).record(nanosSince(intended));
    metrics.addRejection();
    soldOut();
}

void SimulationContext::failed(int worker, OperationKind kind, SimClock::time_point intended,
                               const std::exception &error)
{
    m_workers[static_cast<std::size_t>(worker)].latency(kind).record(nanosSince(intended));
    recordError(worker, kind, error);
}

void SimulationContext::settledElsewhere(bool settled, bool committed)
{
    m_inDoubt.fetch_add(1, std::memory_order_relaxed);
    if (settled)
        m_inDoubtResolved.fetch_add(1, std::memory_order_relaxed);
    if (committed)
        m_inDoubtCommitted.fetch_add(1, std::memory_order_relaxed);
}

void SimulationContext::dropped(int worker, OperationKind kind, SimClock::time_point intended)
{
    auto &metrics = m_workers[static_cast<std::size_t>(worker)];
    metrics.latency(kind).record(nanosSince(intended));
    metrics.addDropped(kind);
}

void SimulationContext::rejected(int worker)
{
    m_workers[static_cast<std::size_t>(worker)].addRejection();
    soldOut();
}

void SimulationContext::soldOut()
{
    if (!m_soldOut.exchange(true, std::memory_order_relaxed))
        addEvent("sold out");
}

void SimulationContext::addEvent(std::string label, SimClock::time_point at)
{
    std::lock_guard lock(m_eventMutex);
    m_events.push_back(Event{at, std::move(label)});
}

std::vector<SimulationContext::Event> SimulationContext::events() const
{
    std::lock_guard lock(m_eventMutex);
    return m_events;
}

void SimulationContext::recordError(int worker, OperationKind kind, const std::exception &error)
{
    m_workers[static_cast<std::size_t>(worker)].addError(kind);
    std::lock_guard lock(m_errorMutex);
    if (m_errorSamples.size() < 5 &&
        std::find(m_errorSamples.begin(), m_errorSamples.end(), error.what()) == m_errorSamples.end())
        m_errorSamples.emplace_back(error.what());
}

std::vector<std::string> SimulationContext::errorSamples() const
{
    std::lock_guard lock(m_errorMutex);
    return m_errorSamples;
}

} // namespace inv
