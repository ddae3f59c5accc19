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

. scripts/privatesandbox.sh
inventory_private_sandbox "$CLI" audit-bench
"$CLI" init --products 0 >/dev/null

QT_QPA_PLATFORM=offscreen "$BENCH" "$@"
