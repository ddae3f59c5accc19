// The parameters a PgConnection connects with: the user's conninfo or URI (and the PG* environment,
// which libpq reads), plus bounded defaults for what they leave unset: connect, keepalive, TCP user
// and statement timeouts. Whatever the user set wins. Pure functions; any thread.
#pragma once

#include "errors.h"

#include <libpq-fe.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace inv {

class PgConnectionParameters
{
public:
    using List = std::vector<std::pair<std::string, std::string>>;

    // The keywords and values to connect with; a non-empty schema becomes the search_path. Throws
    // InvalidInput if libpq cannot parse the text. The schema must be a plain identifier.
    static List effective(const std::string &conninfo, const std::string &schema = {});
    // How long the client waits for any answer: the statement timeout plus a grace, or zero (no
    // bound) when the user asked for statements without one.
    static std::chrono::milliseconds answerDeadline(const List &parameters);
    // The idle_in_transaction_session_timeout every session gets, in milliseconds.
    static long long idleInTransactionMs();
    // The statement_timeout the parameters ask for, in milliseconds (0: no bound). lock_timeout is
    // the same.
    static long long statementTimeoutMs(const List &parameters);
    // True for a server that refuses the startup options: PgBouncer's "unsupported startup
    // parameter: options".
    static bool refusesOptions(const std::string &connectError);
    // The parameters without the startup options, for a pooler that refuses or drops them: their
    // settings are then applied per transaction (SET LOCAL) and statements name their schema.
    static List withoutOptions(List parameters);
    // Turns libpq's reason for a failed connection into what to do: throws InvalidInput for a value
    // libpq refuses before it connects (sslmode=bogus, a port that is not a number); otherwise
    // returns the DbError to throw, with a hint where one helps (a missing password).
    static DbError connectFailure(const std::string &reason);
    // connect_timeout as libpq applies it (at least 2 s), or zero when the user asked for no bound.
    static std::chrono::milliseconds connectTimeout(const List &parameters);
    // PQconnectdbParams with these parameters: waits within connect_timeout. The caller owns the
    // connection (nullptr only when out of memory) and checks its status.
    static PGconn *connect(const List &parameters);
    // PQconnectStartParams with these parameters: returns at once, for a caller that drives
    // PQconnectPoll from its event loop and enforces connectTimeout() itself.
    static PGconn *connectStart(const List &parameters);
};

} // namespace inv
