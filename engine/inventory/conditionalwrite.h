// The single-statement purchase and restock of `versioned`: one round trip that updates the row only
// if the change fits, writes the audit row in the same statement and, when nothing was written,
// finds an earlier write with the same request id. read() turns the statement's one row into an
// answer; a refusal is an answer, not an exception. Shared by the blocking store and the event-loop
// client, so that both send exactly the same statement. Pure functions; any thread.
#pragma once

#include "db/pgconnection.h"
#include "inventory/stockrecord.h"

#include <optional>
#include <string>
#include <vector>

namespace inv {

struct ConditionalAnswer
{
    enum class Kind
    {
        // Written now, or replayed from an earlier attempt with the same request id.
        Written,
        // Not enough stock (or no room for a restock) on the row's latest version.
        Refused,
        // The statement's snapshot said it fits, the row's latest version said no: another writer
        // won the row in between. Run the statement again.
        Raced,
        UnknownSku
    };
    Kind kind = Kind::Written;
    WriteResult result;
    // The stock the statement saw, for the refusal's message.
    int stockSeen = 0;
};

namespace ConditionalWrite {
// Purchase and restock only.
const std::string &sql(Action action);
std::vector<PgParam> params(const WriteRequest &request, const std::string &serverId, const PgParam &actor);
// Throws InvalidInput when the request id was used for a different change.
ConditionalAnswer read(const PgResult &row, const WriteRequest &request);
// The earlier write with the request's id ($1), for a retry that failed on the id's unique index.
const std::string &replaySql();
// The earlier write's result, marked replayed; nullopt if there is none. Throws InvalidInput when
// it was a different change. Any action.
std::optional<WriteResult> readReplay(const PgResult &rows, const WriteRequest &request);
} // namespace ConditionalWrite

} // namespace inv
