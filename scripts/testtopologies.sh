# shellcheck shell=bash
# Sourced, not run. Every server topology the integration tests run against, beside the private
# sandbox of inventory_private_sandbox; the one list that ./test.sh and scripts/sanitize.sh share.
#   . scripts/privatesandbox.sh
#   inventory_private_sandbox "$CLI" NAME
#   . scripts/testtopologies.sh
#   inventory_test_topologies
# Each server stops when the calling script exits. Returns non-zero as soon as one does not start.
inventory_test_topologies() {
    local here
    here=$(dirname "${BASH_SOURCE[0]}")
    # Two PgBouncers in front of the sandbox, for the tests through a pooler (tst_topologies,
    # tst_isolation): INVENTORY_PGBOUNCER_TX_URL (transaction pooling) and
    # INVENTORY_PGBOUNCER_SESSION_URL (session pooling), each with an _OWNER_URL.
    . "$here/pgbouncer.sh"
    inventory_pgbouncers_for_tests || return 1
    # Another PostgreSQL, for TLS and failover (tst_topologies, tst_isolation, tst_failover): a primary
    # that speaks TLS with a synchronous streaming standby, INVENTORY_PG_TLS_URL and INVENTORY_PG_HA_URL.
    . "$here/pgstandby.sh"
    inventory_pg_standby_pair || return 1
    # Redis over TLS, with and without client certificates (tst_redistls).
    . "$here/redistls.sh"
    inventory_redis_tls_pair || return 1
    # A Redis master and replica under a Sentinel, in plain TCP and over TLS (tst_redissentinel).
    . "$here/redissentinel.sh"
    inventory_redis_sentinel || return 1
    inventory_redis_sentinel tls || return 1
    # A Redis Cluster of three masters (tst_rediscluster).
    . "$here/rediscluster.sh"
    inventory_redis_cluster || return 1
}
