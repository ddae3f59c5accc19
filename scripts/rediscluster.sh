# shellcheck shell=bash
# Sourced, not run. A private Redis Cluster of three masters (no replicas), every slot assigned, for
# the tests of what the console does when pointed at a Cluster node. From Debian's redis-server and
# redis-cli (`--cluster create`); the nodes require one password, live in $WORK (as set by
# inventory_private_sandbox) and stop when the calling script exits.
#   . scripts/privatesandbox.sh
#   inventory_private_sandbox "$CLI" NAME
#   . scripts/rediscluster.sh
#   inventory_redis_cluster
# exports
#   INVENTORY_REDIS_CLUSTER_URL    redis://:PASSWORD@127.0.0.1:PORT, the first node
#   INVENTORY_REDIS_CLUSTER_NODES  the three nodes' ports
# Returns non-zero, with the nodes' logs, if the cluster is not up (cluster_state:ok) within 15 s;
# about two seconds.
inventory_redis_cluster() {
    if [ -z "${WORK:-}" ]; then
        echo "error: inventory_redis_cluster: start inventory_private_sandbox first" >&2
        return 1
    fi
    local password dir="$WORK/cluster" ports=() port n
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    mkdir -p "$dir" || return 1
    INVENTORY_REDIS_CLUSTER_PIDFILES=
    for n in 1 2 3; do
        # inventory_free_port stays below 32000: the cluster bus port (the port + 10000) is valid.
        port=$(inventory_free_port)
        ports+=("$port")
        if ! redis-server --bind 127.0.0.1 --port "$port" --requirepass "$password" --masterauth "$password" \
            --cluster-enabled yes --cluster-config-file "$dir/nodes-$n.conf" --save '' --appendonly no \
            --dir "$dir" --daemonize yes --pidfile "$dir/node-$n.pid" --logfile "$dir/node-$n.log"; then
            echo "error: the Cluster's node $n did not start" >&2
            return 1
        fi
        INVENTORY_REDIS_CLUSTER_PIDFILES="$INVENTORY_REDIS_CLUSTER_PIDFILES $dir/node-$n.pid"
    done
    local deadline=$((SECONDS + 15)) state=
    for port in "${ports[@]}"; do
        until REDISCLI_AUTH=$password redis-cli -p "$port" PING 2>/dev/null | grep -q PONG; do
            [ "$SECONDS" -lt "$deadline" ] || break
            sleep 0.05
        done
    done
    if ! REDISCLI_AUTH=$password redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 \
        --cluster-yes >"$dir/create.log" 2>&1; then
        echo "error: redis-cli --cluster create failed:" >&2
        cat "$dir/create.log" >&2
        return 1
    fi
    while [ "$SECONDS" -lt "$deadline" ]; do
        state=ok
        for port in "${ports[@]}"; do
            REDISCLI_AUTH=$password redis-cli -p "$port" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok' ||
                state=
        done
        [ -n "$state" ] && break
        sleep 0.1
    done
    if [ -z "$state" ]; then
        echo "error: the Redis Cluster did not reach cluster_state:ok within 15 s:" >&2
        cat "$dir"/node-*.log >&2
        return 1
    fi
    export INVENTORY_REDIS_CLUSTER_URL="redis://:$password@127.0.0.1:${ports[0]}"
    export INVENTORY_REDIS_CLUSTER_NODES="${ports[*]}"
    echo "Redis Cluster of three masters on :${ports[0]} :${ports[1]} :${ports[2]}: INVENTORY_REDIS_CLUSTER_URL" >&2
}

# Stops the three; inventory_private_sandbox_remove calls it on exit.
inventory_redis_cluster_stop() {
    # shellcheck disable=SC2086 # a list of paths without spaces ($WORK is mktemp's)
    inventory_stop_pidfiles ${INVENTORY_REDIS_CLUSTER_PIDFILES:-}
}
