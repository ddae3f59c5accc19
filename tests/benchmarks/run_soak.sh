#!/usr/bin/env bash
# A long mixed load with a fault every minute, on a private PostgreSQL and Redis: does anything
# grow that should not? Samples the simulating process (resident memory, threads, open files) and
# the servers (PostgreSQL sessions, Redis clients) at the start and once a minute, then prints the
# run's own verdict (oversold, ledger, divergent keys, errors by fault).
# Usage: tests/benchmarks/run_soak.sh [MINUTES] [RATE]   (default 30 minutes at 2000 req/s)
# BUILD_DIR (default build) chooses where to build.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/packages.sh
inventory_install_packages

MINUTES=${1:-30}
RATE=${2:-2000}
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target inventory-console >/dev/null
CLI="$(cd "$BUILD_DIR" && pwd)/app/inventory-console"

. scripts/privatesandbox.sh
inventory_private_sandbox "$CLI" soak

# One fault a minute, every kind in turn, each 3 s long (a restart is over at once).
kinds=(redis-pause pg-terminate redis-kill redis-client-pause pg-restart redis-restart)
faults=()
for ((m = 1; m < MINUTES; m++)); do
    kind=${kinds[$(((m - 1) % ${#kinds[@]}))]}
    if [ "$kind" = redis-restart ]; then
        faults+=(--fault "${kind}@$((m * 60))s")
    else
        faults+=(--fault "${kind}@$((m * 60))s+3s")
    fi
done

# Passwords through the environment (REDISCLI_AUTH, PGPASSWORD), never on a command line.
REDIS_PORT=${INVENTORY_REDIS_URL##*:}
redis_clients() {
    REDISCLI_AUTH=$(inventory_redis_password) redis-cli -p "$REDIS_PORT" INFO clients 2>/dev/null |
        sed -n 's/^connected_clients:\([0-9]*\).*/\1/p'
}
pg_sessions() {
    PGPASSWORD=$(inventory_pg_password) psql "$(inventory_pg_url_without_password)" -Atc \
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" \
        2>/dev/null || echo "-"
}

"$CLI" simulate --scenario mixed --rate "$RATE" --duration $((MINUTES * 60)) --products 1000 \
    --stock 1000000 --dir "$SANDBOX" "${faults[@]}" --report "$WORK/report.json" \
    >"$WORK/simulate.out" 2>"$WORK/simulate.err" &
pid=$!
sample() {
    local status rss threads fds
    status=$(cat "/proc/$pid/status" 2>/dev/null) || return 1
    rss=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' <<<"$status")
    threads=$(awk '/^Threads:/ {print $2}' <<<"$status")
    fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$rss" "$threads" "$fds" "$(pg_sessions)" "$(redis_clients)"
}
echo "Mixed load at $RATE req/s for $MINUTES min, one fault a minute (${kinds[*]} in turn), on the"
echo "private sandbox (PostgreSQL fast-unsafe). The simulating process and the servers:"
echo
echo "| minute | RSS MB | threads | open files | PostgreSQL sessions | Redis clients |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
# 20 s in (past the set-up and the warm-up), then every minute, 20 s after that minute's fault
# began: it is over and the servers have settled.
for ((t = 0; t < 20; t++)); do kill -0 "$pid" 2>/dev/null && sleep 1; done
if sample "0"; then
    for ((m = 1; m <= MINUTES; m++)); do
        for ((t = 0; t < 60; t++)); do kill -0 "$pid" 2>/dev/null && sleep 1; done
        sample "$m" || break
    done
fi
status=0
wait "$pid" || status=$?
echo
grep -E "^  (ok / refused|consistency|in-doubt|fault )|correct:" "$WORK/simulate.out" || true
if [ "$status" -ne 0 ] && [ ! -s "$WORK/report.json" ]; then
    echo "the simulation failed (exit $status):" >&2
    tail -5 "$WORK/simulate.err" >&2
    exit 1
fi
