#include "db/migrations.h"

#include "errors.h"

#include <array>
#include <cctype>
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
    Migration{6, "an audit row must record a change of its product made in the same transaction", R"sql(
-- Each row's arithmetic: a purchase takes its quantity away, a restock or an adjustment adds it
-- (an adjustment's quantity is after - before). Rows from before are left as they are.
ALTER TABLE inventory_audit ADD CONSTRAINT inventory_audit_arithmetic CHECK (
    stock_after = CASE WHEN action = 'purchase' THEN stock_before - quantity ELSE stock_before + quantity END)
    NOT VALID;
CREATE INDEX inventory_audit_sku_version ON inventory_audit (sku, version);
-- A role that may append to the log, but does not own it, may append only what happened: the
-- product's row was changed by this same transaction, the row's version is one the product has
-- reached, the latest one carries the product's stock, no version is recorded twice, and a row
-- continues the stock of the row before it. The table's owner is let through: it could drop this
-- trigger anyway. Checked at the end of the statement, so a statement that updates the product and
-- appends its rows together (every write of the program) sees its own update. A change made inside
-- a subtransaction (SAVEPOINT) is not recognised as this transaction's and is refused.
-- The function names its schema's tables, which are baked in when it is made (no search path to
-- subvert, and plans that are cached).
DO $do$
BEGIN
    EXECUTE format($create$
CREATE FUNCTION %1$I.inventory_audit_check_change() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    product record;
    same_version bigint;
    previous_after integer;
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    SELECT stock, version, xmin = pg_current_xact_id()::xid AS mine INTO product
    FROM %1$I.inventory WHERE sku = NEW.sku;
    IF product IS NULL OR NOT product.mine THEN
        RAISE EXCEPTION 'audit row refused: it records no change of %% made in this transaction', NEW.sku
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Audit rows are written with the change of the product they record.';
    END IF;
    IF NEW.version > product.version OR (NEW.version = product.version AND NEW.stock_after <> product.stock) THEN
        RAISE EXCEPTION 'audit row refused: version %% with stock %% does not match %% at version %% with stock %%',
            NEW.version, NEW.stock_after, NEW.sku, product.version, product.stock
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT count(*) FILTER (WHERE version = NEW.version), max(stock_after) FILTER (WHERE version = NEW.version - 1)
    INTO same_version, previous_after
    FROM %1$I.inventory_audit WHERE sku = NEW.sku AND version IN (NEW.version, NEW.version - 1);
    IF same_version > 1 THEN
        RAISE EXCEPTION 'audit row refused: version %% of %% is recorded already', NEW.version, NEW.sku
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF previous_after IS NOT NULL AND previous_after <> NEW.stock_before THEN
        RAISE EXCEPTION 'audit row refused: %% starts from stock %% but the row before it ended at %%',
            NEW.sku, NEW.stock_before, previous_after
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$fn$
$create$, current_schema());
    -- The owner's own writes do not even queue the trigger (a simulation's role owns its space, so
    -- its runs pay nothing); the function checks the current owner again, should it change.
    EXECUTE format('CREATE TRIGGER inventory_audit_matches_change AFTER INSERT ON %1$I.inventory_audit '
                   'FOR EACH ROW WHEN (NOT pg_has_role(current_user, %2$L, ''USAGE'')) '
                   'EXECUTE FUNCTION %1$I.inventory_audit_check_change()',
                   current_schema(),
                   (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema()
                                                       AND tablename = 'inventory_audit'));
END
$do$;
)sql"},
};

} // namespace

const std::vector<std::string> &Migrations::tables()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out{"schema_migrations"};
        const std::string create = "CREATE TABLE ";
        for (const auto &m : kMigrations) {
            const std::string sql = m.sql;
            for (auto at = sql.find(create); at != std::string::npos; at = sql.find(create, at + 1)) {
                auto from = at + create.size();
                if (sql.compare(from, 14, "IF NOT EXISTS ") == 0)
                    from += 14;
                auto to = from;
                while (to < sql.size() &&
                       (std::isalnum(static_cast<unsigned char>(sql[to])) || sql[to] == '_'))
                    ++to;
                out.push_back(sql.substr(from, to - from));
            }
        }
        return out;
    }();
    return names;
}

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
