#!/usr/bin/env bash
# Installs what is missing, builds, starts a private PostgreSQL and Redis on free ports in a
# temporary directory, two PgBouncers in front of that PostgreSQL and a second PostgreSQL with TLS and
# a streaming standby, runs every test with ctest, stops the services and exits with ctest's status.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/packages.sh
inventory_install_packages

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DINVENTORY_BUILD_TESTS=ON
cmake --build "$BUILD_DIR" -j"$(nproc)"
CLI="$PWD/$BUILD_DIR/app/inventory-console"

. scripts/privatesandbox.sh
inventory_private_sandbox "$CLI" test
export INVENTORY_SANDBOX_DIR="$SANDBOX"
export INVENTORY_REQUIRE_SERVICES=1
export QT_QPA_PLATFORM=offscreen
"$CLI" init --products 0 >/dev/null
# PgBouncer, a TLS primary with its standby, Redis over TLS, Sentinels and a Cluster.
. scripts/testtopologies.sh
inventory_test_topologies

status=0
(cd "$BUILD_DIR" && ctest --output-on-failure) || status=$?
exit "$status"
