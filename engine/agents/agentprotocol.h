// What load agents and their coordinator say to each other through Redis: an agent's registration,
// the run command on the control stream, and the records an agent puts on the run's metrics stream
// (started, one per 250 ms window, finished or failed). Each stream entry carries one JSON text in
// its field "r". The decode functions check every field, its type and its range, and throw
// InvalidInput for a record that is malformed, truncated or out of range: the coordinator counts
// such records and skips them. Histograms travel bucket by bucket, so that they merge exactly.
// Pure functions; any thread.
#pragma once

#include "metrics/latencyhistogram.h"
#include "metrics/workermetrics.h"
#include "sim/simulationconfig.h"

#include <array>
#include <string>
#include <vector>

namespace inv {

namespace AgentKeys {
// A hash per agent (name, host, pid, version, cores, database, state) and a key that lives as long as
// its heartbeat keeps renewing it. Beside the stock cache's inv:{sku} keys, never among them.
inline std::string info(const std::string &name)
{
    return "agents:{" + name + "}";
}
inline std::string alive(const std::string &name)
{
    return "agents:{" + name + "}:alive";
}
// The set of every agent name ever registered here; the alive keys say which are up.
inline const std::string kAll = "agents:all";
inline const std::string kControl = "agents:control";
// A run's records live under the run's own prefix (SimulationSpace::prefixFor), so that a run's
// cleanup removes them with its other keys.
inline std::string metrics(const std::string &runId)
{
    return "sim:" + runId + ":agents:metrics";
}
} // namespace AgentKeys

struct AgentInfo
{
    std::string name;
    std::string host;
    long long pid = 0;
    std::string version;
    int cores = 0;
    // The PostgreSQL cluster and database it writes to: system identifier / database oid.
    std::string database;
    // idle, running, stopping
    std::string state;
    // How long ago its heartbeat was renewed; -1 when it has expired (the agent is lost or gone).
    long long heartbeatAgeMs = -1;
};

struct AgentShare
{
    std::string agent;
    int servers = 1;
    // flash-sale: its buyers; mixed: its arrivals per second.
    int buyers = 0;
    double rate = 0;
};

// A read's start or a write's acknowledgement on the shared time line (Redis µs), for the check
// of stale reads across agents.
struct AgentObservation
{
    int key = 0;
    long long version = 0;
    long long us = 0;
};

struct AgentRunCommand
{
    std::string runId;
    // The product every agent buys, created by the coordinator in the run's space.
    std::string sku;
    // scenario, strategy, connections, stock, quantity, buyers who read, TTL, race delay, seed, client;
    // for mixed also duration, read ratio, products, skew, warm-up and the lag allowance.
    SimulationConfig config;
    std::vector<AgentShare> shares;
    // When the agents start the load, in Redis time (microseconds since the epoch, from TIME).
    long long startAtUs = 0;
    std::string coordinator;
};

struct AgentRecord
{
    enum class Kind
    {
        Started,
        Window,
        Finished,
        Failed
    };
    Kind kind = Kind::Window;
    std::string agent;
    long long seq = 0;
    // The window, in Redis time (µs), mapped from the agent's own clock by its offset.
    long long beginUs = 0;
    long long endUs = 0;
    // Per operation kind: read, purchase, restock.
    std::array<HistogramCounts, kOperationKinds> latency;
    // In this window (Window) or over the run (Finished).
    long long successes = 0;
    long long rejections = 0;
    long long errors = 0;
    long long dropped = 0;
    long long reads = 0;
    long long hits = 0;
    long long lockBusy = 0;
    // Finished: the stale reads its own checker counted (between its own servers).
    long long staleReads = 0;
    // Window: its reads and acknowledged writes, and how many it could not send (over the cap).
    std::vector<AgentObservation> readsSeen;
    std::vector<AgentObservation> writesSeen;
    long long unlogged = 0;
    // Started: the prefix of its audit rows' server ids, and the uncertainty of its clock offset.
    std::string serverPrefix;
    long long offsetUncertaintyUs = 0;
    // Failed: why.
    std::string message;
};

namespace AgentProtocol {
const char *kindName(AgentRecord::Kind kind);
std::string encode(const AgentRunCommand &command);
AgentRunCommand decodeCommand(const std::string &text);
std::string encode(const AgentRecord &record);
AgentRecord decodeRecord(const std::string &text);
} // namespace AgentProtocol

} // namespace inv
