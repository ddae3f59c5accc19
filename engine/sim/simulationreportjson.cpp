// SimulationReport::toJson(): the report file and --json, in the key order docs/ARCHITECTURE.md lists. Kept
// apart from the SLO evaluation and the human summary in simulationreport.cpp.
#include "sim/simulationreport.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace inv {

namespace {
// The batch-size distribution: sizes with their batch counts, and what a purchase rode in.
nlohmann::ordered_json combiningJson(const CombinerStats &combining)
{
    nlohmann::ordered_json sizes = nlohmann::ordered_json::array();
    for (std::size_t size = 1; size < combining.batches.size(); ++size)
        if (combining.batches[size] > 0)
            sizes.push_back({{"size", size}, {"batches", combining.batches[size]}});
    const long long batches = combining.batchCount();
    return {
        {"batches", batches},
        {"purchases", combining.buyers()},
        {"mean_size", batches ? static_cast<double>(combining.buyers()) / static_cast<double>(batches) : 0.0},
        {"purchase_batch_p50", combining.buyerPercentile(0.5)},
        {"purchase_batch_p99", combining.buyerPercentile(0.99)},
        {"largest", combining.largest()},
        {"sizes", sizes}};
}
} // namespace

std::string SimulationReport::toJson() const
{
    // ordered_json keeps the keys in the order docs/ARCHITECTURE.md lists them, as readers of the file
    // expect.
    using Json = nlohmann::ordered_json;
    Json parameters{{"connections", config.connections},
                    {"race_delay_ms", static_cast<long long>(config.raceDelay.count())},
                    {"ttl_ms", static_cast<long long>(config.ttl.count())},
                    {"seed", static_cast<long long>(config.seed)}};
    if (config.totalConnections > 0)
        parameters["connections_in_all"] = config.totalConnections;
    if (config.strategy == StrategyKind::Combined) {
        parameters["combine_max"] = config.combineMax;
        parameters["combine_wait_us"] = static_cast<long long>(config.combineWait.count());
    }
    switch (config.scenario) {
    case ScenarioKind::FlashSale:
        parameters["buyers"] = config.buyers;
        parameters["stock"] = config.stock;
        parameters["quantity"] = config.quantity;
        parameters["blind_buyers"] = !config.buyersRead;
        if (!config.sku.empty())
            parameters["sku"] = config.sku;
        break;
    case ScenarioKind::Mixed:
        parameters["rate"] = config.rate;
        parameters["duration_s"] = config.durationSeconds;
        parameters["read_ratio"] = config.readRatio;
        parameters["products"] = config.products;
        parameters["skew"] = config.skew;
        parameters["stock"] = config.stock;
        break;
    case ScenarioKind::Stampede:
        parameters["readers"] = config.readers;
        parameters["products"] = config.products;
        parameters["rounds"] = config.rounds;
        break;
    }
    parameters["shared_sku"] = sharedSku;
    parameters["near_cache"] = config.nearCache;
    parameters["client"] = SimulationConfig::clientName(config.clientUsed());

    auto optional = [](const auto &value) { return value ? Json(*value) : Json(nullptr); };
    auto latency = [](const LatencySummary &l) {
        return Json{{"p50", l.p50}, {"p95", l.p95}, {"p99", l.p99}, {"max", l.max}, {"count", l.count}};
    };
    Json json;
    json["scenario"] = SimulationConfig::scenarioName(config.scenario);
    json["strategy"] = Strategy::kindName(config.strategy);
    json["servers"] = config.servers;
    json["parameters"] = std::move(parameters);
    json["duration_s"] = durationSeconds;
    json["requests"] = requests;
    json["successes"] = successes;
    json["rejections"] = rejections;
    json["errors"] = errors;
    json["dropped"] = dropped;
    json["initial_stock"] = initialStock;
    json["final_db_stock"] = finalDbStock;
    json["final_cache_stock"] = optional(finalCacheStock);
    json["audit_rows"] = auditRows;
    json["oversold"] = oversold;
    json["ledger_ok"] = ledgerOk;
    json["ledger_broken_links"] = ledgerBrokenLinks;
    json["stale_reads"] = staleReads;
    json["divergent_keys_at_end"] = optional(divergentKeysAtEnd);
    json["db_fills"] = dbFills;
    json["throughput_rps"] = throughputRps;
    json["cache_hit_rate"] = cacheHitRate;
    json["latency_ms"] = Json{{"read", latency(read)}, {"write", latency(write)}};
    json["write_visibility_ms"] = Json{{"p50", visibilityP50},
                                       {"p99", visibilityP99},
                                       {"max", visibilityMax},
                                       {"probes", visibilityProbes},
                                       {"not_visible", visibilityNotVisible},
                                       {"regressions", visibilityRegressions}};
    json["lock"] = Json{{"acquired", lockAcquired},
                        {"busy", lockBusy},
                        {"wait_ms", Json{{"p50", lockWaitP50}, {"p99", lockWaitP99}}},
                        {"expired_while_held", lockExpiredWhileHeld}};
    json["combining"] = config.strategy == StrategyKind::Combined ? combiningJson(combining) : Json(nullptr);
    json["pg_lock_waits"] = Json{{"max", optional(pgLockWaitsMax)}, {"p99", optional(pgLockWaitsP99)}};
    json["peak_rss_mb"] = peakRssMb;
    json["stopped"] = stoppedEarly;
    json["stopped_early"] = stoppedEarly;
    // The two verdicts; a stopped run has none.
    json["correct"] = optional(correct());
    json["performant"] = optional(performant());
    json["verdict_note"] = verdictNote.empty() ? Json(nullptr) : Json(verdictNote);
    json["cache_error"] = cacheTrouble.empty() ? Json(nullptr) : Json(cacheTrouble);
    json["host"] =
        Json{{"cores", hostLoad.cores},
             {"load_avg_max", hostLoad.loadMax >= 0 ? Json(hostLoad.loadMax) : Json(nullptr)},
             {"load_samples", hostLoad.samples},
             {"postgres_cpu_s",
              hostLoad.postgresCpuSeconds >= 0 ? Json(hostLoad.postgresCpuSeconds) : Json(nullptr)},
             {"redis_cpu_s", hostLoad.redisCpuSeconds >= 0 ? Json(hostLoad.redisCpuSeconds) : Json(nullptr)},
             // Cores' worth of CPU over the run: all busy, this process, the postgres and redis-server
             // processes; the verdict note goes by these, not by the load average.
             {"cpu_busy_cores", hostLoad.busyCores >= 0 ? Json(hostLoad.busyCores) : Json(nullptr)},
             {"cpu_own_cores", hostLoad.ownCores >= 0 ? Json(hostLoad.ownCores) : Json(nullptr)},
             {"cpu_server_cores", hostLoad.serverCores >= 0 ? Json(hostLoad.serverCores) : Json(nullptr)},
             {"saturated_by", !hostLoad.saturated()          ? Json(nullptr)
                              : hostLoad.saturatedByOthers() ? Json("other-processes")
                                                             : Json("this-run")}};
    json["notes"] = notes;
    json["error_samples"] = errorSamples;
    Json sloList = Json::array();
    for (const auto &s : slos)
        sloList.push_back(Json{{"name", s.name},
                               {"category", Slo::categoryName(s.category)},
                               {"threshold", s.threshold},
                               {"value", s.known ? Json(s.value) : Json(nullptr)},
                               // A stopped run has no verdict.
                               {"pass", stoppedEarly ? Json(nullptr) : Json(s.pass)}});
    json["slo"] = std::move(sloList);
    Json points = Json::array();
    for (const auto &p : timeline)
        points.push_back(Json{{"t", p.t},
                              {"rps", p.rps},
                              {"read_p99_ms", p.readP99Ms},
                              {"write_p99_ms", p.writeP99Ms},
                              {"hit_rate", p.hitRate},
                              {"lock_busy", p.lockBusyPerSecond},
                              {"stale_reads", p.staleReads},
                              {"divergent_keys", p.divergentKeys},
                              {"ok_rps", p.okPerSecond},
                              {"rejected_rps", p.rejectedPerSecond},
                              {"errors_rps", p.errorsPerSecond},
                              {"read_p50_ms", p.readP50Ms},
                              {"read_p95_ms", p.readP95Ms},
                              {"write_p50_ms", p.writeP50Ms},
                              {"write_p95_ms", p.writeP95Ms},
                              {"lock_wait_p99_ms", p.lockWaitP99Ms},
                              {"pg_lock_waits", p.pgLockWaits >= 0 ? Json(p.pgLockWaits) : Json(nullptr)},
                              {"oversold", p.oversold},
                              {"hot_db_stock", p.hotDbStock},
                              {"hot_cache_stock", p.hotCacheStock}});
    json["timeline"] = std::move(points);
    Json eventList = Json::array();
    for (const auto &e : events)
        eventList.push_back(Json{{"t", e.t}, {"label", e.label}});
    json["events"] = std::move(eventList);
    Json operationList = Json::array();
    for (const auto &o : operations) {
        Json entry = latency(o.latency);
        entry["name"] = o.name;
        entry["rps"] = o.ratePerSecond;
        entry["failures"] = o.failures;
        entry["refused"] = o.refused;
        entry["dropped"] = o.dropped;
        operationList.push_back(std::move(entry));
    }
    json["operations"] = std::move(operationList);
    auto seconds = [](double t) { return t >= 0 ? Json(t) : Json(nullptr); };
    Json faultList = Json::array();
    for (const auto &f : faults)
        faultList.push_back(Json{{"kind", f.kind},
                                 {"spec", f.spec},
                                 {"start_s", seconds(f.startS)},
                                 {"end_s", seconds(f.endS)},
                                 {"errors", f.errors},
                                 {"fail_open_reads", f.failOpenReads},
                                 {"reads", f.reads},
                                 {"read_p99_ms", f.readP99Ms},
                                 {"note", f.note.empty() ? Json(nullptr) : Json(f.note)}});
    json["faults"] = std::move(faultList);
    if (!agents.empty()) {
        Json list = Json::array();
        for (const auto &a : agents)
            list.push_back(Json{{"name", a.name},
                                {"host", a.host},
                                {"servers", a.servers},
                                {"requests", a.requests},
                                {"successes", a.successes},
                                {"errors", a.errors},
                                {"p99_ms", a.p99Ms},
                                {"window_lag_ms", a.windowLagMs},
                                {"windows", a.windows},
                                {"bytes_per_window", a.bytesPerWindow},
                                {"clock_uncertainty_ms", a.clockUncertaintyMs},
                                {"audit_rows", a.auditRows},
                                {"state", a.state},
                                {"message", a.message.empty() ? Json(nullptr) : Json(a.message)}});
        json["agents"] = std::move(list);
        json["rejected_agent_records"] = rejectedRecords;
        json["stale_reads_undecided"] = staleReadsUndecided;
        json["merge_us_per_window"] = mergeUsPerWindow;
        json["merge_us_max"] = mergeUsMax;
    }
    json["in_doubt"] = inDoubt;
    json["in_doubt_resolved"] = inDoubtResolved;
    json["in_doubt_committed"] = inDoubtCommitted;
    if (nearCache) {
        const auto &n = *nearCache;
        const auto &d = n.invalidationDelay;
        Json delay{{"p50", d.p50}, {"p99", d.p99}, {"max", d.max}, {"count", d.count}};
        json["near_cache"] = Json{{"enabled", true},
                                  {"hits", n.hits},
                                  {"evictions", n.evictions},
                                  {"invalidation_delay_ms", delay},
                                  // docs/ARCHITECTURE.md's name for the same percentiles.
                                  {"invalidation_ms", Json{{"p50", d.p50}, {"p99", d.p99}}},
                                  {"evicted_before_ack", n.evictedBeforeAck},
                                  {"awaited_at_end", n.awaitedAtEnd},
                                  {"disconnects", n.disconnects},
                                  {"reads_in_window", n.readsInWindow},
                                  {"stale_reads_in_window", n.staleReadsInWindow}};
    } else {
        json["near_cache"] = Json{{"enabled", false}};
    }
    // Error samples quote the servers' messages: bytes that are not UTF-8 are replaced, not thrown on.
    return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace inv
