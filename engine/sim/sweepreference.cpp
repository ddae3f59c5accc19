#include "sim/sweepreference.h"

#include "errors.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace inv {

namespace {
using Json = nlohmann::ordered_json;

const char *const kForm =
    "a reference file holds {\"references\": [{\"tool\": \"pgbench\", \"workload\": \"...\", "
    "\"clients\": 16, \"throughput_rps\": 9000, \"latency_ms\": {\"p50\": 1.2, \"p99\": "
    "3.4}}]}, as tests/benchmarks/run_benchmarks.sh writes it";

[[noreturn]] void refuse(const std::string &source, const std::string &why)
{
    throw InvalidInput("invalid --reference '" + source + "': " + why + "; " + kForm);
}

std::string text(const Json &entry, const char *key, bool required, std::size_t most,
                 const std::string &where, const std::string &source)
{
    const auto it = entry.find(key);
    if (it == entry.end()) {
        if (required)
            refuse(source, where + "no \"" + key + "\"");
        return {};
    }
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > most)
        refuse(source,
               where + "\"" + key + "\" must be a text of 1 to " + std::to_string(most) + " characters");
    return it->get<std::string>();
}

double milliseconds(const Json &latency, const char *key, const std::string &where, const std::string &source)
{
    const Json &value = latency.at(key);
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0 ||
        value.get<double>() > 3'600'000)
        refuse(source, where + "latency_ms." + key + " must be a number of milliseconds from 0 to 3600000");
    return value.get<double>();
}

SweepReference entryFrom(const Json &entry, std::size_t index, const std::string &source)
{
    const std::string where = "entry " + std::to_string(index + 1) + ": ";
    if (!entry.is_object())
        refuse(source, where + "not an object");
    for (const auto &[key, value] : entry.items())
        if (key != "tool" && key != "workload" && key != "command" && key != "clients" &&
            key != "throughput_rps" && key != "latency_ms")
            refuse(source, where + "unknown key \"" + key +
                               "\" (known: tool, workload, command, clients, throughput_rps, latency_ms)");
    SweepReference out;
    out.tool = text(entry, "tool", true, 64, where, source);
    out.workload = text(entry, "workload", false, 200, where, source);
    out.command = text(entry, "command", false, 2000, where, source);
    const auto clients = entry.find("clients");
    if (clients == entry.end() || !clients->is_number_integer() || clients->get<long long>() < 1 ||
        clients->get<long long>() > 10'000)
        refuse(source, where + "\"clients\" must be a whole number from 1 to 10000");
    out.clients = clients->get<int>();
    const auto rps = entry.find("throughput_rps");
    if (rps == entry.end() || !rps->is_number() || !std::isfinite(rps->get<double>()) ||
        rps->get<double>() <= 0 || rps->get<double>() > 1e9)
        refuse(source, where + "\"throughput_rps\" must be a number above 0 (requests per second measured)");
    out.throughputRps = rps->get<double>();
    if (const auto latency = entry.find("latency_ms"); latency != entry.end()) {
        if (!latency->is_object())
            refuse(source, where + "\"latency_ms\" must be an object of p50 and p99");
        for (const auto &[key, value] : latency->items())
            if (key != "p50" && key != "p99")
                refuse(source, where + "latency_ms has \"" + key + "\": only p50 and p99 are drawn");
        if (latency->contains("p50"))
            out.p50Ms = milliseconds(*latency, "p50", where, source);
        if (latency->contains("p99"))
            out.p99Ms = milliseconds(*latency, "p99", where, source);
        if (out.p50Ms && out.p99Ms && *out.p50Ms > *out.p99Ms)
            refuse(source, where + "latency_ms.p50 is above p99");
    }
    return out;
}

std::string number(const char *pattern, double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
}
} // namespace

std::string SweepReference::label() const
{
    return workload.empty() ? tool : tool + " " + workload;
}

std::string SweepReference::summary() const
{
    std::string out = label() + ", " + std::to_string(clients) + (clients == 1 ? " client: " : " clients: ") +
                      number("%.0f", throughputRps) + " req/s";
    if (p50Ms)
        out += ", p50 " + number("%.2f", *p50Ms) + " ms";
    if (p99Ms)
        out += ", p99 " + number("%.2f", *p99Ms) + " ms";
    return out;
}

std::vector<SweepReference> SweepReference::load(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InvalidInput("cannot read --reference '" + path +
                           "': check that the file exists and is readable");
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
}

std::vector<SweepReference> SweepReference::parse(const std::string &text, const std::string &source)
{
    Json document;
    try {
        document = Json::parse(text);
    } catch (const Json::exception &e) {
        refuse(source, std::string("not JSON (") + e.what() + ")");
    }
    if (!document.is_object() || !document.contains("references") || !document.at("references").is_array())
        refuse(source, "no \"references\" array");
    const Json &list = document.at("references");
    if (list.empty())
        refuse(source, "\"references\" is empty");
    if (list.size() > static_cast<std::size_t>(kMaxEntries))
        refuse(source, "more than " + std::to_string(kMaxEntries) + " entries");
    std::vector<SweepReference> out;
    for (std::size_t i = 0; i < list.size(); ++i)
        out.push_back(entryFrom(list.at(i), i, source));
    return out;
}

std::string SweepReference::toJson(const std::vector<SweepReference> &references)
{
    Json list = Json::array();
    for (const SweepReference &r : references) {
        Json entry{{"tool", r.tool}};
        if (!r.workload.empty())
            entry["workload"] = r.workload;
        if (!r.command.empty())
            entry["command"] = r.command;
        entry["clients"] = r.clients;
        entry["throughput_rps"] = r.throughputRps;
        Json latency = Json::object();
        if (r.p50Ms)
            latency["p50"] = *r.p50Ms;
        if (r.p99Ms)
            latency["p99"] = *r.p99Ms;
        if (!latency.empty())
            entry["latency_ms"] = latency;
        list.push_back(entry);
    }
    return Json{{"references", list}}.dump(2) + "\n";
}

} // namespace inv
