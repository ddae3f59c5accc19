#!/usr/bin/env bash
# Measures the engine side by side with pgbench and redis-benchmark on the same private services,
# in one run, and prints a Markdown table of medians and ratios. PostgreSQL is durable (fsync and
# synchronous_commit on), as operators run it; INVENTORY_SANDBOX_MODE=fast-unsafe gives the labelled
# fast-unsafe figures instead. Beside each throughput, the CPU it cost: milliseconds of CPU per 1,000
# requests, the client's and the servers' (postgres and redis-server) together (tests/benchmarks/cpucost.py):
#   a) flash sale, 10,000 buyers against 100 units, per strategy, against pgbench running the
#      versioned purchase statement with the same number of connections; and the blind buyers with
#      the default client against pgbench at 32 and 64 connections, alternated run by run;
#   b) cached reads (mixed, read ratio 1.0, warm cache) against redis-benchmark -t get with the
#      same number of connections, through Redis and through the near cache (--near-cache);
#   c) mixed load at 10,000 req/s for 10 s, REPEATS times: how many runs kept read p99 under 2 ms,
#      and the medians; the moonshot, 30,000 req/s with read p99 under 5 ms and no drops; and
#      10,000 req/s on the threaded client (--client threads) for comparison, alternated run by run;
#   d) peak RSS during a) and c);
#   e) write combining on a hot row: `combined` with blind buyers and stock that never runs out,
#      against pgbench running the single-statement purchase on one row, at 32 and 64 clients,
#      alternated run by run;
#   f) load sweeps (rate=1000..40000 per strategy; rate=5000..40000 in 13 steps for versioned on
#      each client; connections=8..128 at 10,000 req/s for versioned) to each knee, with redis-benchmark GET and
#      pgbench running the purchase statement as measured peers; the sweeps' reports and the peers'
#      reference files stay in $BUILD_DIR/benchmark-sweep/;
#   g) the blind flash sale through PgBouncer in transaction pooling against pgbench -M extended
#      through the same PgBouncer;
#   h) b)'s cached reads over TLS (rediss://, the TLS-only Redis of scripts/redistls.sh) against
#      redis-benchmark --tls -t get on that server, with as many connections.
# Usage: tests/benchmarks/run_benchmarks.sh [REPEATS]   (default 5; medians are reported)
#        SECTIONS=e tests/benchmarks/run_benchmarks.sh 5   (only the sections named)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/packages.sh
INVENTORY_PACKAGES+=(python3)
inventory_install_packages

REPEATS=${1:-5}
SERVERS=4
CONNECTIONS=16
CLIENTS=$((SERVERS * CONNECTIONS))
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target inventory-console >/dev/null
CLI="$PWD/$BUILD_DIR/app/inventory-console"

. scripts/privatesandbox.sh
INVENTORY_SANDBOX_MODE=${INVENTORY_SANDBOX_MODE:-durable}
inventory_private_sandbox "$CLI" bench
COSTPY="$PWD/tests/benchmarks/cpucost.py"
"$CLI" init --products 0 >/dev/null
REDIS_PORT=${INVENTORY_REDIS_URL##*:}

SECTIONS=${SECTIONS:-abcdefgh}
want() { [[ $SECTIONS == *$1* ]]; }
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 3))" "$@"; }
progress() { echo "$*" >&2; }
# CPU ms per 1,000 requests of a simulate report: this process's CPU over the load and the servers'.
ours_cost() {
    json "$1" "round((r['host']['cpu_own_cores'] * r['duration_s'] + r['host']['postgres_cpu_s'] + r['host']['redis_cpu_s']) * 1e6 / max(1, r['requests']), 1)"
}
# Runs a peer command under cpucost.py; its CPU goes to $WORK/cost.err, read by peer_cost REQUESTS.
measured() { python3 "$COSTPY" "$SANDBOX" -- "$@" 2>"$WORK/cost.err"; }
peer_cost() {
    python3 -c "import sys; c, s = (float(x) for x in sys.argv[2].split()[1:3]); print(round((c + s) * 1e6 / int(sys.argv[1]), 1))" \
        "$1" "$(grep '^cpu:' "$WORK/cost.err" | tail -1)"
}
# The `versioned` strategy's purchase of one unit of SKU $1 (engine/inventory/conditionalwrite.cpp),
# as pgbench runs it: each transaction with its own request id, so that a refusal also looks for an
# earlier write with that id, as ours does.
purchase_sql() {
    cat <<SQL
WITH r AS (SELECT md5(random()::text || clock_timestamp()::text) AS id),
cur AS (SELECT stock FROM inventory WHERE sku = '$1'),
u AS (UPDATE inventory SET stock = stock - 1, version = version + 1, updated_at = clock_timestamp()
      WHERE sku = '$1' AND stock >= 1 RETURNING stock, version),
a AS (INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, server_id, reason,
                                   actor, request_id)
      SELECT '$1', 'purchase', 1, u.stock + 1, u.stock, u.version, 'pgbench', 'benchmark', session_user, r.id
      FROM u, r RETURNING id),
p AS (SELECT t.id, t.sku, t.action, t.quantity, t.stock_before, t.stock_after, t.version FROM inventory_audit t, r
      WHERE t.request_id = r.id AND NOT EXISTS (SELECT FROM u))
SELECT cur.stock, u.stock, u.version, a.id, p.id, p.sku, p.action, p.quantity, p.stock_before, p.stock_after,
       p.version
FROM cur LEFT JOIN u ON true LEFT JOIN a ON true LEFT JOIN p ON true;
SQL
}
# pgbench's tps for CLIENTS connections running TRANSACTIONS in all of the script FILE. The password
# goes through PGPASSWORD, not in the URL on pgbench's command line (the process list). pgbench writes
# as the tables' owner: the database checks an audit row from a role that does not own the log, and
# a simulation's role owns its own space's log, so both sides skip that check alike.
# Its CPU per 1,000 transactions goes to $WORK/pgbench.cost.
pgbench_tps() {
    PGPASSWORD=$(inventory_pg_password "$INVENTORY_PG_OWNER_URL") measured pgbench -n -M prepared -c "$1" -j 2 \
        -t $(($2 / $1)) -f "$3" "$(inventory_pg_url_without_password "$INVENTORY_PG_OWNER_URL")" >"$WORK/pgbench.out" || true
    peer_cost $(($2 / $1 * $1)) >"$WORK/pgbench.cost"
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out" | tail -1
}

# a) flash sale against pgbench --------------------------------------------------------------
declare -A FLASH=([unsafe]=0 [naive]=0 [locked]=0 [versioned]=0 [blind]=0)
declare -A LOOP=([32]=0 [64]=0) PGBENCH_AT=([32]=0 [64]=0)
RSS_A=0
PGBENCH=0
if want a; then
for strategy in unsafe naive locked versioned; do
    values=()
    for i in $(seq "$REPEATS"); do
        progress "a) flash sale, $strategy, run $i/$REPEATS"
        "$CLI" simulate --scenario flash-sale --strategy "$strategy" --servers $SERVERS --connections $CONNECTIONS \
            --json >"$WORK/flash.json" || true
        values+=("$(json "$WORK/flash.json" "r['parameters']['buyers'] / r['duration_s']")")
        rss=$(json "$WORK/flash.json" "r['peak_rss_mb']")
        RSS_A=$(python3 -c "print(max($RSS_A, $rss))")
    done
    FLASH[$strategy]=$(median "${values[@]}")
done
values=()
for i in $(seq "$REPEATS"); do
    progress "a) flash sale, versioned, blind buyers, threaded client, run $i/$REPEATS"
    "$CLI" simulate --scenario flash-sale --strategy versioned --blind-buyers --client threads --servers $SERVERS \
        --connections $CONNECTIONS --json >"$WORK/flash.json" || true
    values+=("$(json "$WORK/flash.json" "r['parameters']['buyers'] / r['duration_s']")")
done
FLASH[blind]=$(median "${values[@]}")

PGBENCH_SQL="$WORK/purchase.sql"
pgbench_values=()
for i in $(seq "$REPEATS"); do
    sku="PGBENCH-$$-$i"
    "$CLI" add "$sku" --name "pgbench flash sale" --stock 100 >/dev/null
    purchase_sql "$sku" >"$PGBENCH_SQL"
    progress "a) pgbench, run $i/$REPEATS"
    pgbench_values+=("$(pgbench_tps $CLIENTS 10000 "$PGBENCH_SQL")")
done
PGBENCH=$(median "${pgbench_values[@]}")

# The blind flash sale with the default client against pgbench running the same statement with the
# same number of connections (4 servers x CLIENTS/4), alternated run by run.
declare -A LOOP_COST PGBENCH_COST
for clients in 32 64; do
    ours=()
    theirs=()
    ours_costs=()
    theirs_costs=()
    for i in $(seq "$REPEATS"); do
        sku="PGBENCH-$$-$clients-$i"
        "$CLI" add "$sku" --name "pgbench flash sale" --stock 100 >/dev/null
        purchase_sql "$sku" >"$PGBENCH_SQL"
        progress "a) pgbench, $clients clients, run $i/$REPEATS"
        theirs+=("$(pgbench_tps "$clients" 10000 "$PGBENCH_SQL")")
        theirs_costs+=("$(cat "$WORK/pgbench.cost")")
        progress "a) flash sale, versioned, blind buyers, default client, $clients clients, run $i/$REPEATS"
        "$CLI" simulate --scenario flash-sale --strategy versioned --blind-buyers --servers $SERVERS \
            --connections $((clients / SERVERS)) --json >"$WORK/loop.json" || true
        ours+=("$(json "$WORK/loop.json" "r['parameters']['buyers'] / r['duration_s']")")
        ours_costs+=("$(ours_cost "$WORK/loop.json")")
        sold=$(json "$WORK/loop.json" "(r['successes'], r['oversold'], r['ledger_ok'], r['errors'])")
        [ "$sold" = "(100, 0, True, 0)" ] ||
            { echo "a) the event loop sold $sold (sold, oversold, ledger, errors): expected (100, 0, True, 0)" >&2; exit 1; }
    done
    LOOP[$clients]=$(median "${ours[@]}")
    PGBENCH_AT[$clients]=$(median "${theirs[@]}")
    LOOP_COST[$clients]=$(median "${ours_costs[@]}")
    PGBENCH_COST[$clients]=$(median "${theirs_costs[@]}")
done
fi

# b) cached reads against redis-benchmark -------------------------------------------------------
OURS_B=0
NEAR_B=0
THEIRS_B=0
COST_B=- NEAR_COST_B=- THEIRS_COST_B=-
if want b; then
ours_b=()
near_b=()
theirs_b=()
cost_b=()
near_cost_b=()
theirs_cost_b=()
for i in $(seq "$REPEATS"); do
    progress "b) cached reads, run $i/$REPEATS"
    # Far above what the machine can serve, with a long lag allowance: the workers run flat out.
    "$CLI" simulate --scenario mixed --read-ratio 1.0 --rate 200000 --duration 1.5 --products 1000 \
        --servers $SERVERS --connections $CONNECTIONS --max-lag-ms 60000 --slo dropped=1e9 --json >"$WORK/reads.json" || true
    ours_b+=("$(json "$WORK/reads.json" "r['throughput_rps']")")
    cost_b+=("$(ours_cost "$WORK/reads.json")")
    # The same reads through each server's near cache: the same number of client threads.
    "$CLI" simulate --scenario mixed --read-ratio 1.0 --rate 1000000 --duration 1.5 --products 1000 \
        --servers $SERVERS --connections $CONNECTIONS --max-lag-ms 60000 --slo dropped=1e9 --near-cache \
        --json >"$WORK/near.json" || true
    near_b+=("$(json "$WORK/near.json" "r['throughput_rps']")")
    near_cost_b+=("$(ours_cost "$WORK/near.json")")
    # redis-benchmark takes a password only with -a, which the process list shows, and ignores
    # REDISCLI_AUTH: it gets a throw-away user that may only read, removed right after the run, and
    # never the sandbox's own password.
    bench_password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    REDISCLI_AUTH=$(inventory_redis_password) redis-cli -p "$REDIS_PORT" ACL SETUSER benchmark reset on \
        ">$bench_password" '~*' +get +ping +config\|get >/dev/null
    measured redis-benchmark -p "$REDIS_PORT" --user benchmark -a "$bench_password" -t get -c $CLIENTS \
        -n 300000 -r 1000 -q >"$WORK/redis-benchmark.out" || true
    theirs_b+=("$(tr '\r' '\n' <"$WORK/redis-benchmark.out" | sed -n 's/^GET: \([0-9.]*\) requests per second.*/\1/p' |
        tail -1)")
    theirs_cost_b+=("$(peer_cost 300000)")
    REDISCLI_AUTH=$(inventory_redis_password) redis-cli -p "$REDIS_PORT" ACL DELUSER benchmark >/dev/null
done
OURS_B=$(median "${ours_b[@]}")
NEAR_B=$(median "${near_b[@]}")
THEIRS_B=$(median "${theirs_b[@]}")
COST_B=$(median "${cost_b[@]}")
NEAR_COST_B=$(median "${near_cost_b[@]}")
THEIRS_COST_B=$(median "${theirs_cost_b[@]}")
fi

# c) mixed load at 10,000 req/s for 10 s, REPEATS times, and the moonshot at 30,000 req/s --------
# Two cores serve PostgreSQL, Redis and the load generator here: 4 x 4 workers keep up with the
# rate and leave the cores to the servers (see docs/PERFORMANCE.md for 4 x 16).
MIXED_CONNECTIONS=${MIXED_CONNECTIONS:-4}
MOONSHOT_RATE=${MOONSHOT_RATE:-30000}
C_READ_P50=- C_READ_P99=- C_WRITE_P50=- C_WRITE_P99=- C_HIT=- C_RATE=0 C_DROPPED=- RSS_C=-
C_MET=- C_P99S=- C_LOADS=- C_COST=- M_MET=- M_DETAIL=- M_LOADS=- T_MET=- T_P99S=- T_COST=-
# One mixed run at rate $1 for 10 s into $WORK/$2-$3.json; further arguments go to simulate.
mixed_run() {
    local rate=$1 name=$2 i=$3
    shift 3
    progress "c) mixed load, $rate req/s for 10 s ($name), run $i/$REPEATS"
    "$CLI" simulate --scenario mixed --rate "$rate" --duration 10 --servers $SERVERS \
        --connections $MIXED_CONNECTIONS "$@" --json >"$WORK/$name-$i.json" || true
}
# A python expression over the runs' reports `rs` (and `med`, the median of a list).
runs() {
    python3 -c "import json,statistics,sys; med=lambda v: round(statistics.median(v), 3)
rs=[json.load(open(f)) for f in sys.argv[2:]]; print(eval(sys.argv[1]))" "$1" "$WORK/$2"-*.json
}
if want c; then
for i in $(seq "$REPEATS"); do
    mixed_run 10000 mixed "$i"
    mixed_run "$MOONSHOT_RATE" moonshot "$i"
    mixed_run 10000 threads "$i" --client threads
done
C_READ_P50=$(runs "med([r['latency_ms']['read']['p50'] for r in rs])" mixed)
C_READ_P99=$(runs "med([r['latency_ms']['read']['p99'] for r in rs])" mixed)
C_WRITE_P50=$(runs "med([r['latency_ms']['write']['p50'] for r in rs])" mixed)
C_WRITE_P99=$(runs "med([r['latency_ms']['write']['p99'] for r in rs])" mixed)
C_HIT=$(runs "med([r['cache_hit_rate'] * 100 for r in rs])" mixed)
C_RATE=$(runs "round(med([r['throughput_rps'] for r in rs]))" mixed)
C_DROPPED=$(runs "max(r['dropped'] for r in rs)" mixed)
RSS_C=$(runs "max(r['peak_rss_mb'] for r in rs)" mixed)
C_MET=$(runs "f\"{sum(r['latency_ms']['read']['p99'] < 2 for r in rs)} of {len(rs)}\"" mixed)
C_P99S=$(runs "', '.join(f\"{r['latency_ms']['read']['p99']:.2f}\" for r in rs)" mixed)
# The host's load average during each run: these cores are shared, and a busy host shows in p99.
C_LOADS=$(runs "', '.join(f\"{r['host']['load_avg_max']}\" for r in rs)" mixed)
C_COST=$(runs "med([(r['host']['cpu_own_cores'] * r['duration_s'] + r['host']['postgres_cpu_s'] + r['host']['redis_cpu_s']) * 1e6 / r['requests'] for r in rs])" mixed)
T_MET=$(runs "f\"{sum(r['latency_ms']['read']['p99'] < 2 for r in rs)} of {len(rs)}\"" threads)
T_P99S=$(runs "', '.join(f\"{r['latency_ms']['read']['p99']:.2f}\" for r in rs)" threads)
T_COST=$(runs "med([(r['host']['cpu_own_cores'] * r['duration_s'] + r['host']['postgres_cpu_s'] + r['host']['redis_cpu_s']) * 1e6 / r['requests'] for r in rs])" threads)
M_LOADS=$(runs "', '.join(f\"{r['host']['load_avg_max']}\" for r in rs)" moonshot)
M_MET=$(runs "f\"{sum(r['latency_ms']['read']['p99'] < 5 and r['dropped'] == 0 for r in rs)} of {len(rs)}\"" moonshot)
M_DETAIL=$(runs "'read p99 ' + ', '.join(f\"{r['latency_ms']['read']['p99']:.1f}\" for r in rs) + ' ms; dropped ' + \
', '.join(str(r['dropped']) for r in rs) + '; served ' + ', '.join(str(round(r['throughput_rps'])) for r in rs) + '/s'" moonshot)
fi

# e) write combining on a hot row against pgbench's single-statement purchase ------------------
# Every buyer sends its purchase and the stock never runs out, so every request is a real write
# on one row. Ours: one server with that many workers (its purchases of the row ride in one batch at
# a time; more servers make smaller batches that queue on the row lock, see docs/PERFORMANCE.md);
# pgbench: the same number of connections running the `versioned` purchase statement. Alternated,
# so that both see the same host.
declare -A COMBINED PGBENCH_HOT BATCH_P50 COMBINED_COST PGBENCH_HOT_COST
HOT_BUYERS=${HOT_BUYERS:-20000}
if want e; then
for clients in 32 64; do
    ours=()
    theirs=()
    batches=()
    ours_costs=()
    theirs_costs=()
    for i in $(seq "$REPEATS"); do
        sku="HOT-$$-$clients-$i"
        "$CLI" add "$sku" --name "pgbench hot row" --stock 1000000 >/dev/null
        purchase_sql "$sku" >"$WORK/hot.sql"
        progress "e) pgbench hot row, $clients clients, run $i/$REPEATS"
        theirs+=("$(pgbench_tps "$clients" "$HOT_BUYERS" "$WORK/hot.sql")")
        theirs_costs+=("$(cat "$WORK/pgbench.cost")")
        progress "e) combined hot row, $clients clients, run $i/$REPEATS"
        "$CLI" simulate --scenario flash-sale --strategy combined --blind-buyers --buyers "$HOT_BUYERS" \
            --stock 1000000 --servers 1 --connections "$clients" --json >"$WORK/hot.json" || true
        ours+=("$(json "$WORK/hot.json" "r['successes'] / r['duration_s']")")
        batches+=("$(json "$WORK/hot.json" "r['combining']['purchase_batch_p50']")")
        ours_costs+=("$(ours_cost "$WORK/hot.json")")
        sold=$(json "$WORK/hot.json" "(r['successes'], r['initial_stock'] - r['final_db_stock'], r['ledger_ok'])")
        [ "$sold" = "($HOT_BUYERS, $HOT_BUYERS, True)" ] ||
            { echo "e) combined sold $sold (buyers, stock taken, ledger): expected ($HOT_BUYERS, $HOT_BUYERS, True)" >&2; exit 1; }
    done
    COMBINED[$clients]=$(median "${ours[@]}")
    PGBENCH_HOT[$clients]=$(median "${theirs[@]}")
    BATCH_P50[$clients]=$(median "${batches[@]}")
    COMBINED_COST[$clients]=$(median "${ours_costs[@]}")
    PGBENCH_HOT_COST[$clients]=$(median "${theirs_costs[@]}")
done
fi

# f) load sweeps to the knee, with the peers measured beside them ----------------------------
# The rate sweep runs every correct strategy with c)'s 4 x 4 workers; redis-benchmark (GET, the
# read side of the mix) and pgbench (the purchase statement on 1,000 products, its write side) run
# with as many clients, closed loop. The connections sweep runs versioned at 10,000 req/s, and the
# peers at each of its connection counts. Their files are what `--reference` reads.
SWEEP_DIR=$PWD/$BUILD_DIR/benchmark-sweep
SWEEP_STRATEGIES=${SWEEP_STRATEGIES:-naive locked versioned combined}
declare -A KNEE
# redis-benchmark GET with $1 clients: one reference entry (its CSV has p50 and p99).
redis_reference() {
    local password csv
    password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    REDISCLI_AUTH=$(inventory_redis_password) redis-cli -p "$REDIS_PORT" ACL SETUSER benchmark reset on \
        ">$password" '~*' +get +ping +config\|get >/dev/null
    csv=$(redis-benchmark -p "$REDIS_PORT" --user benchmark -a "$password" -t get -c "$1" -n $((20000 + 2000 * $1)) \
        -r 1000 --csv 2>/dev/null | grep '^"GET"' | tail -1)
    REDISCLI_AUTH=$(inventory_redis_password) redis-cli -p "$REDIS_PORT" ACL DELUSER benchmark >/dev/null
    python3 -c "import csv,json,sys; f=next(csv.reader([sys.argv[2]])); print(json.dumps({'tool': 'redis-benchmark',
'workload': 'GET', 'command': 'redis-benchmark -t get -r 1000 -c ' + sys.argv[1], 'clients': int(sys.argv[1]),
'throughput_rps': float(f[1]), 'latency_ms': {'p50': float(f[4]), 'p99': float(f[6])}}))" "$1" "$csv"
}
# pgbench running the purchase statement on a random one of 1,000 products with $1 clients: its
# per-transaction log gives the percentiles.
pgbench_reference() {
    local out
    rm -f "$WORK"/pgblog*
    out=$(PGPASSWORD=$(inventory_pg_password "$INVENTORY_PG_OWNER_URL") pgbench -n -M prepared -c "$1" -j $(($1 < 2 ? 1 : 2)) -T 3 -l --log-prefix="$WORK/pgblog" \
        -f "$WORK/mixed-purchase.sql" "$(inventory_pg_url_without_password "$INVENTORY_PG_OWNER_URL")" 2>/dev/null)
    python3 -c "import glob,json,re,statistics,sys
lat=sorted(int(l.split()[2]) / 1000 for f in glob.glob(sys.argv[2] + '*') for l in open(f))
tps=float(re.search(r'^tps = ([0-9.]+)', sys.argv[3], re.M).group(1))
print(json.dumps({'tool': 'pgbench', 'workload': 'purchase', 'clients': int(sys.argv[1]),
'command': 'pgbench -M prepared -T 3 -c ' + sys.argv[1] + ' (the purchase statement, 1 of 1,000 products)', 'throughput_rps': round(tps, 1),
'latency_ms': {'p50': round(lat[len(lat) // 2], 3), 'p99': round(lat[int(len(lat) * 0.99)], 3)}}))" "$1" "$WORK/pgblog" "$out"
}
references() { python3 -c "import json,sys; print(json.dumps({'references': [json.loads(l) for l in sys.stdin]}, indent=2))"; }
if want f; then
mkdir -p "$SWEEP_DIR"
"$CLI" init --products 1000 --stock 1000000 >/dev/null
cat >"$WORK/mixed-purchase.sql" <<'SQL'
\set n random(1, 1000)
WITH u AS (UPDATE inventory SET stock = stock - 1, version = version + 1, updated_at = clock_timestamp()
      WHERE sku = 'SKU-' || lpad(:n::text, 4, '0') AND stock >= 1 RETURNING sku, stock, version)
INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, server_id, reason)
SELECT sku, 'purchase', 1, stock + 1, stock, version, 'pgbench', 'benchmark' FROM u;
SQL
for strategy in $SWEEP_STRATEGIES; do
    progress "f) rate sweep, $strategy"
    "$CLI" simulate --sweep rate=1000..40000 --step-seconds 3 --strategy "$strategy" --servers $SERVERS \
        --connections $MIXED_CONNECTIONS --json >"$SWEEP_DIR/rate-$strategy.json" || true
    KNEE[$strategy]=$(json "$SWEEP_DIR/rate-$strategy.json" "r['sweep']['knee']['text'].removeprefix('knee: ')")
done
# The knee of versioned on each client, in finer steps (about 19% apart) from 5,000 to 40,000 req/s.
for client in loop threads; do
    progress "f) rate sweep 5000..40000 in 13 steps, versioned, $client client"
    "$CLI" simulate --sweep rate=5000..40000:13 --step-seconds 3 --strategy versioned --client "$client" \
        --servers $SERVERS --connections $MIXED_CONNECTIONS --json >"$SWEEP_DIR/fine-versioned-$client.json" || true
    KNEE[fine-$client]=$(json "$SWEEP_DIR/fine-versioned-$client.json" "r['sweep']['knee']['text'].removeprefix('knee: ')")
done
progress "f) peers at $((SERVERS * MIXED_CONNECTIONS)) clients"
{ redis_reference $((SERVERS * MIXED_CONNECTIONS)); pgbench_reference $((SERVERS * MIXED_CONNECTIONS)); } |
    references >"$SWEEP_DIR/references-rate.json"
progress "f) connections sweep, versioned"
"$CLI" simulate --sweep connections=8..128 --rate 10000 --step-seconds 3 --strategy versioned --servers $SERVERS \
    --json >"$SWEEP_DIR/connections-versioned.json" || true
KNEE[connections]=$(json "$SWEEP_DIR/connections-versioned.json" "r['sweep']['knee']['text'].removeprefix('knee: ')")
for clients in 8 16 32 64 128; do
    progress "f) peers at $clients clients"
    redis_reference "$clients"
    pgbench_reference "$clients"
done | references >"$SWEEP_DIR/references-connections.json"
F_PEERS=$(json "$SWEEP_DIR/references-rate.json" "'; '.join(e['tool'] + ' ' + str(round(e['throughput_rps'])) + '/s, p99 ' +
    str(e['latency_ms']['p99']) + ' ms' for e in r['references'])")
fi

# g) the blind flash sale through PgBouncer in transaction pooling with its default settings
#    (scripts/pgbouncer.sh) against pgbench -M extended through the same PgBouncer: the same
#    statement, G_CLIENTS connections on each side (our 4 servers x G_CLIENTS/4, besides each
#    server's reader and repair connections), alternated run by run.
G_CLIENTS=16
G_OURS=0 G_THEIRS=0 G_COST=- G_THEIRS_COST=-
if want g; then
. scripts/pgbouncer.sh
inventory_pgbouncer transaction bench >&2
G_SQL="$WORK/pgbouncer-purchase.sql"
ours=() theirs=() ours_costs=() theirs_costs=()
for i in $(seq "$REPEATS"); do
    sku="PGBOUNCER-$$-$i"
    "$CLI" add "$sku" --name "pgbouncer flash sale" --stock 100 >/dev/null
    purchase_sql "$sku" >"$G_SQL"
    progress "g) pgbench -M extended through PgBouncer, $G_CLIENTS clients, run $i/$REPEATS"
    PGPASSWORD=$(inventory_pg_password "$INVENTORY_PGBOUNCER_BENCH_OWNER_URL") measured pgbench -n -M extended \
        -c $G_CLIENTS -j 2 -t $((10000 / G_CLIENTS)) -f "$G_SQL" \
        "$(inventory_pg_url_without_password "$INVENTORY_PGBOUNCER_BENCH_OWNER_URL")" >"$WORK/pgbench.out" || true
    theirs+=("$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.out" | tail -1)")
    theirs_costs+=("$(peer_cost $((10000 / G_CLIENTS * G_CLIENTS)))")
    progress "g) flash sale, versioned, blind buyers, through PgBouncer, $G_CLIENTS connections, run $i/$REPEATS"
    "$CLI" simulate --scenario flash-sale --strategy versioned --blind-buyers --servers $SERVERS \
        --connections $((G_CLIENTS / SERVERS)) --pg "$INVENTORY_PGBOUNCER_BENCH_URL" --json >"$WORK/pgbouncer.json" || true
    ours+=("$(json "$WORK/pgbouncer.json" "r['parameters']['buyers'] / r['duration_s']")")
    ours_costs+=("$(ours_cost "$WORK/pgbouncer.json")")
    sold=$(json "$WORK/pgbouncer.json" "(r['successes'], r['oversold'], r['ledger_ok'], r['errors'])")
    [ "$sold" = "(100, 0, True, 0)" ] ||
        { echo "g) through PgBouncer the run sold $sold (sold, oversold, ledger, errors): expected (100, 0, True, 0)" >&2; exit 1; }
done
G_OURS=$(median "${ours[@]}") G_THEIRS=$(median "${theirs[@]}")
G_COST=$(median "${ours_costs[@]}") G_THEIRS_COST=$(median "${theirs_costs[@]}")
fi

# h) cached reads over TLS against redis-benchmark --tls ---------------------------------------
# Another Redis than the sandbox's, so no CPU column: cpucost.py and the report's host sampler
# measure the sandbox's servers.
H_OURS=0 H_THEIRS=0
if want h; then
. scripts/redistls.sh
inventory_redis_tls_pair
ours=() theirs=()
# The throw-away server's password on redis-benchmark's command line (it reads no other way); the
# server and its password are gone when this script exits.
read -r H_PASSWORD H_PORT H_CA < <(python3 -c "import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(p.password, p.port, u.parse_qs(p.query)['cacert'][0])" "$INVENTORY_REDIS_TLS_URL")
for i in $(seq "$REPEATS"); do
    progress "h) cached reads over TLS, run $i/$REPEATS"
    "$CLI" simulate --scenario mixed --read-ratio 1.0 --rate 200000 --duration 1.5 --products 1000 \
        --servers $SERVERS --connections $CONNECTIONS --max-lag-ms 60000 --slo dropped=1e9 \
        --redis "$INVENTORY_REDIS_TLS_URL" --json >"$WORK/reads-tls.json" || true
    ours+=("$(json "$WORK/reads-tls.json" "r['throughput_rps']")")
    progress "h) redis-benchmark --tls, run $i/$REPEATS"
    redis-benchmark --tls --cacert "$H_CA" -h localhost -p "$H_PORT" -a "$H_PASSWORD" -t get -c $CLIENTS \
        -n 300000 -r 1000 -q 2>/dev/null >"$WORK/redis-benchmark-tls.out" || true
    theirs+=("$(tr '\r' '\n' <"$WORK/redis-benchmark-tls.out" | sed -n 's/^GET: \([0-9.]*\) requests per second.*/\1/p' |
        tail -1)")
done
H_OURS=$(median "${ours[@]}") H_THEIRS=$(median "${theirs[@]}")
fi

ratio() { python3 -c "print(round($1 / $2, 2) if $2 else 'n/a')"; }
# The event loop's knee over the threaded client's, by the last rate each passed in the fine sweep.
knee_ratio() {
    python3 -c "import json,sys
last=lambda f: (json.load(open(f))['sweep']['knee']['last_pass'] or {}).get('offered_rps') or 0
a, b = last(sys.argv[1]), last(sys.argv[2])
print(f'{a / b:.2f}x ({a:.0f} / {b:.0f} req/s passed)' if b else 'n/a')" "$SWEEP_DIR/fine-versioned-loop.json" \
        "$SWEEP_DIR/fine-versioned-threads.json"
}
if [ "$INVENTORY_SANDBOX_MODE" = durable ]; then
    MODE="a durable PostgreSQL (fsync and synchronous_commit on)"
else
    MODE="PostgreSQL in fast-unsafe mode (fsync, synchronous_commit and full_page_writes off): not how operators run it"
fi
cat <<TABLE
Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"),
PostgreSQL $(pg_config --version 2>/dev/null | awk '{print $2}' || echo 15), Redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'); ${REPEATS} runs each, medians. Both sides ran on the same sandbox, on $MODE.
a) and b): $SERVERS servers x $CONNECTIONS connections = $CLIENTS clients on every side. CPU: milliseconds of CPU per 1,000 requests,
the client's and the postgres and redis-server processes' together (ours over the load, the peers' over their whole run).

| | measurement | ours | reference | ratio | CPU ours / reference | target |
| --- | --- | --- | --- | --- | --- | --- |
| a | flash sale, buyers/s, unsafe | ${FLASH[unsafe]} | pgbench ${PGBENCH} tps | $(ratio "${FLASH[unsafe]}" "$PGBENCH") | | - |
| a | flash sale, buyers/s, naive | ${FLASH[naive]} | pgbench ${PGBENCH} tps | $(ratio "${FLASH[naive]}" "$PGBENCH") | | - |
| a | flash sale, buyers/s, locked | ${FLASH[locked]} | pgbench ${PGBENCH} tps | $(ratio "${FLASH[locked]}" "$PGBENCH") | | - |
| a | flash sale, buyers/s, versioned | ${FLASH[versioned]} | pgbench ${PGBENCH} tps | $(ratio "${FLASH[versioned]}" "$PGBENCH") | | >= 0.8 |
| a | flash sale, buyers/s, versioned, blind buyers, threaded client (--client threads) | ${FLASH[blind]} | pgbench ${PGBENCH} tps | $(ratio "${FLASH[blind]}" "$PGBENCH") | | - |
| a | flash sale, buyers/s, versioned, blind buyers, default client, 32 connections | ${LOOP[32]} | pgbench ${PGBENCH_AT[32]} tps | $(ratio "${LOOP[32]}" "${PGBENCH_AT[32]}") | ${LOOP_COST[32]:-} / ${PGBENCH_COST[32]:-} | >= 1.0 |
| a | flash sale, buyers/s, versioned, blind buyers, default client, 64 connections | ${LOOP[64]} | pgbench ${PGBENCH_AT[64]} tps | $(ratio "${LOOP[64]}" "${PGBENCH_AT[64]}") | ${LOOP_COST[64]:-} / ${PGBENCH_COST[64]:-} | >= 1.0 |
| b | cached reads/s (mixed, read ratio 1.0, warm) | ${OURS_B} | redis-benchmark GET ${THEIRS_B}/s | $(ratio "$OURS_B" "$THEIRS_B") | ${COST_B} / ${THEIRS_COST_B} | >= 0.7 |
| b | cached reads/s with --near-cache (the offered rate, 1,000,000/s, caps it) | ${NEAR_B} | redis-benchmark GET ${THEIRS_B}/s | $(ratio "$NEAR_B" "$THEIRS_B") | ${NEAR_COST_B} / ${THEIRS_COST_B} | >= 5 |
| c | mixed 10,000 req/s for 10 s ($SERVERS x $MIXED_CONNECTIONS connections), $REPEATS runs: read p99 < 2 ms in (each run's p99: ${C_P99S} ms; host load ${C_LOADS}) | ${C_MET} | | | ${C_COST} / - | ${REPEATS} of ${REPEATS} |
| c | read p50 / p99 ms (medians) | ${C_READ_P50} / ${C_READ_P99} | | | | p99 < 2 |
| c | write p50 / p99 ms (medians) | ${C_WRITE_P50} / ${C_WRITE_P99} | | | | |
| c | hit rate % (median) | ${C_HIT} | | | | > 95 |
| c | achieved req/s (median), most dropped in a run | ${C_RATE}, ${C_DROPPED} | 10000 | $(ratio "$C_RATE" 10000) | | >= 0.99, 0 dropped |
| c | moonshot: ${MOONSHOT_RATE} req/s for 10 s, read p99 < 5 ms and no drops in (${M_DETAIL}; host load ${M_LOADS}) | ${M_MET} | | | | ${REPEATS} of ${REPEATS} |
| c | for comparison, 10,000 req/s on the threaded client (--client threads): read p99 < 2 ms in (each run's p99: ${T_P99S} ms) | ${T_MET} | | | ${T_COST} / - | |
| d | peak RSS MB during a) / c) | ${RSS_A} / ${RSS_C} | | | | < 200 |
TABLE
if want e; then
    for clients in 32 64; do
        echo "| e | hot row, purchases/s, combined, $clients clients (1 server; a purchase's batch p50 ${BATCH_P50[$clients]}) | ${COMBINED[$clients]} | pgbench ${PGBENCH_HOT[$clients]} tps | $(ratio "${COMBINED[$clients]}" "${PGBENCH_HOT[$clients]}") | ${COMBINED_COST[$clients]} / ${PGBENCH_HOT_COST[$clients]} | >= $([ "$clients" = 32 ] && echo 3 || echo 5) |"
    done
fi
if want f; then
    for strategy in $SWEEP_STRATEGIES; do
        echo "| f | rate sweep 1000..40000 req/s, 3 s steps, $strategy ($SERVERS x $MIXED_CONNECTIONS connections): knee | ${KNEE[$strategy]} | ${F_PEERS} (closed loop, $((SERVERS * MIXED_CONNECTIONS)) clients) | | | |"
    done
    echo "| f | rate sweep 5000..40000 req/s in 13 steps, versioned, event loop (the default): knee | ${KNEE[fine-loop]} | | | | |"
    echo "| f | the same, versioned on the threaded client (--client threads): knee | ${KNEE[fine-threads]} | | $(knee_ratio) | | event loop >= 2x |"
    echo "| f | connections sweep 8..128 at 10,000 req/s, versioned: knee | ${KNEE[connections]} | peers per connection count in $BUILD_DIR/benchmark-sweep/references-connections.json | | | |"
fi
if want g; then
    echo "| g | flash sale, buyers/s, versioned, blind buyers, through PgBouncer (transaction pooling, its defaults), $G_CLIENTS connections | ${G_OURS} | pgbench -M extended through it ${G_THEIRS} tps | $(ratio "$G_OURS" "$G_THEIRS") | ${G_COST} / ${G_THEIRS_COST} | >= 0.9 |"
fi
if want h; then
    echo "| h | cached reads/s over TLS (rediss://, mixed, read ratio 1.0, warm; the offered 200,000/s caps it) | ${H_OURS} | redis-benchmark --tls GET ${H_THEIRS}/s | $(ratio "$H_OURS" "$H_THEIRS") | | >= 0.8 |"
fi
