#include "sim/sweepresult.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace inv {

namespace {
using Json = nlohmann::ordered_json;

std::string number(double value, const char *pattern = "%.0f")
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
}

Json latencyJson(const LatencySummary &l)
{
    return {{"p50_ms", l.p50}, {"p95_ms", l.p95}, {"p99_ms", l.p99}, {"max_ms", l.max}, {"count", l.count}};
}

Json stepJson(const SweepStep &s, std::size_t index)
{
    return {{"index", index},
            {"value", s.value},
            {"servers", s.servers},
            {"connections", s.connections},
            {"offered_rps", s.offeredRps},
            {"throughput_rps", s.throughputRps},
            {"duration_s", s.durationSeconds},
            {"requests", s.requests},
            {"read", latencyJson(s.read)},
            {"write", latencyJson(s.write)},
            {"errors", s.errors},
            {"dropped", s.dropped},
            {"cache_hit_rate", s.cacheHitRate},
            {"pass", s.pass},
            {"failed_slo", s.failure.empty() ? Json(nullptr) : Json(s.failure)},
            {"stopped", s.stopped}};
}
} // namespace

SweepStep SweepStep::fromReport(double value, const SimulationReport &report)
{
    SweepStep step;
    step.value = value;
    step.servers = report.config.servers;
    step.connections = report.config.connectionCount();
    step.offeredRps = report.config.rate;
    step.throughputRps = report.throughputRps;
    step.durationSeconds = report.durationSeconds;
    step.requests = report.requests;
    step.errors = report.errors;
    step.dropped = report.dropped;
    step.read = report.read;
    step.write = report.write;
    step.cacheHitRate = report.cacheHitRate;
    step.stopped = report.stoppedEarly;
    step.pass = report.allSlosPass();
    for (const Slo &slo : report.slos)
        if (!slo.pass) {
            step.failure = slo.failure();
            break;
        }
    return step;
}

std::optional<std::size_t> SweepResult::lastPass() const
{
    std::optional<std::size_t> last;
    for (std::size_t i = 0; i < steps.size() && (steps[i].pass || steps[i].stopped); ++i)
        if (steps[i].pass)
            last = i;
    return last;
}

std::optional<std::size_t> SweepResult::firstFail() const
{
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (!steps[i].pass && !steps[i].stopped)
            return i;
    return std::nullopt;
}

std::string SweepResult::kneeText() const
{
    const std::string name = range.parameterName();
    auto at = [&](std::size_t i) { return number(steps[i].value) + " " + range.unit(); };
    const auto pass = lastPass();
    const auto fail = firstFail();
    if (fail && pass)
        return "knee: between " + name + " " + at(*pass) + " (passed every SLO) and " + at(*fail) + " (" +
               steps[*fail].failure + ")";
    if (fail)
        return "knee: below " + name + " " + at(*fail) + ": the first step already failed (" +
               steps[*fail].failure + ")";
    if (stopped)
        return "knee: not found: the sweep was stopped after " + std::to_string(steps.size()) + " step(s)";
    return "knee: not reached: every step up to " + name + " " + number(range.to) + " " + range.unit() +
           " passed every SLO";
}

std::string SweepResult::toJson() const
{
    Json list = Json::array();
    for (std::size_t i = 0; i < steps.size(); ++i)
        list.push_back(stepJson(steps[i], i));
    auto brief = [&](std::optional<std::size_t> i) {
        if (!i)
            return Json(nullptr);
        const SweepStep &s = steps[*i];
        return Json{{"index", *i},
                    {"value", s.value},
                    {"offered_rps", s.offeredRps},
                    {"throughput_rps", s.throughputRps},
                    {"read_p99_ms", s.read.p99},
                    {"failed_slo", s.failure.empty() ? Json(nullptr) : Json(s.failure)}};
    };
    const Json knee{{"found", firstFail().has_value()},
                    {"last_pass", brief(lastPass())},
                    {"first_fail", brief(firstFail())},
                    {"text", kneeText()}};
    Json sweep{{"parameter", range.parameterName()},
               {"unit", range.unit()},
               {"from", range.from},
               {"to", range.to},
               {"planned_steps", range.values().size()},
               {"step_seconds", stepSeconds},
               {"scenario", scenario},
               {"strategy", strategy},
               {"stopped", stopped},
               {"steps", list},
               {"knee", knee}};
    if (!references.empty())
        sweep["references"] = Json::parse(SweepReference::toJson(references)).at("references");
    return Json{{"sweep", sweep}}.dump(2) + "\n";
}

std::string SweepResult::humanSummary() const
{
    std::string out = "sweep of " + std::string(range.parameterName()) + ", " + scenario + ", " + strategy +
                      ", " + number(stepSeconds, "%.1f") + " s per step\n";
    char line[256];
    std::snprintf(line, sizeof line, "%4s %11s %10s %10s %27s %27s %7s %7s %6s  %s\n", "step",
                  range.parameter == SweepParameter::Rate ? "rate" : "connections", "offered/s", "served/s",
                  "read p50/p95/p99 ms", "write p50/p95/p99 ms", "errors", "dropped", "hit", "result");
    out += line;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const SweepStep &s = steps[i];
        const std::string read =
            number(s.read.p50, "%.2f") + "/" + number(s.read.p95, "%.2f") + "/" + number(s.read.p99, "%.2f");
        const std::string write = number(s.write.p50, "%.2f") + "/" + number(s.write.p95, "%.2f") + "/" +
                                  number(s.write.p99, "%.2f");
        const std::string result = s.stopped ? "stopped" : s.pass ? "pass" : "FAIL " + s.failure;
        // The failure text has no bound, so it goes after the formatted columns.
        std::snprintf(line, sizeof line, "%4zu %11.0f %10.0f %10.0f %27s %27s %7lld %7lld %5.1f%%  ", i + 1,
                      s.value, s.offeredRps, s.throughputRps, read.c_str(), write.c_str(), s.errors,
                      s.dropped, s.cacheHitRate * 100);
        out += line + result + "\n";
    }
    out += kneeText() + "\n";
    for (const SweepReference &r : references)
        out += "reference (measured, closed loop): " + r.summary() + "\n";
    return out;
}

} // namespace inv
