// What a load sweep raises and over which values: `rate=1000..40000` (the mixed scenario's arrivals
// per second) or `connections=1..128` (client connections in all, spread over the servers, so that a
// step compares with pgbench -c N and redis-benchmark -c N), with an optional step count after a colon
// (`rate=1000..40000:12`). Without one the values roughly double from step to step. A plain value;
// any thread.
#pragma once

#include <string>
#include <vector>

namespace inv {

enum class SweepParameter
{
    Rate,
    Connections,
};

struct SweepRange
{
    SweepParameter parameter = SweepParameter::Rate;
    double from = 1000;
    double to = 40'000;
    // 0: as many as it takes to about double the value from one step to the next.
    int steps = 0;

    // Throws InvalidInput naming the accepted forms.
    static SweepRange parse(const std::string &text);
    // The values to run, rising geometrically from `from` to `to` inclusive; whole numbers, no repeats.
    std::vector<double> values() const;
    const char *parameterName() const;
    // The unit of a value, for tables and axes: "req/s" or "connections".
    const char *unit() const;

    static constexpr int kMaxSteps = 50;
    // As many as PostgreSQL's connection limit leaves room for (SimulationConfig::validate).
    static constexpr int kMaxConnections = 360;
};

} // namespace inv
