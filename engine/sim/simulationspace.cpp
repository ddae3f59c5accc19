#include "sim/simulationspace.h"

#include "cache/redisconnection.h"
#include "db/migrations.h"
#include "errors.h"

#include <cstdio>
#include <random>

namespace inv {

namespace {
// Advisory locks on a space use this class id and the schema name's hash.
constexpr const char *kLockClass = "7461093";
constexpr const char *kKeptComment = "kept by inventory-console simulate --keep";

long long deleteKeys(const std::string &redisUrl, const std::string &prefix)
{
    RedisConnection redis(RedisUrl::parse(redisUrl),
                          RedisTimeouts{std::chrono::milliseconds(500), std::chrono::milliseconds(2000)});
    long long deleted = 0;
    std::string cursor = "0";
    do {
        auto reply = redis.command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
            throw CacheReplyError("unexpected reply to SCAN while removing " + prefix + "*");
        // Borrowed: the array reply owns its elements.
        cursor.assign(reply->element[0]->str, reply->element[0]->len);
        const redisReply *keys = reply->element[1];
        std::vector<std::string> del{"UNLINK"};
        for (std::size_t i = 0; i < keys->elements; ++i)
            del.emplace_back(keys->element[i]->str, keys->element[i]->len);
        if (del.size() > 1)
            deleted += redis.command(del).integer();
    } while (cursor != "0");
    return deleted;
}
} // namespace

SimulationSpace::SimulationSpace(std::string pgConninfo, std::string redisUrl, std::string runId)
    : m_pgConninfo(std::move(pgConninfo)), m_redisUrl(std::move(redisUrl)), m_runId(std::move(runId)),
      m_schema(schemaFor(m_runId)), m_prefix(prefixFor(m_runId))
{
    checkRunId(m_runId);
}

SimulationSpace::~SimulationSpace()
{
    if (!m_lease)
        return;
    try {
        // Ends the lease's transaction, and with it the lock.
        m_lease->rollback();
        long long keys = 0;
        if (!m_kept)
            dropIfUnused(*m_lease, m_redisUrl, m_schema, keys);
    } catch (const std::exception &) {
        // Left behind: the next run's start, or `simulate --cleanup`, removes it.
    }
}

std::string SimulationSpace::newRunId()
{
    std::random_device device;
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%08x", device());
    return buffer;
}

void SimulationSpace::checkRunId(const std::string &runId)
{
    const bool valid = !runId.empty() && runId.size() <= 40 &&
                       runId.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
    if (!valid)
        throw InvalidInput("invalid run id '" + runId + "': use 1 to 40 lowercase letters, digits and _");
}

void SimulationSpace::open()
{
    // The lease is a transaction kept open for the whole run, holding a shared lock on the space:
    // through a pooler in transaction mode that is what keeps one server session (and the lock)
    // ours; it ends with the process, even by SIGKILL. No idle-in-transaction timeout may end it.
    m_lease = std::make_unique<PgConnection>(m_pgConninfo);
    m_lease->begin();
    m_lease->exec("SELECT set_config('idle_in_transaction_session_timeout', '0', true)");
    m_lease->exec("SELECT pg_advisory_xact_lock_shared(" + std::string(kLockClass) + ", hashtext($1))",
                  {m_schema});
    PgConnection maker(m_pgConninfo);
    try {
        // Where the database's owner provides it (the sandbox does), a function of the owner's
        // creates the schema, so that this role needs no CREATE on the database. The name is
        // checked above: lowercase letters, digits and _ only.
        const bool ownerCreates =
            maker.exec("SELECT to_regprocedure('public.inventory_create_simulation_space(text)') IS NOT NULL")
                .text(0, 0) == "t";
        if (ownerCreates)
            maker.exec("SELECT public.inventory_create_simulation_space($1)", {m_schema});
        else
            maker.exec("CREATE SCHEMA IF NOT EXISTS " + m_schema);
    } catch (const DbError &e) {
        // 23505: a process sharing this run id created it at the same moment.
        if (e.sqlstate() == "23505") {
            PgConnection migrator(m_pgConninfo, m_schema);
            Migrations::apply(migrator);
            return;
        }
        if (e.sqlstate() != "42501")
            throw;
        throw DbError(std::string(e.what()) +
                          "\nA simulation runs in a schema of its own and this role may not create one: "
                          "grant it CREATE on the database, or EXECUTE on the owner's function "
                          "public.inventory_create_simulation_space(text) as the sandbox sets it up, or "
                          "run simulations as a role that has either",
                      e.sqlstate());
    }
    PgConnection migrator(m_pgConninfo, m_schema);
    Migrations::apply(migrator);
}

void SimulationSpace::keep()
{
    m_kept = true;
    if (m_lease)
        PgConnection(m_pgConninfo).exec("COMMENT ON SCHEMA " + m_schema + " IS '" + kKeptComment + "'");
}

bool SimulationSpace::dropIfUnused(PgConnection &lease, const std::string &redisUrl,
                                   const std::string &schema, long long &keysDeleted)
{
    // One transaction, so that the lock and the drop share a server session behind a pooler; the
    // keys go before it ends, while no run of that id can take the space again.
    PgTransaction tx(lease);
    lease.exec("SELECT set_config('idle_in_transaction_session_timeout', '0', true)");
    if (lease
            .exec("SELECT pg_try_advisory_xact_lock(" + std::string(kLockClass) + ", hashtext($1))", {schema})
            .text(0, 0) != "t")
        return false; // another process still runs in it
    if (schema.rfind("sim_", 0) != 0)
        return false;
    lease.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    keysDeleted += deleteKeys(redisUrl, prefixFor(schema.substr(4)));
    tx.commit();
    return true;
}

SimulationSpace::Cleanup SimulationSpace::cleanup(const std::string &pgConninfo, const std::string &redisUrl,
                                                  bool includeKept)
{
    Cleanup out;
    PgConnection connection(pgConninfo);
    auto spaces = connection.exec(
        "SELECT n.nspname, coalesce(obj_description(n.oid, 'pg_namespace'), '') FROM pg_namespace n "
        "WHERE n.nspname ~ '^sim_[a-z0-9_]{1,40}$' ORDER BY 1");
    for (int row = 0; row < spaces.rows(); ++row) {
        const std::string schema = spaces.text(row, 0);
        if (!includeKept && spaces.text(row, 1) == kKeptComment)
            continue;
        if (dropIfUnused(connection, redisUrl, schema, out.keysDeleted))
            ++out.schemasDropped;
    }
    return out;
}

} // namespace inv
