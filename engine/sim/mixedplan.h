// The mixed scenario's schedule: operation n starts at start + n / rate, and its key (Zipf-skewed,
// key 0 the hottest) and kind (read, purchase or restock) depend only on the seed and n, never on
// which client or thread sends it.
#pragma once

#include "sim/simulationcontext.h"

#include <vector>

namespace inv {

class MixedPlan
{
public:
    struct Operation
    {
        int key = 0;
        OperationKind kind = OperationKind::Read;
        // A write's action (Purchase or Restock).
        Action action() const { return kind == OperationKind::Purchase ? Action::Purchase : Action::Restock; }
    };

    MixedPlan(const SimulationConfig &config, SimClock::time_point start);
    long long total() const { return m_total; }
    SimClock::time_point start() const { return m_start; }
    SimClock::time_point intended(long long op) const
    {
        return m_start +
               std::chrono::nanoseconds(static_cast<long long>(static_cast<double>(op) * m_periodNs));
    }
    Operation operation(long long op) const;

private:
    const SimulationConfig &m_config;
    std::vector<double> m_cdf;
    long long m_total;
    double m_periodNs;
    SimClock::time_point m_start;
};

} // namespace inv
