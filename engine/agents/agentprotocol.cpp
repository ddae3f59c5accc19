#include "agents/agentprotocol.h"

#include "errors.h"

#include <nlohmann/json.hpp>

namespace inv {

namespace {
using Json = nlohmann::json;

// Counts and sizes beyond this are refused: no honest run comes near it.
constexpr long long kLargest = 1'000'000'000'000LL;
// Redis time in microseconds: until the year 5000.
constexpr long long kLatestUs = 100'000'000'000'000'000LL;

[[noreturn]] void refuse(const std::string &what)
{
    throw InvalidInput("bad agent record: " + what);
}

const Json &field(const Json &object, const char *name)
{
    if (!object.is_object())
        refuse("not a JSON object");
    const auto it = object.find(name);
    if (it == object.end())
        refuse(std::string("no field '") + name + "'");
    return *it;
}

long long number(const Json &object, const char *name, long long low = 0, long long high = kLargest)
{
    const Json &value = field(object, name);
    if (!value.is_number_integer())
        refuse(std::string("'") + name + "' is not an integer");
    const long long n = value.get<long long>();
    if (n < low || n > high)
        refuse(std::string("'") + name + "' is out of range: " + std::to_string(n));
    return n;
}

std::string text(const Json &object, const char *name, std::size_t longest = 200)
{
    const Json &value = field(object, name);
    if (!value.is_string())
        refuse(std::string("'") + name + "' is not a string");
    std::string s = value.get<std::string>();
    if (s.size() > longest)
        refuse(std::string("'") + name + "' is longer than " + std::to_string(longest) + " bytes");
    return s;
}

Json histogram(const HistogramCounts &counts)
{
    Json pairs = Json::array();
    for (int i = 0; i < LatencyHistogram::kBuckets; ++i)
        if (const std::uint64_t c = counts.countAt(i))
            pairs.push_back(Json::array({i, c}));
    return pairs;
}

HistogramCounts histogram(const Json &pairs, const char *name)
{
    if (!pairs.is_array() || pairs.size() > static_cast<std::size_t>(LatencyHistogram::kBuckets))
        refuse(std::string("histogram '") + name + "' is not a list of at most " +
               std::to_string(LatencyHistogram::kBuckets) + " buckets");
    HistogramCounts out;
    int previous = -1;
    for (const Json &pair : pairs) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() ||
            !pair[1].is_number_integer())
            refuse(std::string("histogram '") + name + "' has a bucket that is not [index, count]");
        const long long index = pair[0].get<long long>();
        const long long count = pair[1].get<long long>();
        if (index <= previous || index >= LatencyHistogram::kBuckets)
            refuse(std::string("histogram '") + name + "' has bucket index " + std::to_string(index) +
                   " out of order or range");
        if (count < 0 || count > kLargest)
            refuse(std::string("histogram '") + name +
                   "' has a count out of range: " + std::to_string(count));
        out.addAt(static_cast<int>(index), static_cast<std::uint64_t>(count));
        previous = static_cast<int>(index);
    }
    return out;
}

Json parse(const std::string &text)
{
    if (text.size() > 1'000'000)
        refuse("longer than 1 MB");
    try {
        return Json::parse(text);
    } catch (const Json::exception &e) {
        refuse(std::string("not JSON (") + e.what() + ")");
    }
}

const char *const kHistogramNames[kOperationKinds] = {"read", "purchase", "restock"};

Json observations(const std::vector<AgentObservation> &list)
{
    Json out = Json::array();
    for (const auto &o : list)
        out.push_back(Json::array({o.key, o.version, o.us}));
    return out;
}

std::vector<AgentObservation> observations(const Json &list, const char *name)
{
    if (!list.is_array() || list.size() > 100'000)
        refuse(std::string("'") + name + "' is not a list of at most 100000 observations");
    std::vector<AgentObservation> out;
    out.reserve(list.size());
    for (const Json &o : list) {
        if (!o.is_array() || o.size() != 3 || !o[0].is_number_integer() || !o[1].is_number_integer() ||
            !o[2].is_number_integer())
            refuse(std::string("'") + name + "' has an entry that is not [key, version, time]");
        const long long key = o[0].get<long long>(), version = o[1].get<long long>(),
                        us = o[2].get<long long>();
        if (key < 0 || key >= 1'000'000 || version < 0 || version > kLargest || us < 0 || us > kLatestUs)
            refuse(std::string("'") + name + "' has an entry out of range");
        out.push_back(AgentObservation{static_cast<int>(key), version, us});
    }
    return out;
}
} // namespace

namespace AgentProtocol {

const char *kindName(AgentRecord::Kind kind)
{
    switch (kind) {
    case AgentRecord::Kind::Started:
        return "started";
    case AgentRecord::Kind::Window:
        return "window";
    case AgentRecord::Kind::Finished:
        return "finished";
    case AgentRecord::Kind::Failed:
        return "failed";
    }
    return "window";
}

std::string encode(const AgentRunCommand &command)
{
    Json shares = Json::array();
    for (const auto &s : command.shares)
        shares.push_back(
            {{"agent", s.agent}, {"servers", s.servers}, {"buyers", s.buyers}, {"rate", s.rate}});
    const SimulationConfig &c = command.config;
    return Json{{"type", "run"},
                {"run_id", command.runId},
                {"sku", command.sku},
                {"scenario", SimulationConfig::scenarioName(c.scenario)},
                {"strategy", Strategy::kindName(c.strategy)},
                {"client", SimulationConfig::clientName(c.client)},
                {"connections", c.connections},
                {"stock", c.stock},
                {"quantity", c.quantity},
                {"buyers_read", c.buyersRead},
                {"ttl_ms", c.ttl.count()},
                {"race_delay_ms", c.raceDelay.count()},
                {"seed", static_cast<long long>(c.seed % 1'000'000'000'000ULL)},
                {"duration_ms", static_cast<long long>(c.durationSeconds * 1000)},
                {"read_ratio_permille", static_cast<long long>(c.readRatio * 1000 + 0.5)},
                {"products", c.products},
                {"skew_permille", static_cast<long long>(c.skew * 1000 + 0.5)},
                {"warm", c.warm},
                {"max_lag_ms", c.maxLag.count()},
                {"shares", shares},
                {"start_at_us", command.startAtUs},
                {"coordinator", command.coordinator}}
        .dump();
}

AgentRunCommand decodeCommand(const std::string &body)
{
    const Json json = parse(body);
    if (text(json, "type") != "run")
        refuse("not a run command");
    AgentRunCommand command;
    command.runId = text(json, "run_id", 40);
    command.sku = text(json, "sku", 100);
    SimulationConfig &c = command.config;
    c.scenario = SimulationConfig::parseScenario(text(json, "scenario"));
    c.strategy = Strategy::parseKind(text(json, "strategy"));
    c.client = SimulationConfig::parseClient(text(json, "client"));
    c.connections = static_cast<int>(number(json, "connections", 1, 64));
    c.stock = static_cast<int>(number(json, "stock", 0, 1'000'000));
    c.quantity = static_cast<int>(number(json, "quantity", 1, 1'000'000));
    const Json &read = field(json, "buyers_read");
    if (!read.is_boolean())
        refuse("'buyers_read' is not true or false");
    c.buyersRead = read.get<bool>();
    c.ttl = std::chrono::milliseconds(number(json, "ttl_ms", 1, 86'400'000));
    c.raceDelay = std::chrono::milliseconds(number(json, "race_delay_ms", 0, 10'000));
    c.seed = static_cast<std::uint64_t>(number(json, "seed"));
    c.durationSeconds = static_cast<double>(number(json, "duration_ms", 1, 86'400'000)) / 1000.0;
    c.readRatio = static_cast<double>(number(json, "read_ratio_permille", 0, 1000)) / 1000.0;
    c.products = static_cast<int>(number(json, "products", 1, 1'000'000));
    c.skew = static_cast<double>(number(json, "skew_permille", 0, 5000)) / 1000.0;
    const Json &warm = field(json, "warm");
    if (!warm.is_boolean())
        refuse("'warm' is not true or false");
    c.warm = warm.get<bool>();
    c.maxLag = std::chrono::milliseconds(number(json, "max_lag_ms", 1, 60'000));
    const Json &shares = field(json, "shares");
    if (!shares.is_array() || shares.empty() || shares.size() > 1000)
        refuse("'shares' is not a list of 1 to 1000 agents");
    for (const Json &s : shares) {
        const Json &rate = field(s, "rate");
        if (!rate.is_number() || rate.get<double>() < 0 || rate.get<double>() > 1'000'000)
            refuse("a share's 'rate' is not a number from 0 to 1000000");
        command.shares.push_back(AgentShare{text(s, "agent"), static_cast<int>(number(s, "servers", 1, 64)),
                                            static_cast<int>(number(s, "buyers", 0, 10'000'000)),
                                            rate.get<double>()});
    }
    command.startAtUs = number(json, "start_at_us", 0, kLatestUs);
    command.coordinator = text(json, "coordinator");
    return command;
}

std::string encode(const AgentRecord &r)
{
    Json json{{"type", kindName(r.kind)}, {"agent", r.agent}, {"seq", r.seq}};
    switch (r.kind) {
    case AgentRecord::Kind::Started:
        json["server_prefix"] = r.serverPrefix;
        json["offset_uncertainty_us"] = r.offsetUncertaintyUs;
        json["begin_us"] = r.beginUs;
        break;
    case AgentRecord::Kind::Window:
    case AgentRecord::Kind::Finished:
        json["begin_us"] = r.beginUs;
        json["end_us"] = r.endUs;
        for (int k = 0; k < kOperationKinds; ++k)
            json[kHistogramNames[k]] = histogram(r.latency[static_cast<std::size_t>(k)]);
        json["successes"] = r.successes;
        json["rejections"] = r.rejections;
        json["errors"] = r.errors;
        json["dropped"] = r.dropped;
        json["reads"] = r.reads;
        json["hits"] = r.hits;
        json["lock_busy"] = r.lockBusy;
        if (r.kind == AgentRecord::Kind::Finished)
            json["stale_reads"] = r.staleReads;
        if (r.kind == AgentRecord::Kind::Window) {
            json["reads_seen"] = observations(r.readsSeen);
            json["writes_seen"] = observations(r.writesSeen);
            json["unlogged"] = r.unlogged;
        }
        break;
    case AgentRecord::Kind::Failed:
        json["message"] = r.message;
        break;
    }
    return json.dump();
}

AgentRecord decodeRecord(const std::string &body)
{
    const Json json = parse(body);
    AgentRecord r;
    const std::string type = text(json, "type");
    if (type == "started")
        r.kind = AgentRecord::Kind::Started;
    else if (type == "window")
        r.kind = AgentRecord::Kind::Window;
    else if (type == "finished")
        r.kind = AgentRecord::Kind::Finished;
    else if (type == "failed")
        r.kind = AgentRecord::Kind::Failed;
    else
        refuse("unknown type '" + type.substr(0, 40) + "'");
    r.agent = text(json, "agent");
    r.seq = number(json, "seq");
    switch (r.kind) {
    case AgentRecord::Kind::Started:
        r.serverPrefix = text(json, "server_prefix");
        r.offsetUncertaintyUs = number(json, "offset_uncertainty_us");
        r.beginUs = number(json, "begin_us", 0, kLatestUs);
        break;
    case AgentRecord::Kind::Window:
    case AgentRecord::Kind::Finished:
        r.beginUs = number(json, "begin_us", 0, kLatestUs);
        r.endUs = number(json, "end_us", r.beginUs, kLatestUs);
        for (int k = 0; k < kOperationKinds; ++k)
            r.latency[static_cast<std::size_t>(k)] =
                histogram(field(json, kHistogramNames[k]), kHistogramNames[k]);
        r.successes = number(json, "successes");
        r.rejections = number(json, "rejections");
        r.errors = number(json, "errors");
        r.dropped = number(json, "dropped");
        r.reads = number(json, "reads");
        r.hits = number(json, "hits", 0, r.reads);
        r.lockBusy = number(json, "lock_busy");
        if (r.kind == AgentRecord::Kind::Finished)
            r.staleReads = number(json, "stale_reads");
        if (r.kind == AgentRecord::Kind::Window) {
            r.readsSeen = observations(field(json, "reads_seen"), "reads_seen");
            r.writesSeen = observations(field(json, "writes_seen"), "writes_seen");
            r.unlogged = number(json, "unlogged");
        }
        break;
    case AgentRecord::Kind::Failed:
        r.message = text(json, "message", 2000);
        break;
    }
    return r;
}

} // namespace AgentProtocol

} // namespace inv
