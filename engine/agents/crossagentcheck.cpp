#include "agents/crossagentcheck.h"

#include <algorithm>

namespace inv {

int CrossAgentCheck::agentIndex(const std::string &agent)
{
    const auto it = std::find(m_agents.begin(), m_agents.end(), agent);
    if (it != m_agents.end())
        return static_cast<int>(it - m_agents.begin());
    m_agents.push_back(agent);
    return static_cast<int>(m_agents.size()) - 1;
}

void CrossAgentCheck::add(const std::string &agent, const std::vector<AgentObservation> &reads,
                          const std::vector<AgentObservation> &writes)
{
    const int index = agentIndex(agent);
    for (const auto &r : reads)
        m_reads.push_back(Event{index, r.key, r.version, r.us});
    for (const auto &w : writes)
        m_writes.push_back(Event{index, w.key, w.version, w.us});
}

CrossAgentCheck::Result CrossAgentCheck::finish() const
{
    // Per key and writing agent: its writes in time order, with the highest version so far.
    struct Series
    {
        std::vector<long long> us;
        std::vector<long long> highest;
    };
    std::map<std::pair<int, int>, Series> series;
    std::vector<Event> writes = m_writes;
    std::sort(writes.begin(), writes.end(), [](const Event &a, const Event &b) { return a.us < b.us; });
    for (const auto &w : writes) {
        Series &s = series[{w.key, w.agent}];
        s.us.push_back(w.us);
        s.highest.push_back(std::max(s.highest.empty() ? 0 : s.highest.back(), w.version));
    }
    auto uncertainty = [&](int agent) {
        const auto it = m_uncertaintyUs.find(m_agents[static_cast<std::size_t>(agent)]);
        return it == m_uncertaintyUs.end() ? 0LL : it->second;
    };
    // The highest version a writer had acknowledged strictly before `us`.
    auto highestBefore = [](const Series &s, long long us) {
        const auto it = std::lower_bound(s.us.begin(), s.us.end(), us);
        return it == s.us.begin() ? 0LL : s.highest[static_cast<std::size_t>(it - s.us.begin() - 1)];
    };
    Result result;
    for (const auto &r : m_reads) {
        ++result.checkedReads;
        bool stale = false, undecided = false;
        for (int writer = 0; writer < static_cast<int>(m_agents.size()) && !stale; ++writer) {
            const auto found = series.find({r.key, writer});
            if (found == series.end())
                continue;
            const long long margin = writer == r.agent ? 0 : uncertainty(writer) + uncertainty(r.agent);
            if (highestBefore(found->second, r.us - margin) > r.version)
                stale = true;
            else if (highestBefore(found->second, r.us + margin) > r.version)
                undecided = true;
        }
        if (stale)
            ++result.stale;
        else if (undecided)
            ++result.undecided;
    }
    return result;
}

} // namespace inv
