#include "sim/simulationconfig.h"

#include "sim/simulationreport.h"
#include "sim/simulationspace.h"

#include "errors.h"
#include "inventory/quantity.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace inv {

namespace {
void require(bool ok, const std::string &message)
{
    if (!ok)
        throw InvalidInput(message);
}
} // namespace

ScenarioKind SimulationConfig::parseScenario(const std::string &name)
{
    if (name == "flash-sale")
        return ScenarioKind::FlashSale;
    if (name == "mixed")
        return ScenarioKind::Mixed;
    if (name == "stampede")
        return ScenarioKind::Stampede;
    throw InvalidInput("unknown scenario '" + name + "': choose flash-sale, mixed or stampede");
}

std::pair<std::string, double> SimulationConfig::parseSloOverride(const std::string &item)
{
    const auto names = SimulationReport::sloNames();
    const auto eq = item.find('=');
    const std::string name = item.substr(0, eq);
    if (eq == std::string::npos || std::find(names.begin(), names.end(), name) == names.end()) {
        std::string known;
        for (const auto &n : names)
            known += (known.empty() ? "" : ", ") + n;
        throw InvalidInput("invalid --slo '" + item + "': use NAME=VALUE with NAME one of " + known);
    }
    char *end = nullptr;
    const double value = std::strtod(item.c_str() + eq + 1, &end);
    if (eq + 1 == item.size() || *end != '\0' || !std::isfinite(value))
        throw InvalidInput("invalid --slo '" + item + "': the threshold must be a number");
    return {name, value};
}

const char *SimulationConfig::scenarioName(ScenarioKind kind)
{
    switch (kind) {
    case ScenarioKind::FlashSale:
        return "flash-sale";
    case ScenarioKind::Mixed:
        return "mixed";
    case ScenarioKind::Stampede:
        return "stampede";
    }
    return "mixed";
}

ClientKind SimulationConfig::parseClient(const std::string &name)
{
    if (name == "auto")
        return ClientKind::Auto;
    if (name == "threads")
        return ClientKind::Threads;
    if (name == "loop")
        return ClientKind::Loop;
    throw InvalidInput("unknown client '" + name +
                       "': choose auto (the default: loop wherever it carries the run), loop (an event "
                       "loop per server, pipelined connections) or threads (a thread per connection)");
}

const char *SimulationConfig::clientName(ClientKind kind)
{
    switch (kind) {
    case ClientKind::Auto:
        return "auto";
    case ClientKind::Threads:
        return "threads";
    case ClientKind::Loop:
        return "loop";
    }
    return "auto";
}

bool SimulationConfig::loopCarries() const
{
    return true;
}

ClientKind SimulationConfig::clientUsed() const
{
    if (client == ClientKind::Auto)
        return loopCarries() ? ClientKind::Loop : ClientKind::Threads;
    return client;
}

void SimulationConfig::validate() const
{
    if (!runId.empty())
        SimulationSpace::checkRunId(runId);
    require(servers >= 1 && servers <= 64, "--servers must be from 1 to 64");
    if (totalConnections > 0) {
        const std::string total = std::to_string(totalConnections) + " connections";
        require(totalConnections >= servers,
                total + " cannot keep " + std::to_string(servers) + " servers busy: give at most " + total);
        require(connections == (totalConnections + servers - 1) / servers,
                "the connections per server do not add up to " + total);
        require(connections <= 64, total + " over " + std::to_string(servers) + " server(s) is " +
                                       std::to_string(connections) +
                                       " per server: at most 64 each; add --servers to spread them");
    }
    require(connections >= 1 && connections <= 64, "--connections must be from 1 to 64");
    require(connectionCount() <= 360,
            (totalConnections > 0 ? std::to_string(totalConnections) + " connections in all"
                                  : "--servers x --connections is " + std::to_string(connectionCount())) +
                ": keep it at most 360 so that PostgreSQL's connection limit is not exceeded");
    require(buyers >= 1 && buyers <= 10'000'000, "--buyers must be from 1 to 10000000");
    require(stock >= 0 && stock <= Quantity::kMax, "--stock must be from 0 to 1000000");
    require(quantity >= 1 && quantity <= Quantity::kMax, "--quantity must be from 1 to 1000000");
    require(rate > 0 && rate <= 1'000'000, "--rate must be above 0 and at most 1000000 per second");
    require(durationSeconds > 0 && durationSeconds <= 86'400,
            "--duration must be above 0 and at most 86400 s");
    require(readRatio >= 0 && readRatio <= 1, "--read-ratio must be from 0 to 1");
    require(products >= 1 && products <= 1'000'000, "--products must be from 1 to 1000000");
    require(skew >= 0 && skew <= 5, "--skew must be from 0 (uniform) to 5");
    require(readers >= 1 && readers <= 10'000, "--readers must be from 1 to 10000");
    require(rounds >= 1 && rounds <= 1000, "--rounds must be from 1 to 1000");
    require(ttl.count() >= 1, "--ttl-ms must be at least 1");
    require(raceDelay.count() >= 0 && raceDelay.count() <= 10'000, "--race-delay-ms must be from 0 to 10000");
    require(combineMax >= 1 && combineMax <= CombinerSettings::kLargestBatch,
            "--combine-max must be from 1 to " + std::to_string(CombinerSettings::kLargestBatch));
    require(combineWait.count() >= 0 && combineWait.count() <= 1'000'000,
            "--combine-wait-us must be from 0 to 1000000");
    if (!sku.empty())
        Quantity::checkSku(sku);
    require(faults.size() <= 32, "give at most 32 --fault options");
    require(!nearCache || strategy != StrategyKind::Unsafe,
            "--near-cache works with every strategy but unsafe: pick another --strategy");
}

int SimulationConfig::connectionsOf(int index) const
{
    if (totalConnections <= 0)
        return connections;
    return totalConnections / servers + (index < totalConnections % servers ? 1 : 0);
}

int SimulationConfig::connectionCount() const
{
    return totalConnections > 0 ? totalConnections : servers * connections;
}

void SimulationConfig::spreadConnections(int total, int maxServers)
{
    totalConnections = total;
    servers = std::max(1, std::min(maxServers, total));
    connections = (total + servers - 1) / servers;
}

std::string SimulationConfig::connectionsText() const
{
    const std::string serverCount = std::to_string(servers) + (servers == 1 ? " server" : " servers");
    if (totalConnections <= 0 || totalConnections % servers == 0)
        return serverCount + " x " + std::to_string(connections) + " connections";
    return serverCount + ", " + std::to_string(totalConnections) + " connections in all (" +
           std::to_string(connections) + " or " + std::to_string(connections - 1) + " each)";
}

} // namespace inv
