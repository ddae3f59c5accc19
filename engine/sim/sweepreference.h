// A peer's measurement drawn beside a load sweep: pgbench's or redis-benchmark's throughput, and the
// latency percentiles where the tool reported them, at a number of client connections. Read from
// the JSON file that tests/benchmarks/run_benchmarks.sh writes (simulate --sweep --reference FILE,
// and the console's Load sweep tab). Only what was measured: a percentile the tool did not report
// stays empty. A plain value; any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace inv {

struct SweepReference
{
    std::string tool;     // "pgbench", "redis-benchmark", ...
    std::string workload; // what it ran, e.g. "GET of 1,000 keys"
    std::string command;  // how, when the file says so
    int clients = 0;
    double throughputRps = 0;
    std::optional<double> p50Ms, p99Ms;

    // The tool and its workload: the entries that share it make one line on a chart.
    std::string label() const;
    // "redis-benchmark GET of 1,000 keys, 16 clients: 61230 req/s, p50 0.20 ms, p99 0.45 ms"
    std::string summary() const;

    // Throws InvalidInput ("invalid --reference 'PATH': entry 2: ...") when the file cannot be read
    // or any entry is malformed; nothing is returned then.
    static std::vector<SweepReference> load(const std::string &path);
    // The same for the text of such a file; `source` names it in messages.
    static std::vector<SweepReference> parse(const std::string &text, const std::string &source);
    // The entries as the file holds them: {"references": [...]}.
    static std::string toJson(const std::vector<SweepReference> &references);

    static constexpr int kMaxEntries = 200;
};

} // namespace inv
