// Versioned, idempotent schema migrations. Each migration runs once, in its own transaction, under
// an advisory lock so that several processes can migrate the same database at once. Call from any
// thread with a connection that thread owns.
#pragma once

#include "db/pgconnection.h"

#include <string>
#include <vector>

namespace inv {

class Migrations
{
public:
    // Applies every migration newer than the database's version, up to upToVersion (an older
    // version lets a test build the schema a migration finds in the field). Returns how many ran.
    static int apply(PgConnection &connection, int upToVersion = latestVersion());
    static int latestVersion();
    static int currentVersion(PgConnection &connection);
    // Every table the migrations create, and schema_migrations: what a schema of its own holds.
    static const std::vector<std::string> &tables();
};

} // namespace inv
