// SimulationReportReader::fromJson(): a stored report JSON read back into a SimulationReport.
#include "simulationreportreader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {
// A count stored as a number, truncated as a cast would; zero when it is beyond a long long (or not a
// number), where the cast would be undefined.
long long wholeNumber(double value)
{
    constexpr double kLimit = 9223372036854775808.0; // 2^63
    return value >= -kLimit && value < kLimit ? static_cast<long long>(value) : 0;
}
} // namespace

std::shared_ptr<inv::SimulationReport> SimulationReportReader::fromJson(const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    auto r = std::make_shared<inv::SimulationReport>();
    r->config.scenario =
        inv::SimulationConfig::parseScenario(o.value(QLatin1String("scenario")).toString().toStdString());
    r->config.strategy =
        inv::Strategy::parseKind(o.value(QLatin1String("strategy")).toString().toStdString());
    r->config.servers = o.value(QLatin1String("servers")).toInt();
    r->durationSeconds = o.value(QLatin1String("duration_s")).toDouble();
    r->requests = o.value(QLatin1String("requests")).toInteger();
    r->successes = o.value(QLatin1String("successes")).toInteger();
    r->rejections = o.value(QLatin1String("rejections")).toInteger();
    r->errors = o.value(QLatin1String("errors")).toInteger();
    r->oversold = o.value(QLatin1String("oversold")).toInteger();
    r->ledgerOk = o.value(QLatin1String("ledger_ok")).toBool();
    r->staleReads = o.value(QLatin1String("stale_reads")).toInteger();
    if (const QJsonValue divergent = o.value(QLatin1String("divergent_keys_at_end")); !divergent.isNull())
        r->divergentKeysAtEnd = divergent.toInteger();
    r->stoppedEarly =
        o.value(QLatin1String("stopped")).toBool() || o.value(QLatin1String("stopped_early")).toBool();
    r->verdictNote = o.value(QLatin1String("verdict_note")).toString().toStdString();
    r->cacheTrouble = o.value(QLatin1String("cache_error")).toString().toStdString();
    const QJsonObject host = o.value(QLatin1String("host")).toObject();
    r->hostLoad.cores = host.value(QLatin1String("cores")).toInt();
    r->hostLoad.loadMax = host.value(QLatin1String("load_avg_max")).toDouble(-1);
    r->hostLoad.busyCores = host.value(QLatin1String("cpu_busy_cores")).toDouble(-1);
    r->hostLoad.ownCores = host.value(QLatin1String("cpu_own_cores")).toDouble(-1);
    r->hostLoad.serverCores = host.value(QLatin1String("cpu_server_cores")).toDouble(-1);
    r->dbFills = o.value(QLatin1String("db_fills")).toInteger();
    r->throughputRps = o.value(QLatin1String("throughput_rps")).toDouble();
    r->cacheHitRate = o.value(QLatin1String("cache_hit_rate")).toDouble();
    const QJsonObject latency = o.value(QLatin1String("latency_ms")).toObject();
    for (auto [key, target] : {std::pair{"read", &r->read}, std::pair{"write", &r->write}}) {
        const QJsonObject l = latency.value(QLatin1String(key)).toObject();
        target->p50 = l.value(QLatin1String("p50")).toDouble();
        target->p95 = l.value(QLatin1String("p95")).toDouble();
        target->p99 = l.value(QLatin1String("p99")).toDouble();
        target->max = l.value(QLatin1String("max")).toDouble();
        target->count = l.value(QLatin1String("count")).toInteger();
    }
    const QJsonObject lock = o.value(QLatin1String("lock")).toObject();
    r->lockAcquired = lock.value(QLatin1String("acquired")).toInteger();
    r->lockBusy = lock.value(QLatin1String("busy")).toInteger();
    const QJsonObject pgLockWaits = o.value(QLatin1String("pg_lock_waits")).toObject();
    if (const QJsonValue max = pgLockWaits.value(QLatin1String("max")); max.isDouble())
        r->pgLockWaitsMax = max.toInteger();
    if (const QJsonValue p99 = pgLockWaits.value(QLatin1String("p99")); p99.isDouble())
        r->pgLockWaitsP99 = p99.toInteger();
    for (const auto &v : o.value(QLatin1String("slo")).toArray()) {
        const QJsonObject s = v.toObject();
        inv::Slo slo;
        slo.name = s.value(QLatin1String("name")).toString().toStdString();
        slo.threshold = s.value(QLatin1String("threshold")).toDouble();
        slo.known = !s.value(QLatin1String("value")).isNull();
        slo.value = s.value(QLatin1String("value")).toDouble();
        slo.pass = s.value(QLatin1String("pass")).toBool();
        slo.upperBound = inv::Slo::upperBoundOf(slo.name);
        slo.category = inv::Slo::categoryOf(slo.name);
        r->slos.push_back(slo);
    }
    for (const auto &v : o.value(QLatin1String("timeline")).toArray()) {
        const QJsonObject p = v.toObject();
        inv::TimelinePoint t;
        auto d = [&](const char *key) { return p.value(QLatin1String(key)).toDouble(); };
        t.t = d("t");
        t.rps = d("rps");
        t.okPerSecond = d("ok_rps");
        t.rejectedPerSecond = d("rejected_rps");
        t.errorsPerSecond = d("errors_rps");
        t.readP50Ms = d("read_p50_ms");
        t.readP95Ms = d("read_p95_ms");
        t.readP99Ms = d("read_p99_ms");
        t.writeP50Ms = d("write_p50_ms");
        t.writeP95Ms = d("write_p95_ms");
        t.writeP99Ms = d("write_p99_ms");
        t.hitRate = d("hit_rate");
        t.lockBusyPerSecond = d("lock_busy");
        t.lockWaitP99Ms = d("lock_wait_p99_ms");
        t.pgLockWaits = p.value(QLatin1String("pg_lock_waits")).toInteger(-1);
        t.staleReads = wholeNumber(d("stale_reads"));
        t.divergentKeys = wholeNumber(d("divergent_keys"));
        t.oversold = wholeNumber(d("oversold"));
        t.hotDbStock = wholeNumber(d("hot_db_stock"));
        t.hotCacheStock = wholeNumber(d("hot_cache_stock"));
        r->timeline.push_back(t);
    }
    for (const auto &v : o.value(QLatin1String("faults")).toArray()) {
        const QJsonObject f = v.toObject();
        inv::FaultOutcome fault;
        fault.kind = f.value(QLatin1String("kind")).toString().toStdString();
        fault.spec = f.value(QLatin1String("spec")).toString().toStdString();
        fault.startS = f.value(QLatin1String("start_s")).toDouble(-1);
        fault.endS = f.value(QLatin1String("end_s")).toDouble(-1);
        fault.errors = f.value(QLatin1String("errors")).toInteger();
        fault.failOpenReads = f.value(QLatin1String("fail_open_reads")).toInteger();
        fault.reads = f.value(QLatin1String("reads")).toInteger();
        fault.readP99Ms = f.value(QLatin1String("read_p99_ms")).toDouble();
        fault.note = f.value(QLatin1String("note")).toString().toStdString();
        r->faults.push_back(fault);
    }
    r->inDoubt = o.value(QLatin1String("in_doubt")).toInteger();
    r->inDoubtResolved = o.value(QLatin1String("in_doubt_resolved")).toInteger();
    r->inDoubtCommitted = o.value(QLatin1String("in_doubt_committed")).toInteger();
    for (const auto &v : o.value(QLatin1String("events")).toArray()) {
        const QJsonObject e = v.toObject();
        r->events.push_back({e.value(QLatin1String("t")).toDouble(),
                             e.value(QLatin1String("label")).toString().toStdString()});
    }
    for (const auto &v : o.value(QLatin1String("operations")).toArray()) {
        const QJsonObject p = v.toObject();
        inv::OperationStats s;
        s.name = p.value(QLatin1String("name")).toString().toStdString();
        s.latency = {p.value(QLatin1String("p50")).toDouble(), p.value(QLatin1String("p95")).toDouble(),
                     p.value(QLatin1String("p99")).toDouble(), p.value(QLatin1String("max")).toDouble(),
                     p.value(QLatin1String("count")).toInteger()};
        s.ratePerSecond = p.value(QLatin1String("rps")).toDouble();
        s.failures = p.value(QLatin1String("failures")).toInteger();
        s.refused = p.value(QLatin1String("refused")).toInteger();
        s.dropped = p.value(QLatin1String("dropped")).toInteger();
        r->operations.push_back(s);
    }
    return r;
}
