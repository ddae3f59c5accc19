#include "db/pgconnection.h"

#include "errors.h"

#include <cstring>

namespace inv {

namespace {
constexpr std::size_t kMaxPrepared = 64;

std::string trimmed(const char *message)
{
    std::string out = message ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}
} // namespace

PgConnection::PgConnection(std::string conninfo) : m_conninfo(std::move(conninfo))
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
      m_conn(std::move(other.m_conn)), m_prepared(std::move(other.m_prepared))
{}

PgConnection &PgConnection::operator=(PgConnection &&other)
{
    if (other.m_inTransaction || m_inTransaction)
        throw Error("a connection with an open transaction cannot be moved");
    m_conninfo = std::move(other.m_conninfo);
    m_conn = std::move(other.m_conn);
    m_prepared = std::move(other.m_prepared);
    return *this;
}

PgConnection::~PgConnection() = default;

void PgConnection::connect()
{
    m_conn.reset(PQconnectdb(m_conninfo.c_str()));
    if (!m_conn)
        throw DbError("out of memory while connecting to PostgreSQL", "08001");
    if (PQstatus(m_conn.get()) != CONNECTION_OK) {
        std::string message = trimmed(PQerrorMessage(m_conn.get()));
        m_conn.reset();
        throw DbError("cannot connect to PostgreSQL: " + message +
                          " (check --pg or INVENTORY_PG_URL, or start the sandbox with 'inventory-console "
                          "sandbox start')",
                      "08001");
    }
    m_prepared.clear();
    // Our messages are parsed by nobody, but keep the server quiet about notices.
    PQsetNoticeProcessor(
        m_conn.get(), [](void *, const char *) {}, nullptr);
    m_inTransaction = false;
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
    std::string statement(sql);
    auto prepared = m_prepared.find(statement);
    if (prepared == m_prepared.end() && m_prepared.size() < kMaxPrepared) {
        std::string name = std::to_string(m_prepared.size());
        name.insert(0, 1, 's');
        PGresult *made = PQprepare(m_conn.get(), name.c_str(), statement.c_str(),
                                   static_cast<int>(values.size()), nullptr);
        if (!made || PQresultStatus(made) != PGRES_COMMAND_OK)
            throwError(made, statement);
        PQclear(made);
        prepared = m_prepared.emplace(statement, std::move(name)).first;
    }
    PGresult *raw = prepared != m_prepared.end()
                        ? PQexecPrepared(m_conn.get(), prepared->second.c_str(),
                                         static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0)
                        : PQexecParams(m_conn.get(), statement.c_str(), static_cast<int>(values.size()),
                                       nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        throwError(raw, statement);
    return PgResult(raw);
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
        message = trimmed(PQerrorMessage(m_conn.get()));
    if (!isHealthy()) {
        m_inTransaction = false;
        if (sqlstate.empty())
            sqlstate = "08006";
        message = "lost the PostgreSQL connection: " + message;
    }
    (void)sql;
    throw DbError(message, sqlstate);
}

void PgConnection::execScript(const std::string &sql)
{
    if (!isHealthy())
        connect();
    PGresult *raw = PQexec(m_conn.get(), sql.c_str());
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        throwError(raw, sql);
    PQclear(raw);
}

void PgConnection::begin()
{
    exec("BEGIN");
    m_inTransaction = true;
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
    PGresult *r = PQexec(m_conn.get(), "ROLLBACK");
    PQclear(r);
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
