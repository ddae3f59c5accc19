// The agents' records of one run, merged as they arrive: each agent's book (state, counts, its own
// histograms, its server-id prefix), and the 250 ms windows of every agent on one time line, merged
// bucket by bucket into the run's total and kept per agent too. Windows are drawn once they are a
// second old, when every agent still up has sent them. The coordinator's thread adds records and
// draws; snapshot() may be called from any thread (the console polls it).
#pragma once

#include "agents/agentprotocol.h"
#include "agents/crossagentcheck.h"
#include "sim/simulationmonitor.h"
#include "sim/simulationreport.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace inv {

struct AgentsSnapshot
{
    bool running = false;
    double progress = 0;
    std::vector<AgentOutcome> agents;
    std::vector<TimelinePoint> total;
    // Per agent, by name, on the same time line.
    std::map<std::string, std::vector<TimelinePoint>> perAgent;
};

class AgentMerge
{
public:
    static constexpr long long kWindowUs = 250'000;

    AgentMerge(const std::vector<AgentInfo> &agents, const std::vector<AgentShare> &shares,
               long long startAtUs, int buyers);

    // False when the record is refused: an agent not in the run, one already done, or a sequence
    // number not above its last (a replay).
    bool add(const AgentRecord &record, long long nowUs, std::size_t bytes = 0);
    // Draws the windows up to slot `upTo` (inclusive) into the time lines.
    void draw(long long upTo, const SimulationMonitor::Tick &tick);
    // An agent whose heartbeat expired, or that never sent its first record.
    void giveUp(const std::string &name, const std::string &state, const std::string &message);

    std::vector<std::string> waitingFor() const;
    bool started(const std::string &name) const;
    bool anyStarted() const;
    std::string prefix(const std::string &name) const;
    long long lastEndUs() const { return m_lastEndUs; }

    // Each agent's outcome so far, with its p99 over the windows it sent.
    std::vector<AgentOutcome> outcomes() const;
    // The run's totals: the merged histograms of every window, the finished agents' own counts.
    struct Counts
    {
        std::array<HistogramCounts, kOperationKinds> latency;
        long long successes = 0, rejections = 0, errors = 0, dropped = 0, reads = 0, hits = 0, lockBusy = 0;
        long long staleReads = 0;
    };
    Counts counts() const;
    AgentsSnapshot snapshot() const;
    // Stale reads across agents, from every window's observations; and the observations the agents
    // could not send.
    CrossAgentCheck::Result crossCheck() const;
    long long unlogged() const;
    // The run is over: snapshot() says so.
    void finish();

private:
    struct Slot
    {
        std::array<HistogramCounts, kOperationKinds> latency;
        long long successes = 0, rejections = 0, errors = 0, dropped = 0, reads = 0, hits = 0, lockBusy = 0;
        void add(const AgentRecord &record);
    };
    struct Book
    {
        AgentOutcome outcome;
        std::array<HistogramCounts, kOperationKinds> latency;
        // Its own windows by slot (named so because Qt code, where "slots" is a macro, includes this).
        std::map<long long, Slot> ownSlots;
        std::string prefix;
        long long lastSeq = -1;
        long long rejections = 0;
        long long dropped = 0;
        long long staleReads = 0;
        long long windowBytes = 0;
        bool started = false;
        bool done = false;
    };
    static TimelinePoint pointFor(double t, const Slot &slot);

    const long long m_startAtUs;
    const int m_buyers;
    mutable std::mutex m_mutex;
    std::map<std::string, Book> m_books;
    std::map<long long, Slot> m_slots;
    CrossAgentCheck m_cross;
    long long m_unlogged = 0;
    long long m_drawnUpTo = -1;
    long long m_answered = 0;
    long long m_lastEndUs;
    bool m_running = true;
    std::vector<TimelinePoint> m_total;
    std::map<std::string, std::vector<TimelinePoint>> m_perAgent;
};

} // namespace inv
