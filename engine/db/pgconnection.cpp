#include "db/pgconnection.h"

#include "db/pgconnectionparameters.h"
#include "db/pgwait.h"
#include "db/sqlschema.h"

#include "errors.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>

#include <poll.h>

namespace inv {

namespace {
constexpr std::size_t kMaxPrepared = 64;

// Whether a pooler stands in front of an address, as the first connection to it found out.
std::mutex g_endpointsMutex;
std::map<std::string, bool> g_pooledEndpoints; // guarded by g_endpointsMutex

using Clock = std::chrono::steady_clock;

std::string trimmed(const char *message)
{
    std::string out = message ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}
} // namespace

PgConnection::PgConnection(std::string conninfo, std::string schema)
    : m_conninfo(std::move(conninfo)), m_schema(std::move(schema))
{
    connect();
}

namespace {
PgConnection &&refuseOpenTransaction(PgConnection &&c)
{
    if (c.inTransaction())
        throw Error("a connection with an open transaction cannot be moved");
    return std::move(c);
}
} // namespace

PgConnection::PgConnection(PgConnection &&other)
    : m_conninfo(std::move(refuseOpenTransaction(std::move(other)).m_conninfo)),
      m_schema(std::move(other.m_schema)), m_answerDeadline(other.m_answerDeadline),
      m_conn(std::move(other.m_conn)), m_prepared(std::move(other.m_prepared)),
      m_qualified(std::move(other.m_qualified)), m_statementTimeoutMs(other.m_statementTimeoutMs),
      m_pooled(other.m_pooled)
{}

PgConnection &PgConnection::operator=(PgConnection &&other)
{
    if (other.m_inTransaction || m_inTransaction)
        throw Error("a connection with an open transaction cannot be moved");
    m_conninfo = std::move(other.m_conninfo);
    m_schema = std::move(other.m_schema);
    m_answerDeadline = other.m_answerDeadline;
    m_conn = std::move(other.m_conn);
    m_prepared = std::move(other.m_prepared);
    m_qualified = std::move(other.m_qualified);
    m_statementTimeoutMs = other.m_statementTimeoutMs;
    m_pooled = other.m_pooled;
    return *this;
}

PgConnection::~PgConnection() = default;

void PgConnection::connect()
{
    m_conn.reset();
    m_prepared.clear();
    m_inTransaction = false;
    const auto parameters = PgConnectionParameters::effective(m_conninfo, m_schema);
    m_answerDeadline = PgConnectionParameters::answerDeadline(parameters);
    m_statementTimeoutMs = PgConnectionParameters::statementTimeoutMs(parameters);
    // The first connection to an address finds out whether a pooler stands in front; the others
    // take its answer.
    const std::optional<bool> known = knownPooled(m_conninfo);
    m_pooled = known.value_or(false);
    // connect_timeout bounds this call, including a server that accepts and then never answers.
    m_conn.reset(PgConnectionParameters::connect(m_pooled ? PgConnectionParameters::withoutOptions(parameters)
                                                          : parameters));
    if (!m_pooled && m_conn && PQstatus(m_conn.get()) != CONNECTION_OK &&
        PgConnectionParameters::refusesOptions(trimmed(PQerrorMessage(m_conn.get())))) {
        // A pooler (PgBouncer) that does not take startup options: every setting goes per transaction.
        m_pooled = true;
        m_conn.reset(PgConnectionParameters::connect(PgConnectionParameters::withoutOptions(parameters)));
    }
    if (!m_conn)
        throw DbError("out of memory while connecting to PostgreSQL", "08001");
    if (PQstatus(m_conn.get()) != CONNECTION_OK) {
        std::string message = trimmed(PQerrorMessage(m_conn.get()));
        m_conn.reset();
        throw PgConnectionParameters::connectFailure(message);
    }
    // Sends never block either: a full socket buffer is waited for within the deadline.
    PQsetnonblocking(m_conn.get(), 1);
    // Our messages are parsed by nobody, but keep the server quiet about notices.
    PQsetNoticeProcessor(
        m_conn.get(), [](void *, const char *) {}, nullptr);
    m_inTransaction = false;
    if (!known) {
        // The first statement of a connection through a session pooler waits for a server
        // connection: bounded as a pooled connection's is (pgwait::kPoolWait), and said so.
        const auto deadline = m_answerDeadline;
        if (deadline.count() > 0)
            m_answerDeadline = std::min<std::chrono::milliseconds>(deadline, pgwait::kPoolWait);
        m_firstStatement = true;
        bool applied = true;
        try {
            applied = m_pooled || optionsApplied();
        } catch (...) {
            m_answerDeadline = deadline;
            m_firstStatement = false;
            throw;
        }
        m_answerDeadline = deadline;
        m_firstStatement = false;
        if (!applied)
            m_pooled = true;
        std::lock_guard lock(g_endpointsMutex);
        g_pooledEndpoints[m_conninfo] = m_pooled;
    }
    if (m_pooled) {
        try {
            pgwait::serverConnectionWithin(m_conn.get(), pgwait::kPoolWait);
        } catch (const DbError &) {
            m_conn.reset();
            throw;
        }
    }
}

bool PgConnection::optionsApplied()
{
    // PgBouncer with ignore_startup_parameters = options takes them and drops them: ask the session
    // where its statement_timeout, which the options always carry, came from.
    const char *sql = "SELECT source FROM pg_settings WHERE name = 'statement_timeout'";
    PGresult *raw =
        awaitResult(PQsendQueryParams(m_conn.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 0));
    if (!raw || PQresultStatus(raw) != PGRES_TUPLES_OK || PQntuples(raw) != 1)
        throwError(raw, sql);
    return PgResult(raw).text(0, 0) == "client";
}

std::optional<bool> PgConnection::knownPooled(const std::string &conninfo)
{
    std::lock_guard lock(g_endpointsMutex);
    const auto found = g_pooledEndpoints.find(conninfo);
    return found == g_pooledEndpoints.end() ? std::nullopt : std::optional<bool>(found->second);
}

bool PgConnection::pooledEndpoint(const std::string &conninfo)
{
    if (const auto known = knownPooled(conninfo))
        return *known;
    return PgConnection(conninfo).pooled();
}

const std::string &PgConnection::statementFor(std::string_view sql)
{
    std::string text(sql);
    auto found = m_qualified.find(text);
    if (found == m_qualified.end()) {
        if (m_qualified.size() >= 4 * kMaxPrepared)
            m_qualified.clear();
        std::string qualified = SqlSchema::qualify(sql, m_schema);
        found = m_qualified.emplace(std::move(text), std::move(qualified)).first;
    }
    return found->second;
}

void PgConnection::validateConninfo(const std::string &conninfo)
{
    char *error = nullptr;
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), &error);
    if (options) {
        PQconninfoFree(options);
        return;
    }
    std::string reason = error ? trimmed(error) : "out of memory";
    PQfreemem(error);
    throw InvalidInput("invalid PostgreSQL connection string: " + reason +
                       "; give a libpq string such as 'host=127.0.0.1 port=5432 dbname=inventory' or a URI "
                       "such as postgresql://user@127.0.0.1:5432/inventory");
}

bool PgConnection::isHealthy() const
{
    return m_conn && PQstatus(m_conn.get()) == CONNECTION_OK;
}

void PgConnection::reconnect()
{
    connect();
}

std::string PgConnection::serverVersion() const
{
    if (!m_conn)
        return {};
    int v = PQserverVersion(m_conn.get());
    return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}

PgResult PgConnection::exec(std::string_view sql, const std::vector<PgParam> &params)
{
    if (!isHealthy()) {
        if (m_inTransaction) {
            m_inTransaction = false;
            throw DbError("the PostgreSQL connection was lost inside a transaction; it was rolled back",
                          "08006");
        }
        connect();
    }
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const auto &p : params)
        values.push_back(p ? p->c_str() : nullptr);
    const std::string statement = m_schema.empty() ? std::string(sql) : statementFor(sql);
    // Behind a pooler a named statement may not exist on the server session the next one runs on.
    auto prepared = m_prepared.find(statement);
    if (!m_pooled && prepared == m_prepared.end() && m_prepared.size() < kMaxPrepared) {
        std::string name = std::to_string(m_prepared.size());
        name.insert(0, 1, 's');
        PGresult *made = awaitResult(PQsendPrepare(m_conn.get(), name.c_str(), statement.c_str(),
                                                   static_cast<int>(values.size()), nullptr));
        if (!made || PQresultStatus(made) != PGRES_COMMAND_OK)
            throwError(made, statement);
        PQclear(made);
        prepared = m_prepared.emplace(statement, std::move(name)).first;
    }
    PGresult *raw = awaitResult(
        prepared != m_prepared.end()
            ? PQsendQueryPrepared(m_conn.get(), prepared->second.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0)
            : PQsendQueryParams(m_conn.get(), statement.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0));
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        throwError(raw, statement);
    return PgResult(raw);
}

PgResult PgConnection::execIdempotent(std::string_view sql, const std::vector<PgParam> &params)
{
    if (m_inTransaction)
        return exec(sql, params);
    for (int attempt = 1;; ++attempt) {
        try {
            return exec(sql, params);
        } catch (const DbTimeout &) {
            throw;
        } catch (const DbError &e) {
            if (attempt == kReadAttempts || !e.sessionEnded())
                throw;
        }
        connect();
    }
}

PGresult *PgConnection::awaitResult(int sent)
{
    PGconn *c = m_conn.get();
    if (!sent)
        return nullptr; // PQerrorMessage says why
    const auto start = Clock::now();
    const auto deadline = m_answerDeadline.count() > 0 ? start + m_answerDeadline : Clock::time_point::max();
    for (;;) {
        const int flushed = PQflush(c);
        if (flushed == 0)
            break;
        if (flushed < 0)
            return nullptr;
        if (!pgwait::socket(PQsocket(c), POLLIN | POLLOUT, deadline))
            abandon(Clock::now() - start);
        // The server may be waiting for us to read before it reads more.
        if (!PQconsumeInput(c))
            return nullptr;
    }
    PGresult *last = nullptr;
    for (;;) {
        while (PQisBusy(c) && PQsocket(c) >= 0) {
            if (!pgwait::socket(PQsocket(c), POLLIN, deadline)) {
                PQclear(last);
                abandon(Clock::now() - start);
            }
            if (!PQconsumeInput(c))
                break; // PQgetResult reports the broken connection without waiting
        }
        PGresult *result = PQgetResult(c);
        if (!result)
            break;
        // As PQexec: the last result wins, and a lost connection ends the wait.
        PQclear(last);
        last = result;
        if (PQstatus(c) == CONNECTION_BAD)
            break;
    }
    return last;
}

void PgConnection::abandon(Clock::duration waited)
{
    const long long seconds = std::chrono::duration_cast<std::chrono::seconds>(waited).count();
    std::string where;
    if (m_conn) {
        const char *host = PQhost(m_conn.get());
        const char *port = PQport(m_conn.get());
        where = std::string(" at ") + (host ? host : "?") + ":" + (port ? port : "?");
    }
    // The session's state is unknown: drop it. A transaction left open dies with the session; the
    // flag stays set so that the next statement reports the lost transaction instead of running
    // outside it (exec), and rollback() just clears it.
    m_conn.reset();
    m_prepared.clear();
    const std::string pool =
        m_pooled || m_firstStatement
            ? std::string(m_pooled ? " Through a pooler"
                                   : " If a pooler such as PgBouncer stands in front,") +
                  " a full pool looks the same: a client waits for a server connection (PgBouncer's "
                  "default_pool_size); give the pool at least as many connections as the run opens, or use "
                  "fewer --servers or --connections."
            : "";
    // m_pooled stays as it was: the next connect() finds out again.
    throw DbTimeout("PostgreSQL" + where + " did not answer within " + std::to_string(seconds) +
                    " s; the connection was dropped. The server may be hung or overloaded, or the network "
                    "down: check the server and its log, then try again." +
                    pool);
}

void PgConnection::throwError(PGresult *raw, std::string_view sql)
{
    PgResult holder(raw); // frees the result on the way out
    std::string sqlstate;
    std::string message;
    if (raw) {
        const char *state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
        sqlstate = state ? state : "";
        message = trimmed(PQresultErrorMessage(raw));
    }
    if (message.empty())
        message = m_conn ? trimmed(PQerrorMessage(m_conn.get())) : std::string("no connection");
    if (!isHealthy()) {
        m_inTransaction = false;
        if (sqlstate.empty())
            sqlstate = "08006";
        message = "lost the PostgreSQL connection: " + message;
    }
    (void)sql;
    if (sqlstate == "25006" && m_conn) {
        const char *host = PQhost(m_conn.get());
        const char *port = PQport(m_conn.get());
        message +=
            "\nPostgreSQL at " + std::string(host ? host : "?") + ":" + (port ? port : "?") +
            " is a read-only standby (or its transactions are read-only): give the primary, or list "
            "every host with target_session_attrs=read-write "
            "(postgresql://host1,host2/inventory?target_session_attrs=read-write) so that libpq finds it";
    }
    throw DbError(message, sqlstate);
}

void PgConnection::execScript(const std::string &sql)
{
    if (!isHealthy())
        connect();
    PGresult *raw = awaitResult(PQsendQuery(m_conn.get(), sql.c_str()));
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        throwError(raw, sql);
    PQclear(raw);
}

void PgConnection::begin()
{
    exec("BEGIN");
    m_inTransaction = true;
    if (!m_pooled)
        return;
    // The startup options did not reach the session: the transaction sets them for itself.
    std::string sql =
        "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $1, true), "
        "set_config('idle_in_transaction_session_timeout', $2, true)";
    std::vector<PgParam> params{std::to_string(m_statementTimeoutMs),
                                std::to_string(PgConnectionParameters::idleInTransactionMs())};
    if (!m_schema.empty()) {
        sql += ", set_config('search_path', $3, true)";
        params.emplace_back(m_schema);
    }
    exec(sql, params);
}

void PgConnection::commit()
{
    // exec() would quietly reconnect and commit nothing; a lost transaction must be reported instead.
    if (!isHealthy()) {
        m_inTransaction = false;
        throw DbError("lost the PostgreSQL connection before COMMIT; the transaction was rolled back",
                      "08006");
    }
    try {
        exec("COMMIT");
    } catch (...) {
        m_inTransaction = false;
        throw;
    }
    m_inTransaction = false;
}

void PgConnection::rollback() noexcept
{
    m_inTransaction = false;
    if (!isHealthy())
        return;
    try {
        PQclear(awaitResult(PQsendQuery(m_conn.get(), "ROLLBACK")));
    } catch (const Error &) {
        // A server that does not answer has been dropped, and the transaction with it.
    }
}

PgTransaction::PgTransaction(PgConnection &connection) : m_connection(connection)
{
    m_connection.begin();
}

PgTransaction::~PgTransaction()
{
    if (!m_done)
        m_connection.rollback();
}

void PgTransaction::commit()
{
    m_done = true;
    m_connection.commit();
}

} // namespace inv
