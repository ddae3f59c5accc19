#!/usr/bin/env bash
# Takes the README's screenshots under Xvfb against a private sandbox with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
CLI="$PWD/${BUILD_DIR:-build}/app/inventory-console"
. scripts/privatesandbox.sh
inventory_private_sandbox "$CLI" shots
"$CLI" init --products 120 --stock 50 >/dev/null
for i in $(seq 1 40); do
    sku=$(printf 'SKU-%04d' $((1 + RANDOM % 12)))
    "$CLI" purchase "$sku" $((1 + RANDOM % 4)) --reason "web order $((4000 + i))" >/dev/null || true
    [ $((i % 7)) -eq 0 ] && "$CLI" restock "$sku" 20 --reason "delivery from supplier" >/dev/null
done
"$CLI" adjust SKU-0005 44 --reason "cycle count" >/dev/null
for sku in SKU-0001 SKU-0002 SKU-0004 SKU-0006 SKU-0009; do "$CLI" stock "$sku" >/dev/null; done
# One stale cache entry, written the way a naive server's late SET would leave it, so that the
# highlight can be seen: the cache claims an older version than the database holds.
REDIS_PORT=${INVENTORY_REDIS_URL##*:}
REDISCLI_AUTH=$(inventory_redis_password) redis-cli -p "$REDIS_PORT" SET 'inv:{SKU-0003}' "50:1" PX 30000 >/dev/null
export QT_QPA_PLATFORM=xcb
shoot() { xvfb-run -a -s "-screen 0 1440x900x24" "$CLI" --screenshot "$@" --quit-when-done; }
shoot "$PWD/docs/inventory.png" --page inventory --sku SKU-0005
shoot "$PWD/docs/audit.png" --page audit --sku SKU-0005
shoot "$PWD/docs/connect.png" --page connect
shoot "$PWD/docs/dark-inventory.png" --page inventory --sku SKU-0005 --dark
shoot "$PWD/docs/dark-audit.png" --page audit --sku SKU-0005 --dark
# File › Import stock count…: the preview of a weekly count with two lines to correct.
{
    echo "sku,counted,reason"
    for i in $(seq 1 16); do printf 'SKU-%04d,%d\n' "$i" $((40 + (i * 7) % 15)); done
    echo "SKU-0017,4O"
    echo "SKU-0404,12,found in returns"
} >"$WORK/weekly-count.csv"
shoot "$PWD/docs/import-refused.png" --open-count "$WORK/weekly-count.csv"
sed -i '/^SKU-0017,4O$/d; /^SKU-0404,/d' "$WORK/weekly-count.csv"
shoot "$PWD/docs/import-preview.png" --open-count "$WORK/weekly-count.csv"
echo "saved docs/inventory.png, docs/audit.png, docs/connect.png and docs/import-*.png"
# The Simulation page: a flash sale, and the race-condition demo of naive against versioned.
export QT_QPA_PLATFORM=xcb
xvfb-run -a -s "-screen 0 1440x900x24" "$CLI" --autostart flash-sale --strategy versioned --buyers 150000 \
    --stock 5000 --window-size 1280x800 --screenshot "$PWD/docs/simulation-flash-sale.png" --quit-when-done || true
xvfb-run -a -s "-screen 0 1440x900x24" "$CLI" --autostart mixed --compare naive,versioned --race-delay-ms 5 \
    --rate 2000 --duration 8 --products 20 --window-size 1280x800 --screenshot "$PWD/docs/simulation-compare.png" \
    --quit-when-done || true
xvfb-run -a -s "-screen 0 1440x900x24" "$CLI" --autostart mixed --compare unsafe,naive,locked,versioned,combined \
    --race-delay-ms 5 --rate 1500 --duration 4 --products 5 --window-size 1280x800 \
    --screenshot "$PWD/docs/simulation-race.png" --quit-when-done || true
# The load sweep chart from the console's own export: four strategies, each to its knee, with the
# peers' results when tests/benchmarks/run_benchmarks.sh (section f) has measured them.
references=()
reference_file="$PWD/${BUILD_DIR:-build}/benchmark-sweep/references-rate.json"
[ -f "$reference_file" ] && references=(--reference "$reference_file")
QT_QPA_PLATFORM=offscreen "$CLI" --sweep rate=1000..40000 --step-seconds 5 --compare naive,locked,versioned,combined \
    "${references[@]}" --export-sweep "$PWD/docs/simulation-sweep.png" || true
# The smallest size operators use: the charts scroll, none is cropped.
xvfb-run -a -s "-screen 0 1440x900x24" "$CLI" --autostart flash-sale --strategy versioned --buyers 150000 \
    --stock 5000 --window-size 1024x700 --screenshot "$PWD/docs/simulation-1024.png" --quit-when-done || true
echo "saved docs/simulation-flash-sale.png, docs/simulation-compare.png, docs/simulation-race.png and" \
    "docs/simulation-1024.png"
# The Servers page while a mixed run, started from the command line, loads both servers; the
# console waits 20 s for the charts to fill before it shoots.
"$CLI" simulate --scenario mixed --strategy naive --rate 1500 --duration 60 --products 5 >/dev/null 2>&1 &
sim=$!
sleep 2
shoot "$PWD/docs/servers.png" --page servers
shoot "$PWD/docs/dark-servers.png" --page servers --dark
wait "$sim" || true
echo "saved docs/servers.png and docs/dark-servers.png"
# The same page through PgBouncer in transaction pooling (scripts/pgbouncer.sh), during a mixed
# run through it: the page says that pg_stat_activity lists the pooler's server connections.
. scripts/pgbouncer.sh
inventory_pgbouncer transaction shots >/dev/null
"$CLI" simulate --scenario mixed --strategy versioned --rate 1500 --duration 60 --products 5 \
    --pg "$INVENTORY_PGBOUNCER_SHOTS_URL" >/dev/null 2>&1 &
sim=$!
sleep 2
INVENTORY_PG_URL=$INVENTORY_PGBOUNCER_SHOTS_URL shoot "$PWD/docs/servers-pgbouncer.png" --page servers
wait "$sim" || true
echo "saved docs/servers-pgbouncer.png"
xvfb-run -a -s "-screen 0 1440x900x24" "$CLI" --autostart flash-sale --strategy versioned --buyers 20000 \
    --stock 500 --window-size 1280x800 --dark --screenshot "$PWD/docs/dark-simulation.png" --quit-when-done || true
echo "saved docs/dark-simulation.png"
