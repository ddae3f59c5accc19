#include "agentcommand.h"

#include "agents/loadagent.h"
#include "errors.h"
#include "interruptrouting.h"
#include "inventory/quantity.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <unistd.h>

AgentCommand::AgentCommand(const CommandLine &args, ResolvedConnections connections)
    : m_args(args), m_connections(std::move(connections))
{}

int AgentCommand::run()
{
    if (m_args.flag("list"))
        return list();
    std::string name = m_args.option("name").value_or("");
    if (name.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        name = std::string(host) + "-" + std::to_string(getpid());
    }
    inv::Quantity::checkText(name, "--name");
    if (name.size() > 64 || name.find_first_of(" {},") != std::string::npos)
        throw inv::InvalidInput("invalid --name '" + name +
                                "': give up to 64 characters without spaces, commas or braces");
    inv::LoadAgent::Settings settings{name, m_connections.pg, m_connections.redis, INVENTORY_VERSION, {}};
    if (const char *dir = std::getenv("INVENTORY_SANDBOX_DIR"))
        settings.sandboxDir = dir;
    inv::LoadAgent agent(settings);
    std::stop_source stop;
    std::optional<InterruptRouting> routing(std::in_place, [&stop] { stop.request_stop(); });
    agent.serve(stop.get_token(),
                [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); });
    return 0;
}

namespace {
// A registration without a heartbeat: an agent that stopped, or one that was lost.
std::string stateOf(const inv::AgentInfo &a)
{
    if (a.heartbeatAgeMs >= 0)
        return a.state;
    return a.state == "stopped" ? "stopped" : "lost";
}
} // namespace

int AgentCommand::list()
{
    const auto agents = inv::LoadAgent::list(m_connections.redis);
    if (m_args.flag("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto &a : agents)
            out.push_back({{"name", a.name},
                           {"host", a.host},
                           {"pid", a.pid},
                           {"version", a.version},
                           {"cores", a.cores},
                           {"state", stateOf(a)},
                           {"heartbeat_age_ms", a.heartbeatAgeMs}});
        std::cout << inv::Quantity::printableJson(
                         out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace))
                  << "\n";
        return 0;
    }
    if (agents.empty())
        std::cout
            << "no load agent has registered here: start one with 'inventory-console agent --name NAME'\n";
    for (const auto &a : agents)
        // Names and hosts come from Redis, where any client may have written them.
        std::cout << inv::Quantity::printable(a.name) << "  " << inv::Quantity::printable(a.host) << "  pid "
                  << a.pid << "  " << inv::Quantity::printable(a.version) << "  " << a.cores << " cores  "
                  << inv::Quantity::printable(stateOf(a))
                  << (a.heartbeatAgeMs >= 0 ? "  heartbeat " + std::to_string(a.heartbeatAgeMs) + " ms ago"
                                            : "")
                  << "\n";
    return 0;
}
