#include "loop/asyncpgconnection.h"

#include "db/pgconnectionparameters.h"
#include "db/pgwait.h"
#include "db/sqlschema.h"

namespace inv {

namespace {
constexpr timeval kDeadlineCheck{0, 50 * 1000};

std::string trimmed(const char *text)
{
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

std::string statementName(std::size_t index)
{
    return "loop" + std::to_string(index);
}
} // namespace

AsyncPgConnection::AsyncPgConnection(EventLoop &loop, std::string conninfo, std::string schema,
                                     std::vector<std::string> statements)
    : m_loop(loop), m_conninfo(std::move(conninfo)), m_schema(std::move(schema)),
      m_statements(std::move(statements))
{
    // A simulation's statements name its schema: no startup option decides where they write.
    for (auto &statement : m_statements)
        statement = SqlSchema::qualify(statement, m_schema);
}

PgConnectionParameters::List AsyncPgConnection::parameters()
{
    auto parameters = PgConnectionParameters::effective(m_conninfo, m_schema);
    m_answerDeadline = PgConnectionParameters::answerDeadline(parameters);
    return m_pooled ? PgConnectionParameters::withoutOptions(std::move(parameters)) : parameters;
}

AsyncPgConnection::~AsyncPgConnection()
{
    m_connectEvent.reset();
    if (m_connecting)
        PQfinish(m_connecting);
    m_read.reset();
    m_write.reset();
    m_timer.reset();
    if (m_conn)
        PQfinish(m_conn);
}

void AsyncPgConnection::open()
{
    // Whether a pooler stands in between, as a blocking connection finds out; kept for reconnects.
    m_pooled = PgConnection::pooledEndpoint(m_conninfo);
    PGconn *conn = PgConnectionParameters::connect(parameters());
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        const std::string reason = conn ? trimmed(PQerrorMessage(conn)) : "out of memory";
        PQfinish(conn);
        throw PgConnectionParameters::connectFailure(reason);
    }
    auto refuse = [&](const std::string &what) {
        const std::string reason = trimmed(PQerrorMessage(conn));
        PQfinish(conn);
        throw DbError(what + ": " + reason, "08001");
    };
    if (m_pooled) {
        try {
            pgwait::serverConnectionWithin(conn, pgwait::kPoolWait);
        } catch (const DbError &) {
            PQfinish(conn);
            throw;
        }
    }
    PQsetNoticeProcessor(
        conn, [](void *, const char *) {}, nullptr);
    for (std::size_t i = 0; i < m_statements.size() && !m_pooled; ++i) {
        PGresult *prepared = PQprepare(conn, statementName(i).c_str(), m_statements[i].c_str(), 0, nullptr);
        const bool ok = PQresultStatus(prepared) == PGRES_COMMAND_OK;
        PQclear(prepared);
        if (!ok)
            refuse("cannot prepare the event loop's statements");
    }
    if (PQsetnonblocking(conn, 1) != 0 || PQenterPipelineMode(conn) != 1)
        refuse("cannot enter pipeline mode");
    attach(conn);
}

void AsyncPgConnection::attach(PGconn *conn)
{
    m_downWhy.clear();
    m_conn = conn;
    m_read.reset(
        event_new(m_loop.base(), PQsocket(m_conn), EV_READ | EV_PERSIST, &AsyncPgConnection::onSocket, this));
    m_write.reset(event_new(m_loop.base(), PQsocket(m_conn), EV_WRITE, &AsyncPgConnection::onSocket, this));
    m_timer.reset(event_new(m_loop.base(), -1, EV_PERSIST, &AsyncPgConnection::onTimer, this));
    event_add(m_read.get(), nullptr);
    if (m_answerDeadline.count() > 0)
        event_add(m_timer.get(), &kDeadlineCheck);
}

void AsyncPgConnection::reconnect()
{
    if (m_conn || m_connecting)
        return;
    PgConnectionParameters::List parameters;
    try {
        parameters = this->parameters();
    } catch (const Error &e) {
        m_downWhy = e.what();
        return;
    }
    const auto timeout = PgConnectionParameters::connectTimeout(parameters);
    m_connectDeadline = timeout.count() > 0 ? std::chrono::steady_clock::now() + timeout
                                            : std::chrono::steady_clock::time_point::max();
    m_connecting = PgConnectionParameters::connectStart(parameters);
    if (!m_connecting) {
        m_downWhy = "cannot connect to PostgreSQL: out of memory";
        return;
    }
    if (PQstatus(m_connecting) == CONNECTION_BAD) {
        connectFailed(trimmed(PQerrorMessage(m_connecting)));
        return;
    }
    // As libpq asks: after PQconnectStart, wait as if PQconnectPoll had said "writing".
    pollConnect(PGRES_POLLING_WRITING);
}

void AsyncPgConnection::pollConnect(PostgresPollingStatusType wants)
{
    m_connectEvent.reset();
    if (wants == PGRES_POLLING_FAILED) {
        connectFailed(trimmed(PQerrorMessage(m_connecting)));
        return;
    }
    if (wants == PGRES_POLLING_OK) {
        PGconn *conn = m_connecting;
        m_connecting = nullptr;
        PQsetNoticeProcessor(
            conn, [](void *, const char *) {}, nullptr);
        if (PQsetnonblocking(conn, 1) != 0 || PQenterPipelineMode(conn) != 1) {
            m_connecting = conn;
            connectFailed("cannot enter pipeline mode: " + trimmed(PQerrorMessage(conn)));
            return;
        }
        attach(conn);
        // Prepared ahead of anything sent: the pipeline keeps the order.
        for (std::size_t i = 0; i < m_statements.size() && m_conn && !m_pooled; ++i) {
            if (PQsendPrepare(m_conn, statementName(i).c_str(), m_statements[i].c_str(), 0, nullptr) != 1 ||
                PQpipelineSync(m_conn) != 1) {
                fail("cannot prepare the event loop's statements: " + trimmed(PQerrorMessage(m_conn)));
                return;
            }
            ++m_preparing;
            m_pending.push_back(Pending{[this](Answer answer) {
                                            if (m_preparing > 0)
                                                --m_preparing;
                                            if (answer.error && m_conn)
                                                fail("cannot prepare the event loop's statements: " +
                                                     std::string(answer.error->what()));
                                        },
                                        std::chrono::steady_clock::now(),
                                        {},
                                        false});
        }
        if (!m_conn)
            return;
        flush();
        if (m_conn && m_opened)
            m_opened();
        return;
    }
    const auto left = m_connectDeadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
        connectFailed("no answer within connect_timeout");
        return;
    }
    const short events = wants == PGRES_POLLING_READING ? EV_READ : EV_WRITE;
    // The socket may change from one step to the next (another host, another address).
    m_connectEvent.reset(
        event_new(m_loop.base(), PQsocket(m_connecting), events, &AsyncPgConnection::onConnecting, this));
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
    const timeval wait{static_cast<time_t>(std::min<long long>(micros / 1'000'000, 86'400)),
                       static_cast<suseconds_t>(micros % 1'000'000)};
    event_add(m_connectEvent.get(), &wait);
}

void AsyncPgConnection::onConnecting(evutil_socket_t, short what, void *self)
{
    auto *connection = static_cast<AsyncPgConnection *>(self);
    if (what & EV_TIMEOUT) {
        connection->connectFailed("no answer within connect_timeout");
        return;
    }
    connection->pollConnect(PQconnectPoll(connection->m_connecting));
}

void AsyncPgConnection::connectFailed(const std::string &why)
{
    m_connectEvent.reset();
    if (m_connecting)
        PQfinish(m_connecting);
    m_connecting = nullptr;
    // Worded as a blocking connection words it; a value libpq refuses is said as it is.
    try {
        m_downWhy = PgConnectionParameters::connectFailure(why).what();
    } catch (const InvalidInput &bad) {
        m_downWhy = bad.what();
    }
}

bool AsyncPgConnection::send(int statement, const std::vector<PgParam> &params, Callback done)
{
    if (!m_conn)
        return false;
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const auto &p : params)
        values.push_back(p ? p->c_str() : nullptr);
    // Behind a pooler a named statement may not exist on the server session this one runs on.
    const auto index = static_cast<std::size_t>(statement);
    const int sent =
        m_pooled ? PQsendQueryParams(m_conn, m_statements[index].c_str(), static_cast<int>(values.size()),
                                     nullptr, values.data(), nullptr, nullptr, 0)
                 : PQsendQueryPrepared(m_conn, statementName(index).c_str(), static_cast<int>(values.size()),
                                       values.data(), nullptr, nullptr, 0);
    if (sent != 1 || PQpipelineSync(m_conn) != 1) {
        // The statement may be half sent: it is in flight like the others, and answered by fail().
        m_pending.push_back(Pending{std::move(done), std::chrono::steady_clock::now(), {}, false});
        fail("cannot send to PostgreSQL: " + trimmed(PQerrorMessage(m_conn)));
        return true;
    }
    m_pending.push_back(Pending{std::move(done), std::chrono::steady_clock::now(), {}, false});
    flush();
    return true;
}

void AsyncPgConnection::flush()
{
    const int left = PQflush(m_conn);
    if (left < 0)
        fail("PostgreSQL connection failed while sending: " + trimmed(PQerrorMessage(m_conn)));
    else if (left > 0)
        event_add(m_write.get(), nullptr);
}

void AsyncPgConnection::onSocket(evutil_socket_t, short what, void *self)
{
    auto *connection = static_cast<AsyncPgConnection *>(self);
    if (what & EV_WRITE) {
        connection->flush();
        if (!connection->m_conn)
            return;
    }
    if (what & EV_READ) {
        if (PQconsumeInput(connection->m_conn) != 1) {
            connection->fail("PostgreSQL connection failed: " + trimmed(PQerrorMessage(connection->m_conn)));
            return;
        }
        connection->readAnswers();
    }
}

void AsyncPgConnection::readAnswers()
{
    // Per statement: its result, a null that ends it, then the Sync's PGRES_PIPELINE_SYNC.
    int nulls = 0;
    while (m_conn && !m_pending.empty() && !PQisBusy(m_conn)) {
        PGresult *raw = PQgetResult(m_conn);
        if (!raw) {
            if (++nulls > 1)
                break;
            continue;
        }
        nulls = 0;
        Pending &front = m_pending.front();
        switch (PQresultStatus(raw)) {
        case PGRES_PIPELINE_SYNC: {
            PQclear(raw);
            Pending done = std::move(front);
            m_pending.pop_front();
            if (!done.answered)
                done.answer.error = DbError("PostgreSQL ended a statement without an answer", "08006");
            done.done(std::move(done.answer));
            break;
        }
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
            front.answer.result = PgResult(raw);
            front.answered = true;
            break;
        default: {
            const char *state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
            front.answer.error = DbError(trimmed(PQresultErrorMessage(raw)), state ? state : "08006");
            front.answered = true;
            PQclear(raw);
            break;
        }
        }
    }
    if (m_conn && PQstatus(m_conn) == CONNECTION_BAD)
        fail("PostgreSQL closed the connection: " + trimmed(PQerrorMessage(m_conn)));
}

void AsyncPgConnection::onTimer(evutil_socket_t, short, void *self)
{
    auto *connection = static_cast<AsyncPgConnection *>(self);
    if (connection->m_pending.empty())
        return;
    const auto waited = std::chrono::steady_clock::now() - connection->m_pending.front().sentAt;
    if (waited > connection->m_answerDeadline)
        connection->fail("PostgreSQL did not answer within " +
                         std::to_string(connection->m_answerDeadline.count()) +
                         " ms; the connection was dropped");
}

void AsyncPgConnection::fail(const std::string &why)
{
    m_downWhy = why;
    m_read.reset();
    m_write.reset();
    m_timer.reset();
    if (m_conn)
        PQfinish(m_conn);
    m_conn = nullptr;
    std::deque<Pending> pending;
    pending.swap(m_pending);
    m_preparing = 0;
    for (auto &p : pending) {
        // A statement the server answered with its own error keeps it (57P01 for a terminated backend).
        if (!p.answered || !p.answer.error)
            p.answer = Answer{PgResult(), DbError(why, "08006")};
        p.done(std::move(p.answer));
    }
}

} // namespace inv
