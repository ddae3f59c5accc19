// The result of a load sweep: one SweepStep per short run, in rising order of the swept parameter,
// and the knee, the last step that passed every SLO and the first that broke one. Rendered as JSON
// (simulate --sweep --json and --report) or as a table that ends in a "knee:" line. A plain value;
// any thread.
#pragma once

#include "sim/simulationreport.h"
#include "sim/sweeprange.h"
#include "sim/sweepreference.h"

#include <optional>
#include <string>
#include <vector>

namespace inv {

struct SweepStep
{
    // The swept parameter's value: arrivals per second or connections in all.
    double value = 0;
    // The virtual servers the step ran on, and their connections in all.
    int servers = 0;
    int connections = 0;
    // Arrivals per second the step asked for, and what it served.
    double offeredRps = 0;
    double throughputRps = 0;
    double durationSeconds = 0;
    long long requests = 0, errors = 0, dropped = 0;
    LatencySummary read, write;
    double cacheHitRate = 0;
    bool pass = false;
    // The first SLO that failed, as Slo::failure() phrases it; empty when the step passed.
    std::string failure;
    // Stopped before its load was done: no verdict.
    bool stopped = false;

    static SweepStep fromReport(double value, const SimulationReport &report);
};

struct SweepResult
{
    SweepRange range;
    std::string scenario;
    std::string strategy;
    double stepSeconds = 0;
    std::vector<SweepStep> steps;
    // Stopped before the sweep found its knee or ran every step.
    bool stopped = false;
    // The peers' measurements given with --reference, reported beside the steps as they are.
    std::vector<SweepReference> references;

    // Indexes into steps; lastPass is empty when the first step failed, firstFail when none did.
    std::optional<std::size_t> lastPass() const;
    std::optional<std::size_t> firstFail() const;
    // "knee: between rate 6325 req/s (passed) and 11696 req/s (read_p99_ms 7.1 > 5)", or why none.
    std::string kneeText() const;
    std::string toJson() const;
    // A table of the steps, then the knee line, then a line per reference.
    std::string humanSummary() const;
};

} // namespace inv
