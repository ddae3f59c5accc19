#include "sandbox/sandboxdatabase.h"

#include "db/migrations.h"
#include "db/pgconnection.h"
#include "errors.h"
#include "sandbox/postgresinstance.h"
#include "sandbox/sandboxsupport.h"

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace inv {

using sandbox::report;

namespace {

const char *const kSuperuser = "inventory";
const char *const kDatabase = "inventory";

struct PgConnDeleter
{
    void operator()(PGconn *conn) const { PQfinish(conn); }
};
struct PgResultDeleter
{
    void operator()(PGresult *result) const { PQclear(result); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Loopback needs neither TLS nor GSS, and negotiating them only slows every probe down.
struct PgParams
{
    std::string port;
    std::string password;
    std::vector<const char *> keywords;
    std::vector<const char *> values;

    PgParams(int portNumber, std::string pass, const char *dbname = "postgres")
        : port(std::to_string(portNumber)), password(std::move(pass))
    {
        keywords = {"host",    "port",       "dbname",           "user", "password", "connect_timeout",
                    "sslmode", "gssencmode", "application_name", nullptr};
        values = {"127.0.0.1", port.c_str(),     dbname,
                  kSuperuser,  password.c_str(), "5",
                  "disable",   "disable",        "inventory-console sandbox",
                  nullptr};
    }
};

std::string pgError(PGconn *conn)
{
    return conn ? sandbox::trimmed(PQerrorMessage(conn)) : std::string("out of memory");
}

} // namespace

SandboxDatabase::SandboxDatabase(fs::path sandboxDir) : m_dir(std::move(sandboxDir)) {}

bool SandboxDatabase::answers(int port, const std::string &password)
{
    if (port <= 0)
        return false;
    PgParams params(port, password);
    return PQpingParams(params.keywords.data(), params.values.data(), 0) == PQPING_OK;
}

void SandboxDatabase::ensure(const SandboxState &state, const Sandbox::Progress &progress) const
{
    PgParams params(state.pgPort, state.pgPassword);
    PgConnPtr conn(PQconnectdbParams(params.keywords.data(), params.values.data(), 0));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
        throw SandboxError("cannot connect to the sandbox PostgreSQL on 127.0.0.1:" +
                           std::to_string(state.pgPort) + " as '" + kSuperuser + "': " + pgError(conn.get()) +
                           "\nIf the password in " + (m_dir / "sandbox.conf").string() +
                           " no longer matches the cluster, stop the sandbox and delete " + m_dir.string() +
                           " to start fresh.");
    const PgResultPtr found(PQexec(conn.get(), "SELECT 1 FROM pg_database WHERE datname = 'inventory'"));
    if (!found || PQresultStatus(found.get()) != PGRES_TUPLES_OK)
        throw SandboxError("cannot list the databases of the sandbox PostgreSQL: " + pgError(conn.get()) +
                           "\nCheck " + (m_dir / "pg.log").string() + " and start again.");
    if (PQntuples(found.get()) == 0) {
        report(progress, std::string("creating database '") + kDatabase + "'");
        const PgResultPtr created(PQexec(conn.get(), "CREATE DATABASE inventory"));
        if (!created || PQresultStatus(created.get()) != PGRES_COMMAND_OK) {
            const char *sqlstate = created ? PQresultErrorField(created.get(), PG_DIAG_SQLSTATE) : nullptr;
            // 42P04: another process created it between our check and our CREATE.
            if (!sqlstate || std::string(sqlstate) != "42P04")
                throw SandboxError(std::string("cannot create the database '") + kDatabase +
                                   "': " + pgError(conn.get()) + "\nCheck " + (m_dir / "pg.log").string() +
                                   " and start again.");
        }
    }
    ensureRoles(state, progress);
}

void SandboxDatabase::ensureRoles(const SandboxState &state, const Sandbox::Progress &progress) const
{
    PgParams params(state.pgPort, state.pgPassword, kDatabase);
    PgConnPtr conn(PQconnectdbParams(params.keywords.data(), params.values.data(), 0));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
        throw SandboxError("cannot connect to the sandbox database '" + std::string(kDatabase) + "' as '" +
                           kSuperuser + "': " + pgError(conn.get()) + "\nCheck " +
                           (m_dir / "pg.log").string() + " and start again.");
    // The passwords are letters and digits only (SandboxState), so they need no quoting beyond '...'.
    const std::string setup = std::string(R"sql(
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'inventory_owner') THEN
        CREATE ROLE inventory_owner;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'inventory_app') THEN
        CREATE ROLE inventory_app;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'inventory_reader') THEN
        CREATE ROLE inventory_reader;
    END IF;
END
$$;
ALTER ROLE inventory_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ')sql") +
                              state.pgOwnerPassword + R"sql(';
ALTER ROLE inventory_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD ')sql" +
                              state.pgAppPassword + R"sql(';
ALTER ROLE inventory_reader WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD ')sql" +
                              state.pgReaderPassword + R"sql(';
-- The owner creates each simulation's schema for the application (see below), which needs it to
-- be able to act as the application's role.
GRANT inventory_app TO inventory_owner;
ALTER DATABASE inventory OWNER TO inventory_owner;
ALTER SCHEMA public OWNER TO inventory_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Each role gets what it needs by name below: nothing comes to it through PUBLIC.
REVOKE ALL ON DATABASE inventory FROM PUBLIC;
-- A sandbox made before the roles existed has its objects owned by the superuser: hand them over.
DO $$
DECLARE
    object record;
BEGIN
    FOR object IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> 'inventory_owner'::regrole
    LOOP
        EXECUTE format('ALTER TABLE public.%I OWNER TO inventory_owner', object.relname);
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> 'inventory_owner'::regrole
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO inventory_owner', object.signature);
    END LOOP;
END
$$;
)sql";
    const PgResultPtr prepared(PQexec(conn.get(), setup.c_str()));
    if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK)
        throw SandboxError("cannot set up the sandbox's PostgreSQL roles: " + pgError(conn.get()) +
                           "\nCheck " + (m_dir / "pg.log").string() + " and start again.");

    try {
        PgConnection owner(PostgresInstance::ownerUrl(state));
        // Pinned, and every name below qualified: a schema that another role created under the
        // owner's name would otherwise come first on the owner's default search path.
        owner.exec("SET search_path = public");
        const int applied = Migrations::apply(owner);
        if (applied > 0)
            report(progress, "migrated the schema (" + std::to_string(applied) + " migration(s))");
        // Everything the application does, and no more: the audit log takes appends and reads only,
        // and only the owner may change the schema or the audit log's triggers.
        owner.execScript(R"sql(
GRANT CONNECT, TEMPORARY ON DATABASE inventory TO inventory_app;
-- Simulations run in schemas of their own (sim_<run id>). The application may not create schemas
-- (one named after the owner would come first on the owner's search path): it asks this function,
-- which creates only simulation schemas, owned by the application, which fills and drops them.
REVOKE CREATE ON DATABASE inventory FROM inventory_app;
CREATE OR REPLACE FUNCTION public.inventory_create_simulation_space(space text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF space !~ '^sim_[a-z0-9_]{1,40}$' THEN
        RAISE EXCEPTION 'not a simulation schema name: %', space USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', space, session_user);
END
$fn$;
REVOKE ALL ON FUNCTION public.inventory_create_simulation_space(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.inventory_create_simulation_space(text) TO inventory_app;
GRANT USAGE ON SCHEMA public TO inventory_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO inventory_app;
REVOKE ALL ON public.inventory_audit, public.schema_migrations FROM inventory_app;
GRANT SELECT, INSERT ON public.inventory_audit TO inventory_app;
GRANT SELECT ON public.schema_migrations TO inventory_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO inventory_app;
-- The read-only role, for reports and dashboards: it reads the stock, the audit log and the
-- simulation history, and nothing else.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM inventory_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM inventory_reader;
GRANT CONNECT ON DATABASE inventory TO inventory_reader;
GRANT USAGE ON SCHEMA public TO inventory_reader;
GRANT SELECT ON public.inventory, public.inventory_audit, public.simulation_runs TO inventory_reader;
)sql");
    } catch (const Error &e) {
        throw SandboxError(std::string("cannot migrate the sandbox's schema as 'inventory_owner': ") +
                           e.what() + "\nCheck " + (m_dir / "pg.log").string() + " and start again.");
    }
}

} // namespace inv
