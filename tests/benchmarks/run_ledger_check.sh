#!/usr/bin/env bash
# What the database's ledger check costs a write to the operator's own tables. pgbench runs the
# purchase statement (one unit of one of 1,000 products, with its audit row) for 5 s at 8 clients:
# as the application's role (every check runs), as the tables' owner (the trigger is not queued),
# and with the trigger disabled, alternated, ROUNDS times (default 3), on a durable PostgreSQL.
# Usage: tests/benchmarks/run_ledger_check.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target inventory-console >/dev/null
CLI="$PWD/$BUILD_DIR/app/inventory-console"
. scripts/privatesandbox.sh
INVENTORY_SANDBOX_MODE=durable inventory_private_sandbox "$CLI" ledger
"$CLI" init --products 1000 --stock 1000000 >/dev/null
cat >"$WORK/purchase.sql" <<'SQL'
\set n random(1, 1000)
WITH u AS (UPDATE inventory SET stock = stock - 1, version = version + 1, updated_at = clock_timestamp()
      WHERE sku = 'SKU-' || lpad(:n::text, 4, '0') AND stock >= 1 RETURNING sku, stock, version)
INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, server_id, reason)
SELECT sku, 'purchase', 1, stock + 1, stock, version, 'pgbench', 'ledger check cost' FROM u;
SQL
tps() {
    PGPASSWORD=$(inventory_pg_password "$1") pgbench -n -M prepared -c 8 -j 2 -T 5 -f "$WORK/purchase.sql" \
        "$(inventory_pg_url_without_password "$1")" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
owner() {
    PGPASSWORD=$(inventory_pg_password "$INVENTORY_PG_OWNER_URL") psql -qAt \
        "$(inventory_pg_url_without_password "$INVENTORY_PG_OWNER_URL")" -c "$1"
}
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:])))" "$@"; }
checked=() exempt=() off=()
for round in $(seq "$ROUNDS"); do
    checked+=("$(tps "$INVENTORY_PG_URL")")
    exempt+=("$(tps "$INVENTORY_PG_OWNER_URL")")
    owner "ALTER TABLE inventory_audit DISABLE TRIGGER inventory_audit_matches_change"
    off+=("$(tps "$INVENTORY_PG_OWNER_URL")")
    owner "ALTER TABLE inventory_audit ENABLE TRIGGER inventory_audit_matches_change"
    echo "round $round: application role ${checked[-1]}, owner ${exempt[-1]}, trigger off ${off[-1]} tps" >&2
done
c=$(median "${checked[@]}") e=$(median "${exempt[@]}") o=$(median "${off[@]}")
echo "| writer | purchases/s (median of $ROUNDS) | against the trigger off |"
echo "| --- | ---: | ---: |"
echo "| application role, every check | $c | $(python3 -c "print(f'{$c / $o:.2f}x')") |"
echo "| tables' owner, trigger not queued | $e | $(python3 -c "print(f'{$e / $o:.2f}x')") |"
echo "| trigger off | $o | 1.00x |"
