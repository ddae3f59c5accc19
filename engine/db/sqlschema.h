// Names a schema in a statement's table references, so that a simulation's statements write to its
// own schema whatever the session's search_path is: a pooler may drop the startup option that sets
// it, or hand the next transaction another server session (docs/ARCHITECTURE.md, "Isolation").
// Every bare reference to one of the schema's tables (Migrations::tables()) becomes
// "schema".table; string literals, quoted identifiers, dollar-quoted bodies, comments, names
// already qualified (x.table) and correlation names (table.column) are left alone. Pure; any
// thread.
#pragma once

#include <string>
#include <string_view>

namespace inv {

class SqlSchema
{
public:
    // `schema` must be a plain identifier ([a-z0-9_]); empty leaves the statement as it is.
    static std::string qualify(std::string_view sql, const std::string &schema);
};

} // namespace inv
