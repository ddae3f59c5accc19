#include "db/migrations.h"

#include "errors.h"

#include <array>
#include <string>

namespace inv {

namespace {

struct Migration
{
    int version;
    const char *description;
    const char *sql;
};

constexpr std::array kMigrations{
    Migration{1, "inventory and its append-only audit log", R"sql(
CREATE TABLE inventory (
    sku        text PRIMARY KEY CHECK (octet_length(sku) BETWEEN 1 AND 64),
    name       text NOT NULL,
    stock      integer NOT NULL CHECK (stock >= 0),
    version    bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE inventory_audit (
    id           bigserial PRIMARY KEY,
    sku          text NOT NULL REFERENCES inventory,
    action       text NOT NULL CHECK (action IN ('purchase', 'restock', 'adjust')),
    quantity     integer NOT NULL,
    stock_before integer NOT NULL,
    stock_after  integer NOT NULL,
    version      bigint NOT NULL,
    actor        text NOT NULL DEFAULT session_user,
    server_id    text,
    reason       text,
    at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX inventory_audit_sku_at ON inventory_audit (sku, at);
CREATE INDEX inventory_audit_at ON inventory_audit (at);
CREATE FUNCTION inventory_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'inventory_audit is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER inventory_audit_append_only BEFORE UPDATE OR DELETE ON inventory_audit
    FOR EACH ROW EXECUTE FUNCTION inventory_audit_refuse_change();
CREATE TRIGGER inventory_audit_no_truncate BEFORE TRUNCATE ON inventory_audit
    FOR EACH STATEMENT EXECUTE FUNCTION inventory_audit_refuse_change();
)sql"},
    Migration{2, "simulation run history", R"sql(
CREATE TABLE simulation_runs (
    id          bigserial PRIMARY KEY,
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    scenario    text NOT NULL,
    strategy    text NOT NULL,
    passed      boolean NOT NULL,
    report      jsonb NOT NULL
);
CREATE INDEX simulation_runs_finished_at ON simulation_runs (finished_at);
)sql"},
    Migration{3, "cache repairs owed after a failed cache update", R"sql(
CREATE TABLE cache_repairs (
    sku        text PRIMARY KEY,
    version    bigint NOT NULL,
    noted_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
)sql"},
    Migration{4, "request ids make writes idempotent", R"sql(
ALTER TABLE inventory_audit ADD COLUMN request_id text UNIQUE;
)sql"},
    Migration{5, "a reversal names the row it reverses, once", R"sql(
ALTER TABLE inventory_audit ADD COLUMN reverses bigint REFERENCES inventory_audit (id);
CREATE UNIQUE INDEX inventory_audit_reverses ON inventory_audit (reverses);
-- Reversals written before this column carried the request id 'reverses-#N' and a reason starting
-- 'reverses #N:'. Best effort: a row is linked only if it has both and undoes exactly the stock
-- change of row N of the same SKU, so that an old reversal still blocks a second one; an operator's
-- look-alike rarely fits all of that. The append-only trigger is off for this one UPDATE only, and
-- no other session can write meanwhile: ADD COLUMN holds the table's exclusive lock until commit.
ALTER TABLE inventory_audit DISABLE TRIGGER inventory_audit_append_only;
UPDATE inventory_audit r SET reverses = o.id
FROM inventory_audit o
WHERE r.request_id = 'reverses-#' || o.id AND starts_with(r.reason, 'reverses #' || o.id || ':')
    AND r.sku = o.sku AND r.id > o.id AND r.stock_after - r.stock_before = o.stock_before - o.stock_after;
ALTER TABLE inventory_audit ENABLE TRIGGER inventory_audit_append_only;
)sql"},
};

} // namespace

int Migrations::latestVersion()
{
    return kMigrations.back().version;
}

int Migrations::currentVersion(PgConnection &connection)
{
    auto exists = connection.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (exists.text(0, 0) != "t")
        return 0;
    return connection.exec("SELECT coalesce(max(version), 0) FROM schema_migrations").int32(0, 0);
}

int Migrations::apply(PgConnection &connection, int upToVersion)
{
    int applied = 0;
    PgTransaction tx(connection);
    // One migrator at a time; the others wait here and then find nothing left to do.
    connection.exec("SELECT pg_advisory_xact_lock(7461092)");
    // An up-to-date schema needs no DDL: the application's role, which may not change the schema,
    // can call apply() too.
    if (currentVersion(connection) >= upToVersion) {
        tx.commit();
        return 0;
    }
    try {
        connection.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                        "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        const int current =
            connection.exec("SELECT coalesce(max(version), 0) FROM schema_migrations").int32(0, 0);
        for (const auto &m : kMigrations) {
            if (m.version <= current || m.version > upToVersion)
                continue;
            connection.execScript(m.sql);
            connection.exec("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                            {std::to_string(m.version), std::string(m.description)});
            ++applied;
        }
    } catch (const DbError &e) {
        if (e.sqlstate() != "42501")
            throw;
        throw DbError(std::string(e.what()) + "\nThe schema needs migrating to version " +
                          std::to_string(latestVersion()) +
                          " but this role may not change it: migrate as the schema's owner (the sandbox "
                          "does so on 'inventory-console sandbox start'; elsewhere run 'init' with the "
                          "owner's --pg URL)",
                      e.sqlstate());
    }
    tx.commit();
    return applied;
}

} // namespace inv
