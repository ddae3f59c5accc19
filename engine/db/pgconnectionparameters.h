// The parameters a PgConnection connects with: the user's conninfo or URI (and the PG* environment,
// which libpq reads), plus bounded defaults for what they leave unset: connect, keepalive, TCP user
// and statement timeouts. Whatever the user set wins. Pure functions; any thread.
#pragma once

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
    // PQconnectdbParams with these parameters: waits within connect_timeout. The caller owns the
    // connection (nullptr only when out of memory) and checks its status.
    static PGconn *connect(const List &parameters);
};

} // namespace inv
