// What a simulation run does: the scenario, the strategy, the virtual app servers and the load.
// A plain value, validated once by validate(); any thread.
#pragma once

#include "inventory/strategy.h"
#include "sim/faultspec.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace inv {

enum class ScenarioKind
{
    FlashSale,
    Mixed,
    Stampede
};

// How the load reaches the servers: each server's event loop driving its connections in libpq's
// pipeline mode and through hiredis's async API (loop/LoopReader, loop/LoopWriter), or a blocking
// thread per connection. Auto, the default: the loop wherever it carries the run (loopCarries()),
// threads elsewhere.
enum class ClientKind
{
    Auto,
    Threads,
    Loop
};

struct SimulationConfig
{
    ScenarioKind scenario = ScenarioKind::FlashSale;
    StrategyKind strategy = StrategyKind::Versioned;
    std::string pgConninfo;
    std::string redisUrl;
    int servers = 4;
    int connections = 4; // per server, for PostgreSQL and for Redis
    // Above 0: this many connections in all (the connections sweep), spread as evenly as they go over
    // the servers, the first servers taking one more; `connections` is then the most any server has.
    int totalConnections = 0;
    // flash-sale
    int buyers = 10'000;
    int stock = 100;
    int quantity = 1;
    // Buyers read the stock first and skip the purchase when it shows sold out; blind buyers
    // always send the purchase to the database, as pgbench does.
    bool buyersRead = true;
    // The SKU to buy; created in the run's space with `stock` units if it is not there yet. Runs
    // that share a runId share it.
    std::string sku;
    // The run's products may exist already, made by another process of the run (a run over load
    // agents): they are created if missing, and their stock at the start is read back.
    bool sharedProducts = false;
    // mixed
    double rate = 10'000;
    double durationSeconds = 10;
    double readRatio = 0.9;
    int products = 1000;
    double skew = 0.99;
    bool warm = true;
    // stampede
    int readers = 200;
    int rounds = 5;
    // all
    // The run's space: PostgreSQL schema sim_<runId> and Redis prefix sim:<runId>:. Empty: a new
    // random id. Processes given the same id share the space (and so the SKU).
    std::string runId;
    // Keep the space after the run, for inspection; `simulate --cleanup` removes it.
    bool keep = false;
    std::chrono::milliseconds ttl{30'000};
    std::chrono::milliseconds raceDelay{0};
    // How `combined` bounds a batch: at most this many buyers, and how long an idle SKU's first
    // buyer waits for company.
    int combineMax = CombinerSettings{}.maxBatch;
    std::chrono::microseconds combineWait{0};
    // Each server reads through an in-process near cache kept coherent by Redis (--near-cache).
    bool nearCache = false;
    ClientKind client = ClientKind::Auto;
    std::uint64_t seed = 1;
    // The load starts no earlier than this (processes that start one run together: load agents).
    std::optional<std::chrono::steady_clock::time_point> loadStartsAt;
    // An operation later than this behind its intended start is dropped (open loop).
    std::chrono::milliseconds maxLag{1000};
    std::map<std::string, double> sloOverrides;
    // Faults to inject during the load (simulate --fault), run by the Nemesis.
    std::vector<FaultSpec> faults;
    // Faults may also be fired while the run goes on (Simulation::fireFault, the console's Fire now).
    bool faultsOnDemand = false;
    // The sandbox whose processes the process-level faults signal (INVENTORY_SANDBOX_DIR); empty: none.
    std::string sandboxDir;
    // A role that may terminate the run's backends when the run's own may not (INVENTORY_PG_OWNER_URL).
    std::string faultPgConninfo;

    // Throws InvalidInput naming the first bad parameter.
    void validate() const;
    // True when the event loop can drive this run: `versioned`, and no race delay (which exists to
    // widen the threaded strategies' windows).
    bool loopCarries() const;
    // The client that runs: Auto resolved.
    ClientKind clientUsed() const;
    // Connections (and load-generating workers) of server `index` (from 0), and of the whole run.
    int connectionsOf(int index) const;
    int connectionCount() const;
    // Sets totalConnections to `total` over at most `maxServers` servers (fewer when there are
    // fewer connections than that), and servers and connections to match.
    void spreadConnections(int total, int maxServers);
    // "4 servers x 4 connections", or "4 servers, 11 connections in all (3 or 2 each)".
    std::string connectionsText() const;
    static ScenarioKind parseScenario(const std::string &name);
    // One `simulate --slo NAME=VALUE`: NAME one of SimulationReport::sloNames(), VALUE a finite number.
    // Throws InvalidInput naming the SLOs it knows.
    static std::pair<std::string, double> parseSloOverride(const std::string &item);
    static const char *scenarioName(ScenarioKind kind);
    // "auto", "threads" or "loop"; throws InvalidInput for anything else.
    static ClientKind parseClient(const std::string &name);
    static const char *clientName(ClientKind kind);
};

} // namespace inv
