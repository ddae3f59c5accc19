#include "db/pgconnectionparameters.h"

#include "db/pgconnection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <optional>

namespace inv {

namespace {
// Defaults for what the conninfo leaves unset. A statement of this application takes milliseconds;
// one that runs for 15 s is stuck behind a lock or a hung server.
constexpr const char *kConnectTimeoutSeconds = "10";
constexpr const char *kKeepalivesIdleSeconds = "10";
constexpr const char *kKeepalivesIntervalSeconds = "5";
constexpr const char *kKeepalivesCount = "3";
constexpr const char *kTcpUserTimeoutMs = "30000";
constexpr long long kStatementTimeoutMs = 15000;
// The server enforces statement_timeout itself; the client waits this much longer before it gives
// up on a server that does not answer at all (stopped, or a network that drops packets silently).
constexpr long long kAnswerGraceMs = 5000;
constexpr long long kMaxStatementTimeoutMs = std::numeric_limits<int>::max();

// statement_timeout as PostgreSQL reads it: a number with an optional unit, milliseconds by default.
// Nothing if the text is not such a value.
std::optional<long long> parseStatementTimeout(const std::string &options)
{
    const std::string key = "statement_timeout";
    const auto at = options.rfind(key);
    if (at == std::string::npos)
        return std::nullopt;
    std::size_t i = at + key.size();
    while (i < options.size() && (options[i] == ' ' || options[i] == '='))
        ++i;
    char *end = nullptr;
    const long long value = std::strtoll(options.c_str() + i, &end, 10);
    if (end == options.c_str() + i)
        return std::nullopt;
    std::string unit;
    for (const char *u = end; *u && *u != ' '; ++u)
        unit += *u;
    long long unitMs = 0;
    if (unit.empty() || unit == "ms")
        unitMs = 1;
    else if (unit == "s")
        unitMs = 1000;
    else if (unit == "min")
        unitMs = 60'000;
    else if (unit == "h")
        unitMs = 3'600'000;
    else
        return std::nullopt;
    // The server holds the setting in an int of milliseconds and refuses a larger one; checked before
    // multiplying, so that a long run of digits cannot overflow here.
    if (value > kMaxStatementTimeoutMs / unitMs || value < -kMaxStatementTimeoutMs / unitMs)
        return std::nullopt;
    return value * unitMs;
}

} // namespace

PgConnectionParameters::List PgConnectionParameters::effective(const std::string &conninfo,
                                                               const std::string &schema)
{
    PgConnection::validateConninfo(conninfo);
    char *error = nullptr;
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), &error);
    PQfreemem(error);
    List out;
    for (PQconninfoOption *o = options; o && o->keyword; ++o) {
        if (o->val)
            out.emplace_back(o->keyword, o->val);
    }
    PQconninfoFree(options);

    auto has = [&](const char *keyword) {
        for (const auto &[key, value] : out)
            if (key == keyword)
                return true;
        return false;
    };
    auto setDefault = [&](const char *keyword, const char *environment, const char *value) {
        const char *fromEnvironment = environment ? std::getenv(environment) : nullptr;
        if (!has(keyword) && !(fromEnvironment && *fromEnvironment))
            out.emplace_back(keyword, value);
    };
    setDefault("connect_timeout", "PGCONNECT_TIMEOUT", kConnectTimeoutSeconds);
    setDefault("keepalives", nullptr, "1");
    setDefault("keepalives_idle", nullptr, kKeepalivesIdleSeconds);
    setDefault("keepalives_interval", nullptr, kKeepalivesIntervalSeconds);
    setDefault("keepalives_count", nullptr, kKeepalivesCount);
    setDefault("tcp_user_timeout", nullptr, kTcpUserTimeoutMs);

    // statement_timeout travels in 'options', which replaces PGOPTIONS: carry that over too.
    auto options_ =
        std::find_if(out.begin(), out.end(), [](const auto &kv) { return kv.first == "options"; });
    if (options_ == out.end()) {
        const char *fromEnvironment = std::getenv("PGOPTIONS");
        out.emplace_back("options", fromEnvironment ? fromEnvironment : "");
        options_ = std::prev(out.end());
    }
    if (options_->second.find("statement_timeout") == std::string::npos) {
        if (!options_->second.empty())
            options_->second += ' ';
        options_->second += "-c statement_timeout=" + std::to_string(kStatementTimeoutMs);
    }
    if (!schema.empty())
        options_->second += (options_->second.empty() ? "" : " ") + std::string("-c search_path=") + schema;
    return out;
}

std::chrono::milliseconds PgConnectionParameters::answerDeadline(const List &parameters)
{
    long long statementTimeout = kStatementTimeoutMs;
    for (const auto &[key, value] : parameters) {
        if (key == "options") {
            if (auto parsed = parseStatementTimeout(value))
                statementTimeout = *parsed;
        }
    }
    // statement_timeout=0 asks for statements without a bound; honour that on the client too.
    if (statementTimeout <= 0)
        return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(statementTimeout + kAnswerGraceMs);
}

PGconn *PgConnectionParameters::connect(const List &parameters)
{
    std::vector<const char *> keywords;
    std::vector<const char *> values;
    for (const auto &[key, value] : parameters) {
        keywords.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    return PQconnectdbParams(keywords.data(), values.data(), 0);
}

} // namespace inv
