#!/usr/bin/env bash
# Builds the engine's tests with a sanitizer and runs the unit and integration tests against a
# private PostgreSQL and Redis: `scripts/sanitize.sh address` (ASan + UBSan) or `thread` (TSan).
# Any report fails the run. Suppressions, if any, live in scripts/sanitizers/ with a comment each.
# BUILD_DIR (default build-<kind>) chooses where to build.
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:?usage: scripts/sanitize.sh address|thread}
case "$KIND" in address | thread) ;; *) echo "scripts/sanitize.sh: give address or thread, not '$KIND'" >&2; exit 2 ;; esac
. scripts/packages.sh
# ccache keeps a sanitizer build from starting from nothing in every new clone (CI's case): paths are
# taken relative to the clone (CCACHE_BASEDIR) and the build's directory is left out of the hash, so
# another clone of the same sources hits the same entries; no compile line names an absolute path
# (tests/testpaths.h, tests/CMakeLists.txt), or that clone would miss. INVENTORY_CCACHE=0 builds
# without it.
if [ "${INVENTORY_CCACHE:-1}" = 1 ]; then
    INVENTORY_PACKAGES+=(ccache)
fi
inventory_install_packages
BUILD_DIR=${BUILD_DIR:-build-$KIND}
launcher=()
if [ "${INVENTORY_CCACHE:-1}" = 1 ]; then
    export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINVENTORY_SANITIZE="$KIND" "${launcher[@]}" >/dev/null
# SANITIZE_BUILD_LOCK names a lock file to hold while building (shared machines: one build at a time).
if [ -n "${SANITIZE_BUILD_LOCK:-}" ]; then
    flock "$SANITIZE_BUILD_LOCK" cmake --build "$BUILD_DIR" -j"$(nproc)"
else
    cmake --build "$BUILD_DIR" -j"$(nproc)"
fi
CLI="$(cd "$BUILD_DIR" && pwd)/app/inventory-console"
. scripts/privatesandbox.sh
inventory_private_sandbox "$CLI" sanitize
export INVENTORY_SANDBOX_DIR="$SANDBOX" INVENTORY_REQUIRE_SERVICES=1 QT_QPA_PLATFORM=offscreen
SUPPRESSIONS="$PWD/scripts/sanitizers"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$SUPPRESSIONS/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$SUPPRESSIONS/ubsan.supp"
# die_after_fork=0: the tests start the CLI through QProcess, which forks the multi-threaded test and
# execs at once; the child runs none of our code before exec.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:suppressions=$SUPPRESSIONS/tsan.supp"
"$CLI" init --products 0 >/dev/null
# PgBouncer, a TLS primary with its standby, Redis over TLS, Sentinels and a Cluster.
. scripts/testtopologies.sh
inventory_test_topologies
status=0
# tst_packagelist checks the package list against the build's CMake files, the same for every build:
# ./test.sh runs it once.
(cd "$BUILD_DIR" && ctest --output-on-failure -L 'unit|integration' -E '^tst_packagelist$' --timeout 1200) ||
    status=$?
echo "sanitize ($KIND): ctest exited $status"
exit $status
