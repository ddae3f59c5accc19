// Bounded waits on a libpq connection's socket, shared by the blocking connection and the event
// loop's start-up. Any thread, on a connection it owns.
#pragma once

#include <libpq-fe.h>

#include <chrono>

namespace inv::pgwait {

// Waits until the socket is ready for `events` (POLLIN, POLLOUT) or the deadline passes; false on
// timeout. A deadline of time_point::max() waits as long as it takes.
bool socket(int socket, short events, std::chrono::steady_clock::time_point deadline);

// How long a client behind a pooler may wait for a server connection before it is told the pool is
// full (docs/ARCHITECTURE.md, "Isolation, and PostgreSQL behind a pooler").
inline constexpr std::chrono::seconds kPoolWait{5};

// Sends one trivial statement on a connection that stands behind a pooler and waits for it within
// `within`: in session pooling the pooler gives a client its server connection at its first
// statement and keeps it there, so a run that opens more clients than the pool holds would
// otherwise wait at that statement for the pooler's query_wait_timeout (120 s). Throws DbTimeout,
// saying which limit to raise, when no answer comes; DbError if the statement fails. Either way the
// connection is then of no use: close it.
void serverConnectionWithin(PGconn *conn, std::chrono::milliseconds within);

} // namespace inv::pgwait
