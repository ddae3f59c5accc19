#!/usr/bin/env bash
# Load agents on this machine: the same mixed load (10,000 req/s for 5 s, read ratio 0.9, 1,000
# products, versioned, 3 servers x 4 connections in all) run in one process and over 1, 2 and 3
# agent processes, on a private sandbox. Prints a Markdown table of medians: served rate, read p99,
# the bytes each agent sends per 250 ms window and the coordinator's merge time per window.
# Usage: tests/benchmarks/run_agents.sh [REPEATS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/packages.sh
INVENTORY_PACKAGES+=(python3)
inventory_install_packages

REPEATS=${1:-3}
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target inventory-console >/dev/null
CLI="$PWD/$BUILD_DIR/app/inventory-console"
. scripts/privatesandbox.sh
inventory_private_sandbox "$CLI" agents
"$CLI" init --products 0 >/dev/null

AGENT_PIDS=()
stop_agents() {
    [ ${#AGENT_PIDS[@]} -eq 0 ] && return 0
    kill -TERM "${AGENT_PIDS[@]}" 2>/dev/null || true
    wait "${AGENT_PIDS[@]}" 2>/dev/null || true
    AGENT_PIDS=()
}
trap 'stop_agents; inventory_private_sandbox_remove' EXIT INT TERM
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 3))" "$@"; }
LOAD=(--scenario mixed --strategy versioned --rate 10000 --duration 5 --read-ratio 0.9 --products 1000
      --servers 3 --connections 4)

echo "| agents | served req/s | read p99 ms | bytes per window per agent | merge us per window (max) |"
echo "| --- | --- | --- | --- | --- |"
for agents in 0 1 2 3; do
    stop_agents
    names=()
    for i in $(seq "$agents"); do
        names+=("bench-$i")
        "$CLI" agent --name "bench-$i" 2>"$WORK/agent-$i.log" &
        AGENT_PIDS+=($!)
    done
    sleep 2
    rate=() p99=() bytes=() merge=() most=()
    for run in $(seq "$REPEATS"); do
        echo "agents $agents, run $run/$REPEATS" >&2
        if [ "$agents" -eq 0 ]; then
            "$CLI" simulate "${LOAD[@]}" --json >"$WORK/run.json" || true
            bytes+=(0) merge+=(0) most+=(0)
        else
            "$CLI" simulate "${LOAD[@]}" --agents "$(IFS=,; echo "${names[*]}")" --json >"$WORK/run.json" || true
            bytes+=("$(json "$WORK/run.json" "sum(a['bytes_per_window'] for a in r['agents']) / len(r['agents'])")")
            merge+=("$(json "$WORK/run.json" "r['merge_us_per_window']")")
            most+=("$(json "$WORK/run.json" "r['merge_us_max']")")
        fi
        rate+=("$(json "$WORK/run.json" "r['throughput_rps']")")
        p99+=("$(json "$WORK/run.json" "r['latency_ms']['read']['p99']")")
    done
    label=$([ "$agents" -eq 0 ] && echo "none (one process)" || echo "$agents")
    echo "| $label | $(median "${rate[@]}") | $(median "${p99[@]}") | $(median "${bytes[@]}") | $(median "${merge[@]}") ($(median "${most[@]}")) |"
done
