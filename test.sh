#!/usr/bin/env bash
# Installs what is missing, builds, starts a private PostgreSQL and Redis on free ports in a
# temporary directory, runs every test with ctest, stops the services and exits with ctest's status.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/packages.sh
inventory_install_packages

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DINVENTORY_BUILD_TESTS=ON
cmake --build "$BUILD_DIR" -j"$(nproc)"
CLI="$PWD/$BUILD_DIR/app/inventory-console"

WORK=$(mktemp -d /tmp/inventory-test.XXXXXX)
# PostgreSQL runs as an unprivileged account when we are root: it must reach the sandbox.
chmod 755 "$WORK"
SANDBOX="$WORK/sandbox"
cleanup() {
    "$CLI" sandbox stop --dir "$SANDBOX" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The private instance is thrown away at the end: PostgreSQL without fsync is enough for tests.
"$CLI" sandbox start --dir "$SANDBOX" --fast-unsafe
eval "$("$CLI" sandbox status --dir "$SANDBOX" | sed -n 's/^ *export /export /p')"
export INVENTORY_SANDBOX_DIR="$SANDBOX"
export INVENTORY_REQUIRE_SERVICES=1
export QT_QPA_PLATFORM=offscreen
"$CLI" init --products 0 >/dev/null

status=0
(cd "$BUILD_DIR" && ctest --output-on-failure) || status=$?
exit "$status"
