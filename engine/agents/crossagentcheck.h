// Stale reads across agents, on the shared (Redis) time line: a read that began after a write of a
// newer version was acknowledged, by any agent, is stale. Between two events of one agent the order
// is exact (one clock); between agents it is known only beyond the sum of their clock offsets'
// uncertainties, so a read that falls inside that margin of a newer write is left undecided and
// counted as such, never as stale. Coordinator's thread only.
#pragma once

#include "agents/agentprotocol.h"

#include <map>
#include <string>
#include <vector>

namespace inv {

class CrossAgentCheck
{
public:
    struct Result
    {
        long long checkedReads = 0;
        long long stale = 0;
        long long undecided = 0;
    };

    void setUncertainty(const std::string &agent, long long us) { m_uncertaintyUs[agent] = us; }
    void add(const std::string &agent, const std::vector<AgentObservation> &reads,
             const std::vector<AgentObservation> &writes);
    Result finish() const;

private:
    struct Event
    {
        int agent;
        int key;
        long long version;
        long long us;
    };
    int agentIndex(const std::string &agent);

    std::map<std::string, long long> m_uncertaintyUs;
    std::vector<std::string> m_agents;
    std::vector<Event> m_reads;
    std::vector<Event> m_writes;
};

} // namespace inv
