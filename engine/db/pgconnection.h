// One PostgreSQL connection, owned through RAII. Statements are always parameterized. Errors become
// DbError with the SQLSTATE; a broken connection is reset on the next use. A connection is used by
// one thread at a time (the pool enforces this); it cannot be moved while a transaction is open.
// Every call is bounded in time, so that a hung server cannot freeze the calling thread: connecting
// by connect_timeout, a dead peer by TCP keepalives and tcp_user_timeout, a statement by the
// server's statement_timeout and, should the server not answer at all, by a client-side deadline
// after which the connection is dropped (DbTimeout). Settings given in the conninfo win.
#pragma once

#include "db/pgresult.h"

#include <libpq-fe.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace inv {

// A statement parameter: text, or SQL NULL.
using PgParam = std::optional<std::string>;

class PgConnection
{
public:
    // A non-empty schema is the connection's search_path (a simulation run's own schema, say).
    explicit PgConnection(std::string conninfo, std::string schema = {});
    PgConnection(PgConnection &&other);
    PgConnection &operator=(PgConnection &&other);
    PgConnection(const PgConnection &) = delete;
    PgConnection &operator=(const PgConnection &) = delete;
    ~PgConnection();

    // Runs one statement, prepared on this connection the first time it is seen. Reconnects first
    // if the connection broke since the last call.
    PgResult exec(std::string_view sql, const std::vector<PgParam> &params = {});
    // exec() for a statement that may safely run twice (a read, or an upsert whose second run changes
    // nothing more), outside a transaction: when the connection turns out to be dead (the server ended the
    // backend, a restart), it is run again on a new one, up to kReadAttempts in all. A timeout is not
    // retried: the server may be hung, and the caller has waited long enough.
    static constexpr int kReadAttempts = 3;
    PgResult execIdempotent(std::string_view sql, const std::vector<PgParam> &params = {});
    // Runs several statements with no parameters (migrations). Never use with user input.
    void execScript(const std::string &sql);
    void begin();
    void commit();
    // Never throws: rollback is called on error paths.
    void rollback() noexcept;
    bool inTransaction() const { return m_inTransaction; }

    bool isHealthy() const;
    // Throws InvalidInput if libpq cannot parse the connection string or URI.
    static void validateConninfo(const std::string &conninfo);
    // Drops and re-establishes the connection. Throws DbError if the server is unreachable.
    void reconnect();
    std::string serverVersion() const;
    // How long a statement may wait for the server before the connection is dropped; zero means no
    // client-side bound (only when the conninfo sets statement_timeout=0 itself).
    std::chrono::milliseconds answerDeadline() const { return m_answerDeadline; }
    // True when a pooler stands between us and PostgreSQL and refused or dropped the startup
    // options: statements are then sent unnamed (the next transaction may run on another server
    // session) and each transaction sets its own statement_timeout and search_path (SET LOCAL).
    bool pooled() const { return m_pooled; }
    // Whether a pooler stands in front of `conninfo`: what a connection to it found out, or a new
    // connection's answer the first time. Any thread.
    static bool pooledEndpoint(const std::string &conninfo);

private:
    struct Deleter
    {
        void operator()(PGconn *c) const { PQfinish(c); }
    };
    void connect();
    [[noreturn]] void throwError(PGresult *result, std::string_view sql);
    // Waits, within the deadline, for the answer to what was just sent; returns the last result
    // (nullptr if the connection failed). On timeout, drops the connection and throws DbTimeout.
    PGresult *awaitResult(int sent);
    [[noreturn]] void abandon(std::chrono::steady_clock::duration waited);
    // Whether the session took the startup options (a pooler may drop them); one round trip.
    bool optionsApplied();
    static std::optional<bool> knownPooled(const std::string &conninfo);
    // The statement as sent: naming the schema's tables when the connection has one.
    const std::string &statementFor(std::string_view sql);

    std::string m_conninfo;
    std::string m_schema;
    std::chrono::milliseconds m_answerDeadline{0};
    std::unique_ptr<PGconn, Deleter> m_conn;
    // Statements this connection has prepared, by SQL text: the hot statements are parsed and
    // planned once per connection instead of once per call.
    std::unordered_map<std::string, std::string> m_prepared;
    // Statements with the schema named, by SQL text.
    std::unordered_map<std::string, std::string> m_qualified;
    long long m_statementTimeoutMs = 0;
    bool m_pooled = false;
    // Set while the first statement to an address runs: whether a pooler stands in front is not known yet.
    bool m_firstStatement = false;
    bool m_inTransaction = false;
};

// Rolls back on scope exit unless commit() was called.
class PgTransaction
{
public:
    explicit PgTransaction(PgConnection &connection);
    ~PgTransaction();
    PgTransaction(const PgTransaction &) = delete;
    PgTransaction &operator=(const PgTransaction &) = delete;
    void commit();

private:
    PgConnection &m_connection;
    bool m_done = false;
};

} // namespace inv
