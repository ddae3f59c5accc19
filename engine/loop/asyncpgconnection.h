// One PostgreSQL connection in libpq's pipeline mode, driven by an EventLoop. send() queues a
// prepared statement and a Sync (each statement is its own transaction) without waiting; several
// statements are in flight at once, and each answer comes back through its callback, in order. When
// the connection fails, or the server does not answer within the answer deadline (a paused
// server), the connection is closed and every statement in flight is answered with a DbError whose
// sessionEnded() is true: whether it committed is unknown. reconnect() opens a new connection without
// blocking the loop: the socket's events drive libpq's start-up, bounded by connect_timeout, and the
// statements are prepared in the pipeline ahead of anything sent. Loop thread only, construction
// aside.
#pragma once

#include "db/pgconnection.h"
#include "db/pgconnectionparameters.h"
#include "errors.h"
#include "loop/eventloop.h"

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace inv {

class AsyncPgConnection
{
public:
    struct Answer
    {
        PgResult result;
        // Set when the statement failed; the result is then empty.
        std::optional<DbError> error;
    };
    using Callback = std::function<void(Answer)>;

    // `statements` are prepared on every (re)connection; send() names them by index.
    AsyncPgConnection(EventLoop &loop, std::string conninfo, std::string schema,
                      std::vector<std::string> statements);
    ~AsyncPgConnection();
    AsyncPgConnection(const AsyncPgConnection &) = delete;
    AsyncPgConnection &operator=(const AsyncPgConnection &) = delete;

    // Connects (waiting within connect_timeout), prepares the statements and enters pipeline mode.
    // Throws DbError; the connection then stays closed. Before the load: it blocks the loop.
    void open();
    // Starts a new connection unless one is open or starting, and returns at once. isOpen() turns
    // true when the start-up has succeeded; a failed one leaves its reason in downWhy().
    void reconnect();
    bool isOpen() const { return m_conn != nullptr; }
    bool isConnecting() const { return m_connecting != nullptr; }
    // Runs when a connection started by reconnect() is open, its statements queued to be prepared:
    // the owner sends what waited for it at once, before the connection may fail again.
    void onOpen(std::function<void()> opened) { m_opened = std::move(opened); }
    // Why the last connection failed or could not be made; empty before any failure.
    const std::string &downWhy() const { return m_downWhy; }
    // Statements sent and not answered yet; a reconnection's own prepares do not count, so that an
    // owner keeping a depth sends behind them at once.
    std::size_t inFlight() const { return m_pending.size() - m_preparing; }
    // False, and the callback is dropped, when the connection is closed.
    bool send(int statement, const std::vector<PgParam> &params, Callback done);

private:
    struct Pending
    {
        Callback done;
        std::chrono::steady_clock::time_point sentAt;
        Answer answer;
        bool answered = false;
    };
    static void onSocket(evutil_socket_t, short what, void *self);
    static void onTimer(evutil_socket_t, short, void *self);
    static void onConnecting(evutil_socket_t, short what, void *self);
    // Waits for what PQconnectPoll asked for, or ends the start-up.
    void pollConnect(PostgresPollingStatusType wants);
    void connectFailed(const std::string &why);
    // Takes a connected PGconn into pipeline mode and onto the loop's events.
    void attach(PGconn *conn);
    // What to connect with; without the startup options behind a pooler. Sets the answer deadline.
    PgConnectionParameters::List parameters();
    void readAnswers();
    void flush();
    // Closes the connection and answers everything in flight with the error.
    void fail(const std::string &why);

    EventLoop &m_loop;
    std::string m_conninfo;
    std::string m_schema;
    std::vector<std::string> m_statements;
    std::chrono::milliseconds m_answerDeadline{0};
    // A pooler stands in between (PgConnection::pooled()): statements go unnamed.
    bool m_pooled = false;
    PGconn *m_conn = nullptr;
    PGconn *m_connecting = nullptr;
    std::chrono::steady_clock::time_point m_connectDeadline;
    std::string m_downWhy;
    std::function<void()> m_opened;
    // Prepares of a reconnection still in m_pending.
    std::size_t m_preparing = 0;
    LoopEvent m_connectEvent;
    LoopEvent m_read;
    LoopEvent m_write;
    LoopEvent m_timer;
    std::deque<Pending> m_pending;
};

} // namespace inv
