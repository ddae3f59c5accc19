# shellcheck shell=bash
# Sourced, not run. Two private Redis servers that speak only TLS, for the tests of rediss:// URLs,
# with the certificates of inventory_test_certificates (a throw-away CA; a server certificate for
# the name localhost only): one that asks for no client certificate, one that requires one (mutual
# TLS). Both require a password, live in $WORK (as set by inventory_private_sandbox) and stop when
# the calling script exits.
#   . scripts/privatesandbox.sh
#   inventory_private_sandbox "$CLI" NAME
#   . scripts/redistls.sh
#   inventory_redis_tls_pair
# exports
#   INVENTORY_REDIS_TLS_URL       rediss://:PASSWORD@localhost:PORT?cacert=CA
#   INVENTORY_REDIS_MTLS_URL      the mutual-TLS server, with cert= and key= of the client
#   INVENTORY_REDIS_TLS_CA        the CA's certificate; INVENTORY_REDIS_TLS_OTHER_CA another CA's
#   INVENTORY_REDIS_TLS_CLIENT_CERT, INVENTORY_REDIS_TLS_CLIENT_KEY   the client's
#   INVENTORY_REDIS_TLS_PIDFILE   the first server's pid file, to pause it (SIGSTOP)
# Returns non-zero, with the server's log, if one does not start; well under a second.
inventory_redis_tls_pair() {
    if [ -z "${WORK:-}" ]; then
        echo "error: inventory_redis_tls_pair: start inventory_private_sandbox first" >&2
        return 1
    fi
    local certs="$WORK/certs" password
    inventory_test_certificates "$certs" || return 1
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    INVENTORY_REDIS_TLS_PIDFILES=
    local mode port ports=()
    for mode in optional yes; do
        port=$(inventory_free_port)
        if ! redis-server --bind 127.0.0.1 --port 0 --tls-port "$port" \
            --tls-cert-file "$certs/server.crt" --tls-key-file "$certs/server.key" \
            --tls-ca-cert-file "$certs/ca.crt" --tls-auth-clients "$mode" --requirepass "$password" \
            --save '' --appendonly no --dir "$WORK" --daemonize yes \
            --pidfile "$WORK/redis-tls-$mode.pid" --logfile "$WORK/redis-tls-$mode.log"; then
            echo "error: the TLS Redis ($mode client certificate) did not start" >&2
            return 1
        fi
        INVENTORY_REDIS_TLS_PIDFILES="$INVENTORY_REDIS_TLS_PIDFILES $WORK/redis-tls-$mode.pid"
        local deadline=$((SECONDS + 10)) answer=
        while [ "$SECONDS" -lt "$deadline" ]; do
            answer=$(REDISCLI_AUTH=$password redis-cli --tls --cacert "$certs/ca.crt" --cert "$certs/client.crt" \
                --key "$certs/client.key" -h localhost -p "$port" PING 2>/dev/null) || true
            [ "$answer" = PONG ] && break
            sleep 0.05
        done
        if [ "$answer" != PONG ]; then
            echo "error: the TLS Redis on port $port did not answer within 10 s:" >&2
            cat "$WORK/redis-tls-$mode.log" >&2
            return 1
        fi
        ports+=("$port")
    done
    export INVENTORY_REDIS_TLS_URL="rediss://:$password@localhost:${ports[0]}?cacert=$certs/ca.crt"
    export INVENTORY_REDIS_MTLS_URL="rediss://:$password@localhost:${ports[1]}?cacert=$certs/ca.crt&\
cert=$certs/client.crt&key=$certs/client.key"
    export INVENTORY_REDIS_TLS_CA="$certs/ca.crt" INVENTORY_REDIS_TLS_OTHER_CA="$certs/other-ca.crt"
    export INVENTORY_REDIS_TLS_CLIENT_CERT="$certs/client.crt" INVENTORY_REDIS_TLS_CLIENT_KEY="$certs/client.key"
    export INVENTORY_REDIS_TLS_PIDFILE="$WORK/redis-tls-optional.pid"
    echo "Redis over TLS on localhost:${ports[0]}, and with client certificates on :${ports[1]}:" \
        "INVENTORY_REDIS_TLS_URL, INVENTORY_REDIS_MTLS_URL" >&2
}

# Stops both servers (a paused one too); inventory_private_sandbox_remove calls it on exit.
inventory_redis_tls_stop() {
    # shellcheck disable=SC2086 # a list of paths without spaces ($WORK is mktemp's)
    inventory_stop_pidfiles ${INVENTORY_REDIS_TLS_PIDFILES:-}
}
