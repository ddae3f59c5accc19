#include "sim/simulationreport.h"

#include "sim/jsonwriter.h"

#include <algorithm>
#include <cstdio>

namespace inv {

namespace {
struct SloDefinition
{
    const char *name;
    bool upperBound;
    double threshold;
};

// Thresholds from DESIGN.md's default service-level objectives.
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

void writeLatency(JsonWriter &json, const LatencySummary &l)
{
    json.beginObject();
    json.key("p50").value(l.p50).key("p95").value(l.p95).key("p99").value(l.p99).key("max").value(l.max);
    json.key("count").value(l.count);
    json.endObject();
}
} // namespace

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
        slo.upperBound = d.upperBound;
        slo.threshold = name == "throughput_rps" ? 0.99 * config.rate : d.threshold;
        if (overridden)
            slo.threshold = config.sloOverrides.at(name);
        if (name == "oversold")
            slo.value = static_cast<double>(oversold);
        else if (name == "ledger_ok")
            slo.value = ledgerOk ? 1 : 0;
        else if (name == "stale_reads")
            slo.value = static_cast<double>(staleReads);
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
}

bool SimulationReport::allSlosPass() const
{
    return !stoppedEarly && std::all_of(slos.begin(), slos.end(), [](const Slo &s) { return s.pass; });
}

std::string SimulationReport::toJson() const
{
    JsonWriter json;
    json.beginObject();
    json.key("scenario").value(SimulationConfig::scenarioName(config.scenario));
    json.key("strategy").value(Strategy::kindName(config.strategy));
    json.key("servers").value(config.servers);
    json.key("parameters").beginObject();
    json.key("connections").value(config.connections);
    json.key("race_delay_ms").value(static_cast<long long>(config.raceDelay.count()));
    json.key("ttl_ms").value(static_cast<long long>(config.ttl.count()));
    json.key("seed").value(static_cast<long long>(config.seed));
    switch (config.scenario) {
    case ScenarioKind::FlashSale:
        json.key("buyers")
            .value(config.buyers)
            .key("stock")
            .value(config.stock)
            .key("quantity")
            .value(config.quantity);
        if (!config.sku.empty())
            json.key("sku").value(config.sku);
        break;
    case ScenarioKind::Mixed:
        json.key("rate").value(config.rate).key("duration_s").value(config.durationSeconds);
        json.key("read_ratio").value(config.readRatio).key("products").value(config.products);
        json.key("skew").value(config.skew).key("stock").value(config.stock);
        break;
    case ScenarioKind::Stampede:
        json.key("readers").value(config.readers).key("products").value(config.products);
        json.key("rounds").value(config.rounds);
        break;
    }
    json.key("shared_sku").value(sharedSku);
    json.endObject();
    json.key("duration_s").value(durationSeconds);
    json.key("requests")
        .value(requests)
        .key("successes")
        .value(successes)
        .key("rejections")
        .value(rejections);
    json.key("errors").value(errors).key("dropped").value(dropped);
    json.key("initial_stock").value(initialStock).key("final_db_stock").value(finalDbStock);
    json.key("final_cache_stock");
    finalCacheStock ? json.value(*finalCacheStock) : json.null();
    json.key("audit_rows").value(auditRows).key("oversold").value(oversold).key("ledger_ok").value(ledgerOk);
    json.key("ledger_broken_links").value(ledgerBrokenLinks);
    json.key("stale_reads").value(staleReads).key("divergent_keys_at_end");
    divergentKeysAtEnd ? json.value(*divergentKeysAtEnd) : json.null();
    json.key("db_fills").value(dbFills).key("throughput_rps").value(throughputRps);
    json.key("cache_hit_rate").value(cacheHitRate);
    json.key("latency_ms").beginObject();
    json.key("read");
    writeLatency(json, read);
    json.key("write");
    writeLatency(json, write);
    json.endObject();
    json.key("write_visibility_ms").beginObject();
    json.key("p50").value(visibilityP50).key("p99").value(visibilityP99).key("max").value(visibilityMax);
    json.key("probes").value(visibilityProbes).key("not_visible").value(visibilityNotVisible);
    json.key("regressions").value(visibilityRegressions);
    json.endObject();
    json.key("lock").beginObject();
    json.key("acquired").value(lockAcquired).key("busy").value(lockBusy);
    json.key("wait_ms").beginObject().key("p50").value(lockWaitP50).key("p99").value(lockWaitP99).endObject();
    json.key("expired_while_held").value(lockExpiredWhileHeld);
    json.endObject();
    json.key("peak_rss_mb").value(peakRssMb);
    json.key("stopped").value(stoppedEarly).key("stopped_early").value(stoppedEarly);
    json.key("notes").beginArray();
    for (const auto &n : notes)
        json.value(n);
    json.endArray();
    json.key("error_samples").beginArray();
    for (const auto &e : errorSamples)
        json.value(e);
    json.endArray();
    json.key("slo").beginArray();
    for (const auto &s : slos) {
        json.beginObject().key("name").value(s.name).key("threshold").value(s.threshold).key("value");
        s.known ? json.value(s.value) : json.null();
        // A stopped run has no verdict.
        json.key("pass");
        stoppedEarly ? json.null() : json.value(s.pass);
        json.endObject();
    }
    json.endArray();
    json.key("timeline").beginArray();
    for (const auto &p : timeline) {
        json.beginObject();
        json.key("t").value(p.t).key("rps").value(p.rps).key("read_p99_ms").value(p.readP99Ms);
        json.key("write_p99_ms").value(p.writeP99Ms).key("hit_rate").value(p.hitRate);
        json.key("lock_busy").value(p.lockBusyPerSecond).key("stale_reads").value(p.staleReads);
        json.key("divergent_keys").value(p.divergentKeys);
        json.key("ok_rps").value(p.okPerSecond).key("rejected_rps").value(p.rejectedPerSecond);
        json.key("errors_rps").value(p.errorsPerSecond);
        json.key("read_p50_ms").value(p.readP50Ms).key("read_p95_ms").value(p.readP95Ms);
        json.key("write_p50_ms").value(p.writeP50Ms).key("write_p95_ms").value(p.writeP95Ms);
        json.key("lock_wait_p99_ms").value(p.lockWaitP99Ms).key("oversold").value(p.oversold);
        json.key("hot_db_stock").value(p.hotDbStock).key("hot_cache_stock").value(p.hotCacheStock);
        json.endObject();
    }
    json.endArray();
    json.endObject();
    return json.text() + "\n";
}

std::string SimulationReport::humanSummary() const
{
    std::string out;
    auto line = [&](const std::string &label, const std::string &value) {
        char buffer[160];
        std::snprintf(buffer, sizeof buffer, "  %-22s %s\n", label.c_str(), value.c_str());
        out += buffer;
    };
    out +=
        std::string(SimulationConfig::scenarioName(config.scenario)) + " with strategy " +
        Strategy::kindName(config.strategy) + ", " + std::to_string(config.servers) + " servers x " +
        std::to_string(config.connections) + " connections" +
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
    line("peak memory", format("%.0f MB", peakRssMb));
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
    if (stoppedEarly)
        out += "\n  stopped before the end: partial results, no verdict\n";
    else
        out += allSlosPass() ? "\n  every SLO passed\n" : "\n  SLO FAILED\n";
    return out;
}

} // namespace inv
