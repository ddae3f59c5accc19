// One PostgreSQL connection in libpq's pipeline mode, driven by an EventLoop. send() queues a
// prepared statement and a Sync (each statement is its own transaction) without waiting; several
// statements are in flight at once, and each answer comes back through its callback, in order. When
// the connection fails, or the server does not answer within the answer deadline (a paused
// server), the connection is closed and every statement in flight is answered with a DbError whose
// sessionEnded() is true: whether it committed is unknown. Loop thread only, construction aside.
#pragma once

#include "db/pgconnection.h"
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
    // Throws DbError; the connection then stays closed.
    void open();
    bool isOpen() const { return m_conn != nullptr; }
    std::size_t inFlight() const { return m_pending.size(); }
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
    void readAnswers();
    void flush();
    // Closes the connection and answers everything in flight with the error.
    void fail(const std::string &why);

    EventLoop &m_loop;
    std::string m_conninfo;
    std::string m_schema;
    std::vector<std::string> m_statements;
    std::chrono::milliseconds m_answerDeadline{0};
    PGconn *m_conn = nullptr;
    LoopEvent m_read;
    LoopEvent m_write;
    LoopEvent m_timer;
    std::deque<Pending> m_pending;
};

} // namespace inv
