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
constexpr long long kIdleInTransactionMs = 60000;
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
    // A lock wait ends as a lock timeout (55P03), not a generic statement timeout; a transaction a
    // client left open and idle ends within a minute. Behind a pooler each transaction sets both
    // itself (PgConnection::begin).
    if (options_->second.find("lock_timeout") == std::string::npos)
        options_->second +=
            " -c lock_timeout=" +
            std::to_string(parseStatementTimeout(options_->second).value_or(kStatementTimeoutMs));
    if (options_->second.find("idle_in_transaction_session_timeout") == std::string::npos)
        options_->second += " -c idle_in_transaction_session_timeout=" + std::to_string(kIdleInTransactionMs);
    if (!schema.empty())
        options_->second += (options_->second.empty() ? "" : " ") + std::string("-c search_path=") + schema;
    return out;
}

long long PgConnectionParameters::idleInTransactionMs()
{
    return kIdleInTransactionMs;
}

long long PgConnectionParameters::statementTimeoutMs(const List &parameters)
{
    long long statementTimeout = kStatementTimeoutMs;
    for (const auto &[key, value] : parameters) {
        if (key == "options") {
            if (auto parsed = parseStatementTimeout(value))
                statementTimeout = *parsed;
        }
    }
    return std::max(0LL, statementTimeout);
}

bool PgConnectionParameters::refusesOptions(const std::string &connectError)
{
    return connectError.find("unsupported startup parameter") != std::string::npos;
}

PgConnectionParameters::List PgConnectionParameters::withoutOptions(List parameters)
{
    parameters.erase(std::remove_if(parameters.begin(), parameters.end(),
                                    [](const auto &kv) { return kv.first == "options"; }),
                     parameters.end());
    return parameters;
}

std::chrono::milliseconds PgConnectionParameters::answerDeadline(const List &parameters)
{
    const long long statementTimeout = statementTimeoutMs(parameters);
    // statement_timeout=0 asks for statements without a bound; honour that on the client too.
    if (statementTimeout <= 0)
        return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(statementTimeout + kAnswerGraceMs);
}

DbError PgConnectionParameters::connectFailure(const std::string &reason)
{
    // libpq checks these values before it connects: the text is wrong, not the server.
    const bool badValue =
        reason.find("invalid ") != std::string::npos &&
        (reason.find(" value") != std::string::npos || reason.find("port number") != std::string::npos);
    if (badValue && reason.find("connection to server") == std::string::npos)
        throw InvalidInput("invalid PostgreSQL connection string: " + reason +
                           "; fix the value in --pg or INVENTORY_PG_URL");
    std::string hint =
        " (check --pg or INVENTORY_PG_URL and that the server is up and answering, or start the "
        "sandbox with 'inventory-console sandbox start')";
    if (reason.find("certificate verify failed") != std::string::npos)
        hint = ". The server's certificate is not signed by a CA this client trusts: give the CA's "
               "certificate with sslrootcert=FILE in the connection string (without it libpq reads "
               "~/.postgresql/root.crt), or sslmode=require to encrypt without checking the server";
    else if (reason.find("does not match host name") != std::string::npos)
        hint = ". The server's certificate names another host: connect by a name the certificate lists "
               "(sslmode=verify-full checks it), or use sslmode=verify-ca to check only the CA";
    else if (reason.find("no more connections allowed") != std::string::npos ||
             reason.find("too many clients already") != std::string::npos ||
             reason.find("too many connections") != std::string::npos)
        hint = ". The server, or the pooler in front of it, takes no more connections: close other "
               "clients, or raise its limit (PostgreSQL's max_connections or the role's CONNECTION "
               "LIMIT; PgBouncer's max_client_conn). A simulation opens about servers x (connections + "
               "2) of its own: lower --servers or --connections to fit";
    else if (reason.find("no password supplied") != std::string::npos)
        hint = ". The server asks for a password and none was given: put it in the URL "
               "(postgresql://user:PASSWORD@host/db), in PGPASSWORD, or in ~/.pgpass (or the file PGPASSFILE "
               "names), or enter it in the console's Connect dialog";
    return DbError("cannot connect to PostgreSQL: " + reason + hint, "08001");
}

std::chrono::milliseconds PgConnectionParameters::connectTimeout(const List &parameters)
{
    const char *text = std::getenv("PGCONNECT_TIMEOUT");
    for (const auto &[key, value] : parameters)
        if (key == "connect_timeout")
            text = value.c_str();
    const long seconds = text ? std::strtol(text, nullptr, 10) : 0;
    if (seconds <= 0)
        return std::chrono::milliseconds(0);
    return std::chrono::seconds(std::max(seconds, 2L));
}

namespace {
template <typename Connect>
PGconn *withArrays(const PgConnectionParameters::List &parameters, Connect connect)
{
    std::vector<const char *> keywords;
    std::vector<const char *> values;
    for (const auto &[key, value] : parameters) {
        keywords.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    return connect(keywords.data(), values.data());
}
} // namespace

PGconn *PgConnectionParameters::connect(const List &parameters)
{
    return withArrays(parameters, [](const char *const *keywords, const char *const *values) {
        return PQconnectdbParams(keywords, values, 0);
    });
}

PGconn *PgConnectionParameters::connectStart(const List &parameters)
{
    return withArrays(parameters, [](const char *const *keywords, const char *const *values) {
        return PQconnectStartParams(keywords, values, 0);
    });
}

} // namespace inv
