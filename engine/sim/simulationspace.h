// A simulation run's space of its own: the PostgreSQL schema sim_<run id>, made by the same
// migrations as the operator's, and the Redis prefix sim:<run id>:. A run never touches the operator's
// public tables or unprefixed keys: every statement names the schema (SqlSchema). While a run uses
// its space it holds a shared advisory lock on it in a transaction kept open for the run, which
// holds one server session through a pooler too (PostgreSQL releases it if the process dies, even
// by SIGKILL); a space nobody holds is a dead run's, and cleanup() drops it with its keys, under an
// exclusive lock taken in the drop's own transaction. Main thread of the run only.
#pragma once

#include "db/pgconnection.h"

#include <memory>
#include <string>

namespace inv {

class SimulationSpace
{
public:
    // Throws InvalidInput for a run id that is not 1 to 40 of [a-z0-9_].
    SimulationSpace(std::string pgConninfo, std::string redisUrl, std::string runId);
    // Releases the space; drops it unless kept or still used by another process.
    ~SimulationSpace();
    SimulationSpace(const SimulationSpace &) = delete;
    SimulationSpace &operator=(const SimulationSpace &) = delete;

    static void checkRunId(const std::string &runId);
    // Eight random hex digits: a new run's id, or a process's token within a run.
    static std::string newRunId();
    static std::string schemaFor(const std::string &runId) { return "sim_" + runId; }
    static std::string prefixFor(const std::string &runId) { return "sim:" + runId + ":"; }

    // Creates the schema if missing, migrates it and takes the lease. Throws DbError with advice when
    // the role may not create schemas.
    void open();
    // Leave the space in place after the run (marked kept: only an explicit cleanup removes it).
    void keep();
    const std::string &schema() const { return m_schema; }
    const std::string &keyPrefix() const { return m_prefix; }

    struct Cleanup
    {
        int schemasDropped = 0;
        long long keysDeleted = 0;
    };
    // Drops every space no live run holds, with its Redis keys; kept ones too if includeKept.
    static Cleanup cleanup(const std::string &pgConninfo, const std::string &redisUrl, bool includeKept);

private:
    // Drops the schema and keys if no one else holds the space, on `lease` (outside a transaction).
    static bool dropIfUnused(PgConnection &lease, const std::string &redisUrl, const std::string &schema,
                             long long &keysDeleted);

    std::string m_pgConninfo;
    std::string m_redisUrl;
    std::string m_runId;
    std::string m_schema;
    std::string m_prefix;
    std::unique_ptr<PgConnection> m_lease;
    bool m_kept = false;
};

} // namespace inv
