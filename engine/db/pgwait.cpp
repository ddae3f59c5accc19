#include "db/pgwait.h"

#include "errors.h"

#include <algorithm>
#include <cerrno>
#include <string>

#include <poll.h>

namespace inv::pgwait {

bool socket(int socket, short events, std::chrono::steady_clock::time_point deadline)
{
    using Clock = std::chrono::steady_clock;
    for (;;) {
        int timeoutMs = -1;
        if (deadline != Clock::time_point::max()) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0)
                return false;
            timeoutMs = static_cast<int>(std::min<long long>(left, 60'000));
        }
        pollfd descriptor{socket, events, 0};
        const int ready = ::poll(&descriptor, 1, timeoutMs);
        if (ready > 0)
            return true;
        if (ready < 0 && errno != EINTR)
            return true; // let libpq run into the error and report it
        if (ready == 0 && deadline != Clock::time_point::max() && Clock::now() >= deadline)
            return false;
    }
}

void serverConnectionWithin(PGconn *conn, std::chrono::milliseconds within)
{
    const auto deadline = std::chrono::steady_clock::now() + within;
    const bool wasNonblocking = PQisnonblocking(conn) == 1;
    PQsetnonblocking(conn, 1);
    bool answered = PQsendQuery(conn, "SELECT 1") == 1;
    while (answered && PQflush(conn) == 1)
        answered = socket(PQsocket(conn), POLLIN | POLLOUT, deadline) && PQconsumeInput(conn) == 1;
    bool ok = answered;
    while (answered && PQisBusy(conn)) {
        answered = socket(PQsocket(conn), POLLIN, deadline);
        if (answered && PQconsumeInput(conn) != 1)
            break; // PQgetResult reports the broken connection
    }
    if (answered) {
        while (PGresult *result = PQgetResult(conn)) {
            ok = ok && PQresultStatus(result) == PGRES_TUPLES_OK;
            PQclear(result);
        }
        ok = ok && PQstatus(conn) == CONNECTION_OK;
    }
    PQsetnonblocking(conn, wasNonblocking ? 1 : 0);
    const std::string where =
        std::string(PQhost(conn) ? PQhost(conn) : "?") + ":" + (PQport(conn) ? PQport(conn) : "?");
    if (!answered)
        throw DbTimeout(
            "the pooler at " + where + " gave this connection no server connection within " +
            std::to_string(within.count() / 1000) +
            " s: its pool is full. In session pooling each client keeps a server connection while "
            "it is connected, so a run needs a pool as large as the connections it opens (about "
            "servers x (connections + 2)); in transaction pooling other clients hold them all. "
            "Raise PgBouncer's default_pool_size (or max_db_connections), or lower --servers or "
            "--connections");
    if (!ok) {
        std::string why = PQerrorMessage(conn);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        throw DbError("the pooler at " + where + " could not run a statement: " + why, "08006");
    }
}

} // namespace inv::pgwait
