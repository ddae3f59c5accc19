#include "sim/simulationreport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace inv {

namespace {
struct SloDefinition
{
    const char *name;
    bool upperBound;
    double threshold;
};

// Thresholds from docs/ARCHITECTURE.md's default service-level objectives.
constexpr SloDefinition kDefinitions[] = {
    {"oversold", true, 0},
    {"ledger_ok", false, 1},
    {"stale_reads", true, 0},
    {"divergent_keys", true, 0},
    {"write_visibility_p99_ms", true, 100},
    {"write_visibility_regressions", true, 0},
    {"read_p99_ms", true, 5},
    {"errors", true, 0},
    {"throughput_rps", false, 0}, // mixed: 99% of the target rate
    {"cache_hit_rate", false, 0.9},
    {"dropped", true, 0},
    {"db_fills_per_key", true, 2},
};

std::string format(const char *pattern, double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
}

std::string join(const std::vector<std::string> &items, const char *separator)
{
    std::string out;
    for (const auto &item : items)
        out += (out.empty() ? "" : separator) + item;
    return out;
}

// The SLOs a busy host can fail on its own; a saturated host explains these, not a wrong answer.
bool timingSlo(const std::string &name)
{
    return name == "read_p99_ms" || name == "write_visibility_p99_ms" || name == "throughput_rps" ||
           name == "dropped";
}

} // namespace

SloCategory Slo::categoryOf(const std::string &name)
{
    for (const char *wrong :
         {"oversold", "ledger_ok", "stale_reads", "divergent_keys", "errors", "write_visibility_regressions"})
        if (name == wrong)
            return SloCategory::Correctness;
    return SloCategory::Performance;
}

bool Slo::upperBoundOf(const std::string &name)
{
    for (const auto &d : kDefinitions)
        if (name == d.name)
            return d.upperBound;
    return true;
}

const char *Slo::categoryName(SloCategory category)
{
    return category == SloCategory::Correctness ? "correctness" : "performance";
}

std::string Slo::failure() const
{
    if (!known)
        return name + " unknown";
    if (name == "ledger_ok")
        return "ledger does not reconcile";
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "%s %.4g %s %.4g", name.c_str(), value, upperBound ? ">" : "<",
                  threshold);
    return buffer;
}

std::vector<std::string> SimulationReport::sloNames()
{
    std::vector<std::string> out;
    for (const auto &d : kDefinitions)
        out.emplace_back(d.name);
    return out;
}

void SimulationReport::evaluateSlos()
{
    slos.clear();
    const bool mixed = config.scenario == ScenarioKind::Mixed;
    const bool stampede = config.scenario == ScenarioKind::Stampede;
    const double keys = stampede ? std::max(1, std::min(config.products, config.readers)) : 1;
    for (const auto &d : kDefinitions) {
        const std::string name = d.name;
        const bool overridden = config.sloOverrides.count(name) != 0;
        const bool mixedOnly = name == "throughput_rps" || name == "cache_hit_rate" || name == "dropped";
        if (!overridden && ((mixedOnly && !mixed) || (name == "db_fills_per_key" && !stampede)))
            continue;
        if (!overridden && name.rfind("write_visibility", 0) == 0 && visibilityProbes == 0)
            continue;
        Slo slo;
        slo.name = name;
        slo.category = Slo::categoryOf(name);
        slo.upperBound = d.upperBound;
        slo.threshold = name == "throughput_rps" ? 0.99 * config.rate : d.threshold;
        if (overridden)
            slo.threshold = config.sloOverrides.at(name);
        if (name == "oversold")
            slo.value = static_cast<double>(oversold);
        else if (name == "ledger_ok")
            slo.value = ledgerOk ? 1 : 0;
        else if (name == "stale_reads")
            // The near cache promises no stale read outside its invalidation window; the report's
            // stale_reads still counts every one, and near_cache the ones inside the window.
            slo.value =
                static_cast<double>(nearCache ? staleReads - nearCache->staleReadsInWindow : staleReads);
        else if (name == "divergent_keys") {
            slo.known = divergentKeysAtEnd.has_value();
            slo.value = slo.known ? static_cast<double>(*divergentKeysAtEnd) : 0;
        } else if (name == "write_visibility_regressions")
            slo.value = static_cast<double>(visibilityRegressions);
        else if (name == "write_visibility_p99_ms")
            slo.value = visibilityP99;
        else if (name == "read_p99_ms")
            slo.value = read.p99;
        else if (name == "errors")
            slo.value = static_cast<double>(errors);
        else if (name == "throughput_rps")
            slo.value = throughputRps;
        else if (name == "cache_hit_rate")
            slo.value = cacheHitRate;
        else if (name == "dropped")
            slo.value = static_cast<double>(dropped);
        else if (name == "db_fills_per_key")
            slo.value = static_cast<double>(dbFills) / keys / std::max(1, config.rounds);
        slo.pass = slo.known && (slo.upperBound ? slo.value <= slo.threshold : slo.value >= slo.threshold);
        slos.push_back(slo);
    }
    verdictNote.clear();
    if (stoppedEarly) {
        verdictNote = format("stopped after %.1f s: partial results, no verdict", durationSeconds);
        return;
    }
    const bool timingFailed = std::any_of(slos.begin(), slos.end(), [](const Slo &s) {
        return !s.pass && s.category == SloCategory::Performance && timingSlo(s.name);
    });
    if (timingFailed)
        verdictNote = hostLoad.saturationNote();
    const bool hitRateFailed = std::any_of(
        slos.begin(), slos.end(), [](const Slo &s) { return !s.pass && s.name == "cache_hit_rate"; });
    if (hitRateFailed && !cacheTrouble.empty())
        verdictNote += (verdictNote.empty() ? "" : "; ") + std::string("the cache failed: ") + cacheTrouble;
}

bool SimulationReport::allSlosPass() const
{
    return !stoppedEarly && std::all_of(slos.begin(), slos.end(), [](const Slo &s) { return s.pass; });
}

std::optional<bool> SimulationReport::correct() const
{
    if (stoppedEarly)
        return std::nullopt;
    // A known failure is wrong; a measure that could not be taken (the cache unreadable at the end)
    // leaves the answer unknown rather than wrong.
    bool unknown = false;
    for (const auto &s : slos) {
        if (s.category != SloCategory::Correctness || s.pass)
            continue;
        if (s.known)
            return false;
        unknown = true;
    }
    if (unknown)
        return std::nullopt;
    return true;
}

std::optional<bool> SimulationReport::performant() const
{
    if (stoppedEarly)
        return std::nullopt;
    return failures(SloCategory::Performance).empty();
}

std::vector<std::string> SimulationReport::failures(SloCategory category) const
{
    std::vector<std::string> out;
    for (const auto &s : slos)
        if (s.category == category && !s.pass)
            out.push_back(s.failure());
    return out;
}

std::string SimulationReport::verdictHeadline() const
{
    if (stoppedEarly)
        return verdictNote.empty() ? "stopped: partial results, no verdict" : verdictNote;
    auto verdict = [&](const char *label, SloCategory category) {
        std::vector<std::string> failed = failures(category);
        if (category == SloCategory::Performance && !failed.empty() && !verdictNote.empty())
            failed.push_back(verdictNote);
        const char *answer = category == SloCategory::Correctness && !correct() ? ": unknown (" : ": no (";
        return std::string(label) + (failed.empty() ? ": yes" : answer + join(failed, ", ") + ")");
    };
    return verdict("correct", SloCategory::Correctness) + "; " +
           verdict("performant", SloCategory::Performance);
}

void SimulationReport::summarizePgLockWaits()
{
    std::vector<long long> samples;
    for (const auto &p : timeline)
        if (p.pgLockWaits >= 0)
            samples.push_back(p.pgLockWaits);
    pgLockWaitsMax.reset();
    pgLockWaitsP99.reset();
    if (samples.empty())
        return;
    std::sort(samples.begin(), samples.end());
    // Nearest rank: a value that was really sampled.
    const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(samples.size())));
    pgLockWaitsMax = samples.back();
    pgLockWaitsP99 = samples[std::max<std::size_t>(rank, 1) - 1];
}

std::string SimulationReport::humanSummary() const
{
    std::string out;
    // Any length: a fixed buffer would cut long lines (the near cache's, a fault's) short.
    auto line = [&](const std::string &label, const std::string &value) {
        out += "  " + label;
        out.append(label.size() < 22 ? 22 - label.size() : 0, ' ');
        out += " " + value + "\n";
    };
    out +=
        std::string(SimulationConfig::scenarioName(config.scenario)) + " with strategy " +
        Strategy::kindName(config.strategy) + ", " + config.connectionsText() +
        (config.scenario == ScenarioKind::FlashSale && !config.buyersRead ? ", blind buyers" : "") +
        (config.clientUsed() == ClientKind::Loop ? ", event-loop client" : ", threaded client") +
        (config.raceDelay.count() ? ", race delay " + std::to_string(config.raceDelay.count()) + " ms" : "") +
        (stoppedEarly ? "  (stopped: partial results, no verdict)" : "") + "\n";
    line("duration", format("%.2f s", durationSeconds));
    line("requests", std::to_string(requests) + " (" + format("%.0f", throughputRps) + " req/s)");
    line("ok / refused / errors", std::to_string(successes) + " / " + std::to_string(rejections) + " / " +
                                      std::to_string(errors) +
                                      (dropped ? ", dropped " + std::to_string(dropped) : ""));
    line("read latency", format("p50 %.3f ms", read.p50) + format("  p95 %.3f", read.p95) +
                             format("  p99 %.3f", read.p99) + format("  max %.3f", read.max));
    line("write latency", format("p50 %.3f ms", write.p50) + format("  p95 %.3f", write.p95) +
                              format("  p99 %.3f", write.p99) + format("  max %.3f", write.max));
    line("cache hit rate",
         format("%.1f %%", cacheHitRate * 100) + ", " + std::to_string(dbFills) + " DB fills");
    line("lock", std::to_string(lockAcquired) + " acquired, " + std::to_string(lockBusy) + " busy" +
                     format(", wait p99 %.3f ms", lockWaitP99) + ", " + std::to_string(lockExpiredWhileHeld) +
                     " expired while held");
    if (config.strategy == StrategyKind::Combined)
        line("combined batches",
             combining.batchCount()
                 ? std::to_string(combining.batchCount()) + " for " + std::to_string(combining.buyers()) +
                       " purchases: " +
                       format("mean %.1f", static_cast<double>(combining.buyers()) /
                                               static_cast<double>(combining.batchCount())) +
                       ", a purchase's batch p50 " + std::to_string(combining.buyerPercentile(0.5)) +
                       ", p99 " + std::to_string(combining.buyerPercentile(0.99)) + ", largest " +
                       std::to_string(combining.largest())
                 : std::string("none"));
    line("PostgreSQL lock waits", pgLockWaitsMax ? "max " + std::to_string(*pgLockWaitsMax) + ", p99 " +
                                                       std::to_string(*pgLockWaitsP99) + " backends waiting"
                                                 : std::string("unknown"));
    line("write visibility",
         visibilityProbes
             ? format("p50 %.3f ms", visibilityP50) + format("  p99 %.3f", visibilityP99) +
                   format("  max %.3f", visibilityMax) + ", " + std::to_string(visibilityNotVisible) +
                   " of " + std::to_string(visibilityProbes) + " not visible in time, " +
                   std::to_string(visibilityRegressions) + " regressions"
             : std::string("no probes"));
    line("stock", "initial " + std::to_string(initialStock) + ", final in database " +
                      std::to_string(finalDbStock) + ", in cache " +
                      (finalCacheStock ? std::to_string(*finalCacheStock) : std::string("-")));
    line("audit rows", std::to_string(auditRows));
    line("consistency",
         "oversold " + std::to_string(oversold) + ", stale reads " + std::to_string(staleReads) +
             ", divergent keys " +
             (divergentKeysAtEnd ? std::to_string(*divergentKeysAtEnd) : std::string("unknown")) +
             ", ledger " + (ledgerOk ? "reconciles" : "DOES NOT reconcile") +
             (ledgerBrokenLinks
                  ? " (" + std::to_string(ledgerBrokenLinks) + " broken links in the audit chain)"
                  : std::string()));
    if (nearCache)
        line("near cache", std::to_string(nearCache->hits) + " hits, " +
                               std::to_string(nearCache->evictions) + " evictions, " +
                               std::to_string(nearCache->disconnects) + " disconnects; invalidation " +
                               format("p50 %.3f ms", nearCache->invalidationDelay.p50) +
                               format("  p99 %.3f", nearCache->invalidationDelay.p99) +
                               format("  max %.3f", nearCache->invalidationDelay.max) + "; " +
                               std::to_string(nearCache->readsInWindow) + " reads began in the window, " +
                               std::to_string(nearCache->staleReadsInWindow) + " of them stale");
    line("peak memory", format("%.0f MB", peakRssMb));
    if (inDoubt)
        line("in-doubt writes", std::to_string(inDoubt) + ", resolved " + std::to_string(inDoubtResolved) +
                                    " (" + std::to_string(inDoubtCommitted) + " had committed)");
    for (const auto &f : faults)
        line("fault " + f.spec, (f.startS >= 0 ? format("%.2f", f.startS) + format("-%.2f s: ", f.endS)
                                               : std::string("not run: ")) +
                                    std::to_string(f.errors) + " errors, " + std::to_string(f.failOpenReads) +
                                    " fail-open reads" + format(", read p99 %.3f ms", f.readP99Ms) +
                                    (f.note.empty() ? "" : " (" + f.note + ")"));
    for (const auto &a : agents)
        line("agent " + a.name,
             a.state + " on " + a.host + ": " + std::to_string(a.servers) + " servers, " +
                 std::to_string(a.requests) + " requests, " + std::to_string(a.errors) + " errors" +
                 format(", p99 %.3f ms", a.p99Ms) + format(", window lag %.0f ms", a.windowLagMs) +
                 format(", %.0f B/window", a.bytesPerWindow) + ", " + std::to_string(a.auditRows) +
                 " audit rows" + (a.message.empty() ? "" : " (" + a.message + ")"));
    if (!agents.empty())
        line("agent merge", format("%.1f us per window", mergeUsPerWindow) +
                                format(" (max %.0f us)", mergeUsMax) + ", " +
                                std::to_string(staleReadsUndecided) + " reads undecided across agents");
    if (rejectedRecords)
        line("agent records", std::to_string(rejectedRecords) + " malformed, skipped");
    for (const auto &e : errorSamples)
        out += "  error: " + e + "\n";
    for (const auto &n : notes)
        out += "  note: " + n + "\n";
    out += "\n  SLO                        threshold        value\n";
    for (const auto &s : slos) {
        char buffer[160];
        const char *mark = stoppedEarly ? "?" : s.pass ? "\u2713" : "\u2717";
        if (s.known)
            std::snprintf(buffer, sizeof buffer, "  %s %-24s %s %-10.4g %10.4g\n", mark, s.name.c_str(),
                          s.upperBound ? "<=" : ">=", s.threshold, s.value);
        else
            std::snprintf(buffer, sizeof buffer, "  %s %-24s %s %-10.4g %10s\n", mark, s.name.c_str(),
                          s.upperBound ? "<=" : ">=", s.threshold, "unknown");
        out += buffer;
    }
    // The verdict last, where a terminal leaves the eye: wrong and slow apart.
    out += "\n  " + verdictHeadline() + "\n";
    return out;
}

} // namespace inv
