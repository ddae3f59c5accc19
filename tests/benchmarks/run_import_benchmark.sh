#!/usr/bin/env bash
# Times `import-count` of a 10,000-line stock count against 10,000 products on a private PostgreSQL
# and Redis: the preview alone (--dry-run) and the whole import (one transaction, one audit row per
# changed SKU), alternating two counts so that every run changes every SKU. Prints medians.
# Usage: tests/benchmarks/run_import_benchmark.sh [RUNS]   (default 5)
# BUILD_DIR (default build) chooses where to build.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/packages.sh
inventory_install_packages

RUNS=${1:-5}
LINES=10000
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target inventory-console >/dev/null
CLI="$(cd "$BUILD_DIR" && pwd)/app/inventory-console"

. scripts/privatesandbox.sh
inventory_private_sandbox "$CLI" import-bench
echo "seeding $LINES products…" >&2
"$CLI" init --products "$LINES" --stock 100 >/dev/null
for variant in 0 1; do
    {
        echo "sku,counted,reason"
        for ((i = 1; i <= LINES; i++)); do
            printf 'SKU-%05d,%d,aisle %d\n' "$i" $((90 + (i + variant) % 20)) $((i % 40))
        done
    } >"$WORK/count-$variant.csv"
done
# With 10,000 products the demo SKUs are SKU-00001 … SKU-10000.

ms() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
: >"$WORK/dry.txt"
: >"$WORK/apply.txt"
for ((run = 0; run < RUNS; run++)); do
    file="$WORK/count-$((run % 2)).csv"
    start=$(ms)
    "$CLI" import-count "$file" --dry-run >/dev/null 2>&1
    echo $((($(ms) - start) / 1000000)) >>"$WORK/dry.txt"
    start=$(ms)
    out=$("$CLI" import-count "$file" 2>&1 | tail -1)
    echo $((($(ms) - start) / 1000000)) >>"$WORK/apply.txt"
    echo "run $((run + 1)): $out" >&2
done
rows=$("$CLI" audit --limit 1 --json | grep -c '"id"' || true)
echo
echo "On the sandbox PostgreSQL in fast-unsafe mode (fsync off)."
echo
echo "| $LINES-line stock count (median of $RUNS, whole command incl. process start) | ms |"
echo "| --- | ---: |"
echo "| preview only (--dry-run) | $(median <"$WORK/dry.txt") |"
echo "| preview and apply, one transaction | $(median <"$WORK/apply.txt") |"
[ "$rows" -ge 1 ] || { echo "no audit rows were written" >&2; exit 1; }
