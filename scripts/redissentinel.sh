# shellcheck shell=bash
# Sourced, not run. A private Redis master with a replica, watched by one Sentinel (quorum 1), for the
# tests of redis+sentinel:// URLs and of a failover (SENTINEL FAILOVER). All three run from Debian's
# redis-server (the Sentinel is `redis-server --sentinel`), require the same password, live in
# $WORK (as set by inventory_private_sandbox) and stop when the calling script exits. With `tls`, a
# second trio speaks only TLS, replication and the Sentinel's own connections included, with the
# certificates of inventory_test_certificates, for rediss+sentinel:// URLs.
#   . scripts/privatesandbox.sh
#   inventory_private_sandbox "$CLI" NAME
#   . scripts/redissentinel.sh
#   inventory_redis_sentinel         # and/or: inventory_redis_sentinel tls
# exports
#   INVENTORY_REDIS_SENTINEL_URL    redis+sentinel://:PASSWORD@127.0.0.1:SENTINEL_PORT/inventory
#   INVENTORY_REDIS_SENTINEL_PORT   the Sentinel's port (it asks for no password)
#   INVENTORY_REDIS_SENTINEL_NODES  the master's and the replica's ports, in that order, at the start
# and with `tls`, INVENTORY_REDIS_SENTINEL_TLS_URL (rediss+sentinel://…?cacert=CA&sni=localhost),
# INVENTORY_REDIS_SENTINEL_TLS_PORT and INVENTORY_REDIS_SENTINEL_TLS_NODES.
# Returns non-zero, with the failing server's log, if one does not start; about a second.
inventory_redis_sentinel() {
    if [ -z "${WORK:-}" ]; then
        echo "error: inventory_redis_sentinel: start inventory_private_sandbox first" >&2
        return 1
    fi
    local tls=${1:-} password master replica sentinel dir="$WORK/sentinel" certs="$WORK/certs"
    local listen=(--port) cli=(redis-cli) conf_tls=
    if [ "$tls" = tls ]; then
        dir="$WORK/sentinel-tls"
        inventory_test_certificates "$certs" || return 1
        listen=(--port 0 --tls-replication yes --tls-auth-clients no --tls-cert-file "$certs/server.crt"
            --tls-key-file "$certs/server.key" --tls-ca-cert-file "$certs/ca.crt" --tls-port)
        cli=(redis-cli --tls --cacert "$certs/ca.crt")
        conf_tls="tls-replication yes
tls-auth-clients no
tls-cert-file $certs/server.crt
tls-key-file $certs/server.key
tls-ca-cert-file $certs/ca.crt"
    fi
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    master=$(inventory_free_port)
    replica=$(inventory_free_port)
    sentinel=$(inventory_free_port)
    mkdir -p "$dir" || return 1
    local name port extra
    for name in master replica; do
        port=$master extra=()
        if [ "$name" = replica ]; then
            port=$replica extra=(--replicaof 127.0.0.1 "$master")
        fi
        if ! redis-server --bind 127.0.0.1 "${listen[@]}" "$port" --requirepass "$password" \
            --masterauth "$password" --save '' --appendonly no --dir "$dir" --daemonize yes \
            --pidfile "$dir/$name.pid" --logfile "$dir/$name.log" "${extra[@]}"; then
            echo "error: the Sentinel's $name did not start" >&2
            return 1
        fi
        INVENTORY_REDIS_SENTINEL_PIDFILES="${INVENTORY_REDIS_SENTINEL_PIDFILES:-} $dir/$name.pid"
    done
    # The Sentinel rewrites its configuration file: it gets one of its own.
    local sentinel_port="port $sentinel"
    [ "$tls" = tls ] && sentinel_port="port 0
tls-port $sentinel"
    cat >"$dir/sentinel.conf" <<CONF
bind 127.0.0.1
$sentinel_port
$conf_tls
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
sentinel monitor inventory 127.0.0.1 $master 1
sentinel auth-pass inventory $password
sentinel down-after-milliseconds inventory 1000
sentinel failover-timeout inventory 5000
CONF
    if ! redis-server "$dir/sentinel.conf" --sentinel; then
        echo "error: the Sentinel did not start" >&2
        return 1
    fi
    INVENTORY_REDIS_SENTINEL_PIDFILES="$INVENTORY_REDIS_SENTINEL_PIDFILES $dir/sentinel.pid"
    # Ready when the replica is in sync and the Sentinel has found it.
    local deadline=$((SECONDS + 15)) link= replicas=
    while [ "$SECONDS" -lt "$deadline" ]; do
        link=$(REDISCLI_AUTH=$password "${cli[@]}" -p "$replica" INFO replication 2>/dev/null |
            sed -n 's/^master_link_status:\([a-z]*\).*/\1/p')
        replicas=$("${cli[@]}" -p "$sentinel" SENTINEL replicas inventory 2>/dev/null | grep -c "^$replica$" || true)
        [ "$link" = up ] && [ "$replicas" -ge 1 ] && break
        sleep 0.1
    done
    if [ "$link" != up ] || [ "$replicas" -lt 1 ]; then
        echo "error: the Sentinel's replica did not come up within 15 s (link '$link', known $replicas):" >&2
        cat "$dir/replica.log" "$dir/sentinel.log" >&2
        return 1
    fi
    if [ "$tls" = tls ]; then
        export INVENTORY_REDIS_SENTINEL_TLS_URL="rediss+sentinel://:$password@127.0.0.1:$sentinel/inventory?\
cacert=$certs/ca.crt&sni=localhost"
        export INVENTORY_REDIS_SENTINEL_TLS_PORT=$sentinel INVENTORY_REDIS_SENTINEL_TLS_NODES="$master $replica"
        echo "Redis master :$master and replica :$replica under a Sentinel on :$sentinel, all over TLS:" \
            "INVENTORY_REDIS_SENTINEL_TLS_URL" >&2
        return 0
    fi
    export INVENTORY_REDIS_SENTINEL_URL="redis+sentinel://:$password@127.0.0.1:$sentinel/inventory"
    export INVENTORY_REDIS_SENTINEL_PORT=$sentinel INVENTORY_REDIS_SENTINEL_NODES="$master $replica"
    echo "Redis master :$master and replica :$replica under a Sentinel on :$sentinel:" \
        "INVENTORY_REDIS_SENTINEL_URL" >&2
}

# Stops the three (or six); inventory_private_sandbox_remove calls it on exit.
inventory_redis_sentinel_stop() {
    # shellcheck disable=SC2086 # a list of paths without spaces ($WORK is mktemp's)
    inventory_stop_pidfiles ${INVENTORY_REDIS_SENTINEL_PIDFILES:-}
}
