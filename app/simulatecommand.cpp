#include "simulatecommand.h"

#include "interruptrouting.h"

#include "agents/agentcoordinator.h"
#include "sim/simulationspace.h"

#include "errors.h"
#include "sandbox/sandbox.h"
#include "sim/loadsweep.h"
#include "sim/simulation.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>
#include <unistd.h>

namespace {
std::map<std::string, double> parseSlos(const std::vector<std::string> &items)
{
    std::map<std::string, double> out;
    for (const auto &item : items) {
        auto [name, value] = inv::SimulationConfig::parseSloOverride(item);
        out[name] = value;
    }
    return out;
}
} // namespace

SimulateCommand::SimulateCommand(const CommandLine &args, ResolvedConnections connections)
    : m_args(args), m_connections(std::move(connections))
{}

int SimulateCommand::run()
{
    if (m_args.flag("cleanup"))
        return cleanup();
    const auto sweep = m_args.option("sweep");
    // A sweep runs the mixed scenario, so --scenario may be left out.
    const auto scenarioName = sweep ? m_args.option("scenario").value_or("mixed") : m_args.option("scenario");
    if (!scenarioName)
        throw inv::InvalidInput("simulate needs --scenario flash-sale, mixed or stampede, or --sweep");
    if (!sweep && m_args.option("step-seconds"))
        throw inv::InvalidInput("--step-seconds applies to a sweep only: add --sweep rate=FROM..TO");
    if (!sweep && m_args.option("reference"))
        throw inv::InvalidInput("--reference applies to a sweep only: add --sweep rate=FROM..TO");
    // Read before anything runs: a bad file runs nothing and writes nothing.
    if (const auto reference = m_args.option("reference"))
        m_references = inv::SweepReference::load(*reference);
    const inv::SimulationConfig config = configFor(*scenarioName);
    std::optional<inv::LoadSweep> loadSweep;
    if (sweep) {
        loadSweep.emplace(config, inv::SweepRange::parse(*sweep),
                          m_args.number("step-seconds", inv::LoadSweep::kDefaultStepSeconds, 0.5, 600));
        // Every step's configuration is checked before the first runs: bad input runs nothing.
        loadSweep->validate();
    }
    const auto reportPath = m_args.option("report");
    if (reportPath) {
        std::ofstream probe(*reportPath, std::ios::app);
        if (!probe)
            throw inv::InvalidInput("cannot write the report to '" + *reportPath +
                                    "': check the folder exists and is writable");
    }
    if (const auto agents = m_args.option("agents")) {
        if (loadSweep)
            throw inv::InvalidInput("--agents and --sweep do not go together: sweep in one process");
        return runOnAgents(config, *agents);
    }
    return loadSweep ? runSweep(*loadSweep) : runOnce(config);
}

int SimulateCommand::runOnAgents(const inv::SimulationConfig &config, const std::string &selection)
{
    const bool json = m_args.flag("json");
    const bool terminal = isatty(STDERR_FILENO) == 1;
    inv::AgentCoordinator coordinator(config, selection, INVENTORY_VERSION);
    std::optional<InterruptRouting> routing(std::in_place, [&coordinator] { coordinator.stop(); });
    auto tick = [&](const inv::TimelinePoint &p, double progress) {
        if (!terminal)
            return;
        std::fprintf(stderr, "\r  %6.1f s  %3.0f%%  %8.0f req/s  read p99 %7.2f ms  write p99 %7.2f ms  ",
                     p.t, progress * 100, p.rps, p.readP99Ms, p.writeP99Ms);
        std::fflush(stderr);
    };
    auto say = [&](const std::string &text) {
        if (!json || terminal)
            std::fprintf(stderr, "%s%s\n", terminal ? "\r\033[K" : "", text.c_str());
    };
    inv::SimulationReport report = coordinator.run(tick, say);
    routing.reset();
    const std::string text = report.toJson();
    writeReport(text);
    std::cout << (json ? text : report.humanSummary());
    if (report.stoppedEarly)
        return 3;
    return report.allSlosPass() ? 0 : 1;
}

inv::SimulationConfig SimulateCommand::configFor(const std::string &scenarioName) const
{
    inv::SimulationConfig config;
    config.scenario = inv::SimulationConfig::parseScenario(scenarioName);
    config.strategy = inv::Strategy::parseKind(m_args.option("strategy").value_or("versioned"));
    config.pgConninfo = m_connections.pg;
    config.redisUrl = m_connections.redis;
    config.runId = m_args.option("run-id").value_or("");
    config.keep = m_args.flag("keep");
    const bool stampede = config.scenario == inv::ScenarioKind::Stampede;
    const bool mixed = config.scenario == inv::ScenarioKind::Mixed;
    config.servers = static_cast<int>(m_args.integer("servers", 4, 1, 64));
    config.connections = static_cast<int>(m_args.integer("connections", 4, 1, 64));
    config.buyers = static_cast<int>(m_args.integer("buyers", 10'000, 1, 10'000'000));
    // The defaults fit each scenario: a small flash-sale stock, a deep one for a long mixed run.
    config.stock = static_cast<int>(m_args.integer("stock",
                                                   mixed      ? 1'000'000
                                                   : stampede ? 1000
                                                              : 100,
                                                   0, 1'000'000));
    config.quantity = static_cast<int>(m_args.integer("quantity", 1, 1, 1'000'000));
    config.sku = m_args.option("sku").value_or("");
    config.buyersRead = !m_args.flag("blind-buyers");
    config.rate = m_args.number("rate", 10'000, 0.001, 1'000'000);
    config.durationSeconds = m_args.number("duration", 10, 0.001, 86'400);
    config.readRatio = m_args.number("read-ratio", 0.9, 0, 1);
    config.products = static_cast<int>(m_args.integer("products", stampede ? 5 : 1000, 1, 1'000'000));
    config.skew = m_args.number("skew", 0.99, 0, 5);
    config.warm = !m_args.flag("no-warm");
    config.readers = static_cast<int>(m_args.integer("readers", 200, 1, 10'000));
    config.rounds = static_cast<int>(m_args.integer("rounds", 5, 1, 1000));
    config.ttl = std::chrono::milliseconds(m_args.integer("ttl-ms", stampede ? 300 : 30'000, 1, 86'400'000));
    config.raceDelay = std::chrono::milliseconds(m_args.integer("race-delay-ms", 0, 0, 10'000));
    config.combineMax = static_cast<int>(m_args.integer("combine-max", inv::CombinerSettings{}.maxBatch, 1,
                                                        inv::CombinerSettings::kLargestBatch));
    config.combineWait = std::chrono::microseconds(m_args.integer("combine-wait-us", 0, 0, 1'000'000));
    config.nearCache = m_args.flag("near-cache");
    config.client = inv::SimulationConfig::parseClient(m_args.option("client").value_or("auto"));
    config.seed = static_cast<std::uint64_t>(m_args.integer("seed", 1, 0, 1'000'000'000'000));
    config.maxLag = std::chrono::milliseconds(m_args.integer("max-lag-ms", 1000, 1, 60'000));
    config.sloOverrides = parseSlos(m_args.slos());
    for (const auto &fault : m_args.faults())
        config.faults.push_back(inv::FaultSpec::parse(fault));
    if (!config.faults.empty()) {
        // Process-level faults signal the sandbox's own servers: --dir, the environment, or the
        // sandbox the connections were resolved to.
        const char *sandboxDir = std::getenv("INVENTORY_SANDBOX_DIR");
        config.sandboxDir = m_args.option("dir").value_or(sandboxDir ? sandboxDir : "");
        if (config.sandboxDir.empty() && m_connections.pgOrigin == "sandbox")
            config.sandboxDir = inv::Sandbox::defaultDir().string();
        const char *owner = std::getenv("INVENTORY_PG_OWNER_URL");
        config.faultPgConninfo = owner ? owner : "";
    }
    if (!m_args.option("sweep"))
        config.validate();
    return config;
}

int SimulateCommand::runOnce(const inv::SimulationConfig &config)
{
    const bool json = m_args.flag("json");
    const bool terminal = isatty(STDERR_FILENO) == 1;
    inv::Simulation simulation(config);
    std::optional<InterruptRouting> routing(std::in_place, [&simulation] { simulation.stop(); });
    auto tick = [&](const inv::TimelinePoint &p, double progress) {
        if (!terminal)
            return;
        std::fprintf(stderr,
                     "\r  %6.1f s  %3.0f%%  %8.0f req/s  read p99 %7.2f ms  write p99 %7.2f ms  hit %5.1f%%  "
                     "stale %lld  ",
                     p.t, progress * 100, p.rps, p.readP99Ms, p.writeP99Ms, p.hitRate * 100, p.staleReads);
        std::fflush(stderr);
    };
    auto phase = [&](const std::string &text) {
        if (!json || terminal)
            std::fprintf(stderr, "%s%s\n", terminal ? "\r\033[K" : "", text.c_str());
    };
    inv::SimulationReport report = simulation.run(tick, phase);
    routing.reset();
    if (terminal)
        std::fprintf(stderr, "\r\033[K");

    const std::string text = report.toJson();
    writeReport(text);
    if (json)
        std::cout << text;
    else
        std::cout << report.humanSummary();
    // A run stopped by SIGINT or SIGTERM has partial results and no verdict: exit 3, as for a
    // run that could not be completed.
    if (report.stoppedEarly)
        return 3;
    return report.allSlosPass() ? 0 : 1;
}

int SimulateCommand::runSweep(inv::LoadSweep &sweep)
{
    const inv::SweepRange &range = sweep.range();
    const bool json = m_args.flag("json");
    auto started = [&](int index, int count, double value) {
        if (!json || isatty(STDERR_FILENO) == 1)
            std::fprintf(stderr, "step %d of %d: %s %.0f %s\n", index + 1, count, range.parameterName(),
                         value, range.unit());
    };
    auto done = [&](int, int, const inv::SweepStep &step) {
        if (!json || isatty(STDERR_FILENO) == 1)
            std::fprintf(stderr, "  served %.0f/s, read p99 %.2f ms, write p99 %.2f ms: %s\n",
                         step.throughputRps, step.read.p99, step.write.p99,
                         step.stopped ? "stopped"
                         : step.pass  ? "pass"
                                      : ("FAIL " + step.failure).c_str());
    };
    std::optional<InterruptRouting> routing(std::in_place, [&sweep] { sweep.stop(); });
    inv::SweepResult result = sweep.run(started, done);
    result.references = m_references;
    routing.reset();
    const std::string text = result.toJson();
    writeReport(text);
    std::cout << (json ? text : result.humanSummary());
    // Finding the knee is what a sweep is for, so a failed step is no failure of the command; a
    // stopped sweep is incomplete, as a stopped run is.
    return result.stopped ? 3 : 0;
}

void SimulateCommand::writeReport(const std::string &text) const
{
    const auto reportPath = m_args.option("report");
    if (!reportPath)
        return;
    std::ofstream out(*reportPath, std::ios::trunc);
    out << text;
    if (!out)
        throw inv::InvalidInput("could not write the report to '" + *reportPath + "'");
}

int SimulateCommand::cleanup()
{
    const auto removed = inv::SimulationSpace::cleanup(m_connections.pg, m_connections.redis, true);
    if (m_args.flag("json")) {
        std::cout << "{\"schemas_dropped\": " << removed.schemasDropped
                  << ", \"keys_deleted\": " << removed.keysDeleted << "}\n";
    } else {
        std::cout << "removed " << removed.schemasDropped
                  << " simulation space(s) that no running simulation "
                  << "holds, and " << removed.keysDeleted << " Redis key(s)\n";
    }
    return 0;
}
