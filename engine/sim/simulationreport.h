// The result of a simulation run, with every key docs/ARCHITECTURE.md's report lists, its SLO verdicts and
// its timeline; rendered as JSON (the report file and --json) or as a human summary that ends in
// the SLO table. A plain value; any thread.
#pragma once

#include "sim/hostload.h"
#include "sim/simulationconfig.h"

#include <optional>
#include <string>
#include <vector>

namespace inv {

struct LatencySummary
{
    double p50 = 0, p95 = 0, p99 = 0, max = 0;
    long long count = 0;
};

// Something that happened at a moment of the run's time line (seconds since the load began): a
// phase change ("sold out", "drain", "expiry 2"), and later faults. Drawn as a marker on the charts.
struct TimelineEvent
{
    double t = 0;
    std::string label;
};

// One kind of operation over the run so far (or the whole run, in the report), as Locust shows it:
// name is "read", "purchase", "restock", or "all" for every request together.
struct OperationStats
{
    std::string name;
    // From the merged histograms of every worker, never from averaged windows. Counts include
    // operations dropped for lag, recorded at their lag.
    LatencySummary latency;
    // Served per second: in the latest 250 ms window while live, over the load in the report.
    double ratePerSecond = 0;
    long long failures = 0; // errors: the database or the cache failed or timed out
    long long refused = 0;  // purchases refused for too little stock: a correct answer
    long long dropped = 0;  // could not start within the maximum lag
};

// What a run saw during one scheduled fault, from the monitor's 250 ms windows that overlap it
// (at least half a second from its start): errors, reads served from PostgreSQL because the cache
// failed, and the read p99 of those windows' merged histograms.
struct FaultOutcome
{
    std::string kind; // "redis-pause"
    std::string spec; // "redis-pause@3s+2s"
    // Seconds on the run's time line; -1 when the fault did not start or end.
    double startS = -1, endS = -1;
    long long errors = 0;
    long long failOpenReads = 0;
    long long reads = 0;
    double readP99Ms = 0;
    // Why it did not run as scheduled, or what it did ("terminated 12 backends").
    std::string note;
};

// What the servers' near caches did during the measured run (simulate --near-cache).
struct NearCacheOutcome
{
    long long hits = 0;
    long long evictions = 0;
    long long disconnects = 0;
    // From a write's acknowledgement to the eviction in every other server; 0 when it came first.
    LatencySummary invalidationDelay;
    long long evictedBeforeAck = 0;
    // Evictions still awaited at the end (a write whose cache update failed, say).
    long long awaitedAtEnd = 0;
    // Reads that began while their server had not yet evicted a key an acknowledged write changed,
    // and the stale reads among them.
    long long readsInWindow = 0;
    long long staleReadsInWindow = 0;
};

struct TimelinePoint
{
    double t = 0;
    double rps = 0;
    double okPerSecond = 0;
    double rejectedPerSecond = 0;
    double errorsPerSecond = 0;
    double readP50Ms = 0, readP95Ms = 0, readP99Ms = 0;
    double writeP50Ms = 0, writeP95Ms = 0, writeP99Ms = 0;
    double hitRate = 0;
    double lockBusyPerSecond = 0;
    double lockWaitP99Ms = 0;
    // Backends of the database waiting on a lock (PostgreSQL's row locks, mostly) at the window's
    // end, from pg_stat_activity on the monitor's own connection; -1 when it could not be read.
    long long pgLockWaits = -1;
    long long staleReads = 0;
    long long divergentKeys = 0;
    long long oversold = 0;
    // The hottest key as the database and the cache see it; -1 when unknown or missing.
    long long hotDbStock = -1;
    long long hotCacheStock = -1;
};

// Correctness SLOs say whether the strategy gave wrong answers (oversold, a broken ledger, stale
// reads, ...); performance SLOs say whether it was fast enough (latency, throughput, hit rate).
enum class SloCategory
{
    Correctness,
    Performance,
};

struct Slo
{
    std::string name;
    SloCategory category = SloCategory::Correctness;
    // Pass when value <= threshold (an upper bound), or value >= threshold otherwise.
    bool upperBound = true;
    double threshold = 0;
    double value = 0;
    // False when the value could not be measured (the cache unreadable at the end, say): never a pass.
    bool known = true;
    bool pass = false;

    // Why it failed, in one phrase: "read_p99_ms 10.9 > 5", "cache_hit_rate 0.85 < 0.9",
    // "divergent_keys unknown".
    std::string failure() const;
    static SloCategory categoryOf(const std::string &name);
    // Whether the named SLO is an upper bound (a count or a latency) rather than a floor.
    static bool upperBoundOf(const std::string &name);
    static const char *categoryName(SloCategory category);
};

// One load agent's part in a run spread over agents (simulate --agents).
struct AgentOutcome
{
    std::string name;
    std::string host;
    int servers = 0;
    long long requests = 0;
    long long successes = 0;
    long long errors = 0;
    double p99Ms = 0;
    // How late its windows reached the coordinator: the largest gap from a window's end to its
    // arrival, in ms, on the shared (Redis) time line.
    double windowLagMs = 0;
    long long windows = 0;
    // The mean size of its window records on the stream, in bytes.
    double bytesPerWindow = 0;
    // The uncertainty of its clock's offset, in ms.
    double clockUncertaintyMs = 0;
    // Its audit rows in the database: for a lost agent, the writes it made before it went.
    long long auditRows = 0;
    // finished, failed, lost (its heartbeat expired), or never-started.
    std::string state;
    std::string message;
};

struct SimulationReport
{
    SimulationConfig config;
    bool sharedSku = false;
    double durationSeconds = 0;
    long long requests = 0, successes = 0, rejections = 0, errors = 0, dropped = 0;
    long long initialStock = 0, finalDbStock = 0;
    std::optional<long long> finalCacheStock;
    long long auditRows = 0;
    long long oversold = 0;
    bool ledgerOk = false;
    long long staleReads = 0;
    // Unknown (nullopt) when the cache could not be read at the end.
    std::optional<long long> divergentKeysAtEnd;
    long long ledgerBrokenLinks = 0;
    long long dbFills = 0;
    double throughputRps = 0;
    double cacheHitRate = 0;
    LatencySummary read, write;
    double visibilityP50 = 0, visibilityP99 = 0, visibilityMax = 0;
    long long visibilityProbes = 0;
    // Probes not visible within the probe's cap, and times the cache went back in version.
    long long visibilityNotVisible = 0, visibilityRegressions = 0;
    long long lockAcquired = 0, lockBusy = 0, lockExpiredWhileHeld = 0;
    // `combined`'s batches by size, over every server.
    CombinerStats combining;
    double lockWaitP50 = 0, lockWaitP99 = 0;
    // PostgreSQL backends waiting on a lock, over the timeline's samples; unknown when none was read.
    std::optional<long long> pgLockWaitsMax, pgLockWaitsP99;
    double peakRssMb = 0;
    // Stopped before the load was done (stop(), SIGINT, SIGTERM): partial results, no verdict.
    bool stoppedEarly = false;
    // Why some value is missing or doubtful, in plain words.
    std::vector<std::string> notes;
    HostLoad hostLoad;
    // Says what the verdict cannot: the host was saturated while a latency SLO failed, or the run
    // was stopped. Set by evaluateSlos().
    std::string verdictNote;
    std::vector<std::string> errorSamples;
    // Why cache steps failed during the run (a refusal such as NOAUTH, Redis unreachable), worded with
    // what to do; empty if none did. Named in the verdict note when the hit rate fails.
    std::string cacheTrouble;
    std::vector<Slo> slos;
    std::vector<TimelinePoint> timeline;
    std::vector<TimelineEvent> events;
    // read, purchase and restock (each even when it did not occur), then "all".
    std::vector<OperationStats> operations;
    std::vector<FaultOutcome> faults;
    // Set for a run spread over load agents.
    std::vector<AgentOutcome> agents;
    // Agent records the coordinator refused as malformed (and skipped).
    long long rejectedRecords = 0;
    // Reads across agents whose order against a newer write was within the clocks' uncertainty.
    long long staleReadsUndecided = 0;
    // The coordinator's time to decode and merge one window record, mean and largest, in µs.
    double mergeUsPerWindow = 0;
    double mergeUsMax = 0;
    // Writes whose connection failed so that the client could not know whether they committed;
    // those settled by retrying with the same request id; and those the retry found committed.
    long long inDoubt = 0, inDoubtResolved = 0, inDoubtCommitted = 0;
    // Set when the run used --near-cache.
    std::optional<NearCacheOutcome> nearCache;

    // Fills `slos` from the defaults for the scenario, with the config's overrides applied, and
    // `verdictNote`.
    void evaluateSlos();
    // False for a stopped run, which has no verdict.
    bool allSlosPass() const;
    // Every SLO of the category passed; nullopt for a stopped run, which has no verdict. correct() is
    // also nullopt when no correctness SLO is known to fail but one could not be measured
    // (divergent_keys with the cache unreadable at the end): unknown, not wrong.
    std::optional<bool> correct() const;
    std::optional<bool> performant() const;
    // The SLOs of a category that failed, as failure() phrases them.
    std::vector<std::string> failures(SloCategory category) const;
    // "correct: yes; performant: no (read_p99_ms 10.9 > 5)", or for a stopped run
    // "stopped after 2.1 s: partial results, no verdict".
    std::string verdictHeadline() const;
    std::string toJson() const;
    std::string humanSummary() const;
    // Fills pgLockWaitsMax and pgLockWaitsP99 from the timeline's samples.
    void summarizePgLockWaits();
    // The SLO names --slo accepts.
    static std::vector<std::string> sloNames();
};

} // namespace inv
