#!/usr/bin/env bash
# Times the audit-log page over a 1,000,000-row audit log on a private PostgreSQL and Redis, and
# prints a Markdown table of medians (see bench_auditlog.cpp for what is measured).
# Usage: tests/benchmarks/run_audit_benchmark.sh [bench_auditlog options, e.g. --runs 5 or --screenshot FILE]
# BUILD_DIR (default build) and JOBS (default: all cores) choose where and how wide to build.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/packages.sh
inventory_install_packages

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target inventory-console bench_auditlog >/dev/null
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
CLI="$BUILD_DIR/app/inventory-console"
BENCH="$BUILD_DIR/tests/benchmarks/bench_auditlog"

WORK=$(mktemp -d /tmp/inventory-audit-bench.XXXXXX)
# PostgreSQL runs as an unprivileged account when we are root: it must reach the sandbox.
chmod 755 "$WORK"
cleanup() {
    "$CLI" sandbox stop --dir "$WORK/sandbox" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
if ! "$CLI" sandbox start --dir "$WORK/sandbox" --fast-unsafe >"$WORK/sandbox.log" 2>&1; then
    cat "$WORK/sandbox.log" >&2
    exit 3
fi
eval "$("$CLI" sandbox status --dir "$WORK/sandbox" | sed -n 's/^ *export /export /p')"
export INVENTORY_PG_URL INVENTORY_REDIS_URL
"$CLI" init --products 0 >/dev/null

QT_QPA_PLATFORM=offscreen "$BENCH" "$@"
