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
# Two PgBouncers in front of it, for the tests through a pooler: INVENTORY_PGBOUNCER_TX_URL (transaction
# pooling) and INVENTORY_PGBOUNCER_SESSION_URL (session pooling), each with an _OWNER_URL.
. scripts/pgbouncer.sh
inventory_pgbouncers_for_tests
# Another PostgreSQL, for TLS and failover (tst_topologies, tst_isolation, tst_failover): a primary that
# speaks TLS with a synchronous streaming standby, INVENTORY_PG_TLS_URL and INVENTORY_PG_HA_URL.
. scripts/pgstandby.sh
inventory_pg_standby_pair
# And Redis over TLS, with and without client certificates (tst_redistls).
. scripts/redistls.sh
inventory_redis_tls_pair
# And a Redis master and replica under a Sentinel, in plain TCP and over TLS (tst_redissentinel).
. scripts/redissentinel.sh
inventory_redis_sentinel
inventory_redis_sentinel tls
# And a Redis Cluster of three masters (tst_rediscluster).
. scripts/rediscluster.sh
inventory_redis_cluster

status=0
(cd "$BUILD_DIR" && ctest --output-on-failure) || status=$?
exit "$status"
