#include "agents/agentmerge.h"

#include <algorithm>

namespace inv {

void AgentMerge::Slot::add(const AgentRecord &record)
{
    for (std::size_t k = 0; k < latency.size(); ++k)
        latency[k].add(record.latency[k]);
    successes += record.successes;
    rejections += record.rejections;
    errors += record.errors;
    dropped += record.dropped;
    reads += record.reads;
    hits += record.hits;
    lockBusy += record.lockBusy;
}

AgentMerge::AgentMerge(const std::vector<AgentInfo> &agents, const std::vector<AgentShare> &shares,
                       long long startAtUs, int buyers)
    : m_startAtUs(startAtUs), m_buyers(buyers), m_lastEndUs(startAtUs)
{
    for (std::size_t i = 0; i < agents.size(); ++i) {
        Book &book = m_books[agents[i].name];
        book.outcome.name = agents[i].name;
        book.outcome.host = agents[i].host;
        book.outcome.servers = shares[i].servers;
        book.outcome.state = "starting";
    }
}

TimelinePoint AgentMerge::pointFor(double t, const Slot &slot)
{
    const double seconds = kWindowUs / 1e6;
    HistogramCounts writes = slot.latency[static_cast<std::size_t>(OperationKind::Purchase)];
    writes.add(slot.latency[static_cast<std::size_t>(OperationKind::Restock)]);
    const HistogramCounts &reads = slot.latency[static_cast<std::size_t>(OperationKind::Read)];
    TimelinePoint p;
    p.t = t;
    p.rps = std::max(0.0, static_cast<double>(reads.count() + writes.count()) -
                              static_cast<double>(slot.dropped)) /
            seconds;
    p.okPerSecond = static_cast<double>(slot.successes) / seconds;
    p.rejectedPerSecond = static_cast<double>(slot.rejections) / seconds;
    p.errorsPerSecond = static_cast<double>(slot.errors) / seconds;
    p.readP50Ms = reads.percentileMs(0.5);
    p.readP95Ms = reads.percentileMs(0.95);
    p.readP99Ms = reads.percentileMs(0.99);
    p.writeP50Ms = writes.percentileMs(0.5);
    p.writeP95Ms = writes.percentileMs(0.95);
    p.writeP99Ms = writes.percentileMs(0.99);
    p.hitRate = slot.reads > 0 ? static_cast<double>(slot.hits) / static_cast<double>(slot.reads) : 0;
    p.lockBusyPerSecond = static_cast<double>(slot.lockBusy) / seconds;
    return p;
}

bool AgentMerge::add(const AgentRecord &record, long long nowUs, std::size_t bytes)
{
    std::lock_guard lock(m_mutex);
    auto found = m_books.find(record.agent);
    if (found == m_books.end() || found->second.done || record.seq <= found->second.lastSeq)
        return false;
    Book &book = found->second;
    book.lastSeq = record.seq;
    switch (record.kind) {
    case AgentRecord::Kind::Started:
        book.started = true;
        book.prefix = record.serverPrefix;
        book.outcome.state = "running";
        book.outcome.clockUncertaintyMs = static_cast<double>(record.offsetUncertaintyUs) / 1000.0;
        m_cross.setUncertainty(record.agent, record.offsetUncertaintyUs);
        break;
    case AgentRecord::Kind::Window: {
        ++book.outcome.windows;
        book.windowBytes += static_cast<long long>(bytes);
        book.outcome.bytesPerWindow =
            static_cast<double>(book.windowBytes) / static_cast<double>(book.outcome.windows);
        book.outcome.windowLagMs =
            std::max(book.outcome.windowLagMs, static_cast<double>(nowUs - record.endUs) / 1000.0);
        const long long slot = std::max(0LL, (record.beginUs - m_startAtUs + kWindowUs / 2) / kWindowUs);
        m_slots[slot].add(record);
        book.ownSlots[slot].add(record);
        for (std::size_t k = 0; k < book.latency.size(); ++k)
            book.latency[k].add(record.latency[k]);
        book.outcome.requests += static_cast<long long>(
            record.latency[0].count() + record.latency[1].count() + record.latency[2].count());
        book.outcome.errors += record.errors;
        m_answered += record.successes + record.rejections + record.errors;
        m_cross.add(record.agent, record.readsSeen, record.writesSeen);
        m_unlogged += record.unlogged;
        break;
    }
    case AgentRecord::Kind::Finished:
        book.done = true;
        book.outcome.state = "finished";
        book.outcome.successes = record.successes;
        book.outcome.errors = record.errors;
        book.outcome.message.clear();
        book.rejections = record.rejections;
        book.dropped = record.dropped;
        book.staleReads = record.staleReads;
        m_lastEndUs = std::max(m_lastEndUs, record.endUs);
        break;
    case AgentRecord::Kind::Failed:
        book.done = true;
        book.outcome.state = "failed";
        book.outcome.message = record.message;
        break;
    }
    return true;
}

void AgentMerge::draw(long long upTo, const SimulationMonitor::Tick &tick)
{
    std::vector<TimelinePoint> drawn;
    double progress = 0;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_slots.upper_bound(m_drawnUpTo); it != m_slots.end() && it->first <= upTo; ++it) {
            const double t = static_cast<double>(it->first + 1) * kWindowUs / 1e6;
            m_total.push_back(pointFor(t, it->second));
            drawn.push_back(m_total.back());
            for (auto &[name, book] : m_books) {
                const auto own = book.ownSlots.find(it->first);
                m_perAgent[name].push_back(own == book.ownSlots.end() ? pointFor(t, Slot{})
                                                                      : pointFor(t, own->second));
            }
            m_drawnUpTo = it->first;
        }
        progress = std::min(1.0, static_cast<double>(m_answered) / std::max(1, m_buyers));
    }
    if (tick)
        for (const auto &p : drawn)
            tick(p, progress);
}

void AgentMerge::giveUp(const std::string &name, const std::string &state, const std::string &message)
{
    std::lock_guard lock(m_mutex);
    Book &book = m_books.at(name);
    book.done = true;
    book.outcome.state = state;
    book.outcome.message = message;
}

std::vector<std::string> AgentMerge::waitingFor() const
{
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto &[name, book] : m_books)
        if (!book.done)
            out.push_back(name);
    return out;
}

bool AgentMerge::started(const std::string &name) const
{
    std::lock_guard lock(m_mutex);
    return m_books.at(name).started;
}

bool AgentMerge::anyStarted() const
{
    std::lock_guard lock(m_mutex);
    return std::any_of(m_books.begin(), m_books.end(), [](const auto &b) { return b.second.started; });
}

std::string AgentMerge::prefix(const std::string &name) const
{
    std::lock_guard lock(m_mutex);
    return m_books.at(name).prefix;
}

std::vector<AgentOutcome> AgentMerge::outcomes() const
{
    std::lock_guard lock(m_mutex);
    std::vector<AgentOutcome> out;
    for (const auto &[name, book] : m_books) {
        AgentOutcome o = book.outcome;
        HistogramCounts all = book.latency[0];
        all.add(book.latency[1]);
        all.add(book.latency[2]);
        o.p99Ms = all.percentileMs(0.99);
        out.push_back(std::move(o));
    }
    return out;
}

AgentMerge::Counts AgentMerge::counts() const
{
    std::lock_guard lock(m_mutex);
    Counts c;
    for (const auto &[name, book] : m_books) {
        for (std::size_t k = 0; k < c.latency.size(); ++k)
            c.latency[k].add(book.latency[k]);
        if (book.outcome.state == "finished") {
            c.successes += book.outcome.successes;
            c.rejections += book.rejections;
            c.errors += book.outcome.errors;
            c.dropped += book.dropped;
            c.staleReads += book.staleReads;
        }
    }
    for (const auto &[index, slot] : m_slots) {
        c.reads += slot.reads;
        c.hits += slot.hits;
        c.lockBusy += slot.lockBusy;
    }
    return c;
}

CrossAgentCheck::Result AgentMerge::crossCheck() const
{
    std::lock_guard lock(m_mutex);
    return m_cross.finish();
}

long long AgentMerge::unlogged() const
{
    std::lock_guard lock(m_mutex);
    return m_unlogged;
}

void AgentMerge::finish()
{
    std::lock_guard lock(m_mutex);
    m_running = false;
}

AgentsSnapshot AgentMerge::snapshot() const
{
    std::lock_guard lock(m_mutex);
    AgentsSnapshot s;
    s.running = m_running;
    s.progress = std::min(1.0, static_cast<double>(m_answered) / std::max(1, m_buyers));
    for (const auto &[name, book] : m_books)
        s.agents.push_back(book.outcome);
    s.total = m_total;
    s.perAgent = m_perAgent;
    return s;
}

} // namespace inv
