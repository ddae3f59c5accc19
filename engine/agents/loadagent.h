// A load agent (`inventory-console agent`): a long-running process that registers itself in Redis
// with a heartbeat, waits for run commands on the control stream, runs its share of a run's servers
// and buyers as an ordinary Simulation in the run's own space, and publishes one record per 250 ms
// window on the run's metrics stream (AgentProtocol), on a time line mapped to Redis's clock. A stop
// (SIGTERM) ends the run going on early, publishes its last record and deregisters.
#pragma once

#include "agents/agentprotocol.h"
#include "db/pgconnection.h"

#include <functional>
#include <stop_token>
#include <string>

namespace inv {

class LoadAgent
{
public:
    struct Settings
    {
        std::string name;
        std::string pgConninfo;
        std::string redisUrl;
        std::string version;
        // The sandbox whose processes a run's faults may signal (empty: none).
        std::string sandboxDir;
    };
    using Say = std::function<void(const std::string &)>;

    explicit LoadAgent(Settings settings);

    // Registers and serves run commands until `stop` fires. Throws InvalidInput when an agent with
    // this name is alive already, DbError or CacheError when a service cannot be reached at the start.
    void serve(std::stop_token stop, const Say &say);

    // "<system identifier>/<database oid>": the same for every process that writes to this database.
    static std::string databaseIdentity(PgConnection &db);
    // The agents registered in Redis, alive or not, by name.
    static std::vector<AgentInfo> list(const std::string &redisUrl);

private:
    void runShare(const AgentRunCommand &command, const AgentShare &share, std::stop_token stop,
                  const Say &say);

    Settings m_settings;
    AgentInfo m_info;
};

} // namespace inv
