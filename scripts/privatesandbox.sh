# Sourced, not run. A throw-away PostgreSQL (fast-unsafe unless INVENTORY_SANDBOX_MODE=durable:
# nothing in it outlives the script) and
# Redis for ./test.sh, the benchmarks, the sanitizer runs and the screenshots: started in a new
# directory under /tmp, its URLs exported, and stopped and removed when the calling script exits.
#   . scripts/privatesandbox.sh
#   inventory_private_sandbox "$CLI" NAME     # sets WORK (the directory) and SANDBOX
inventory_private_sandbox() {
    INVENTORY_PRIVATE_CLI=$1
    WORK=$(mktemp -d "/tmp/inventory-$2.XXXXXX")
    # PostgreSQL runs as an unprivileged account when we are root: it must reach the sandbox.
    chmod 755 "$WORK"
    SANDBOX="$WORK/sandbox"
    trap inventory_private_sandbox_remove EXIT INT TERM
    echo "starting a private PostgreSQL and Redis in $SANDBOX" >&2
    # INVENTORY_SANDBOX_MODE=durable keeps PostgreSQL's fsync and synchronous_commit on.
    if ! "$INVENTORY_PRIVATE_CLI" sandbox start --dir "$SANDBOX" "--${INVENTORY_SANDBOX_MODE:-fast-unsafe}" \
        >"$WORK/sandbox.log" 2>&1; then
        cat "$WORK/sandbox.log" >&2
        exit 3
    fi
    eval "$("$INVENTORY_PRIVATE_CLI" sandbox status --dir "$SANDBOX" | sed -n 's/^ *export /export /p')"
    export INVENTORY_PG_URL INVENTORY_REDIS_URL INVENTORY_PG_OWNER_URL INVENTORY_PG_READER_URL
}

# The password in INVENTORY_REDIS_URL (redis://[user]:PASSWORD@host:port), for redis-cli through
# REDISCLI_AUTH: a password given with -a would show in the process list.
#   REDISCLI_AUTH=$(inventory_redis_password) redis-cli -p "$REDIS_PORT" ...
inventory_redis_password() {
    local auth=${INVENTORY_REDIS_URL#redis://}
    case $auth in
    *@*) auth=${auth%@*}; printf '%s' "${auth#*:}" ;;
    esac
}

inventory_private_sandbox_remove() {
    # What runs in front of the sandbox stops first: the PgBouncers of scripts/pgbouncer.sh.
    if declare -F inventory_pgbouncer_stop_all >/dev/null; then
        inventory_pgbouncer_stop_all
    fi
    # The standby pair of scripts/pgstandby.sh, the Redis servers of scripts/redistls.sh,
    # scripts/redissentinel.sh and scripts/rediscluster.sh.
    if declare -F inventory_pg_standby_stop >/dev/null; then
        inventory_pg_standby_stop
    fi
    if declare -F inventory_redis_tls_stop >/dev/null; then
        inventory_redis_tls_stop
    fi
    if declare -F inventory_redis_sentinel_stop >/dev/null; then
        inventory_redis_sentinel_stop
    fi
    if declare -F inventory_redis_cluster_stop >/dev/null; then
        inventory_redis_cluster_stop
    fi
    "$INVENTORY_PRIVATE_CLI" sandbox stop --dir "$SANDBOX" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}

# INVENTORY_PG_URL (or the URL given) split in two, so that a client such as pgbench gets the
# password through PGPASSWORD rather than on its command line.
inventory_pg_password() {
    printf '%s' "${1:-$INVENTORY_PG_URL}" | sed -nE 's#^postgres(ql)?://[^:/@]*:([^@]*)@.*#\2#p'
}
inventory_pg_url_without_password() {
    printf '%s' "${1:-$INVENTORY_PG_URL}" | sed -E 's#^(postgres(ql)?://[^:/@]*):[^@]*@#\1@#'
}

# A port of 127.0.0.1 that nothing listens on, below the kernel's ephemeral range (32768 and up) so
# that an outgoing connection is unlikely to hold it.
inventory_free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 12000))
        (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    done
    echo "$port"
}

# Certificates for the TLS tests, made once per $WORK in CERTS: a throw-away CA (ca.crt), a server
# certificate it signs for the name localhost only (server.crt, server.key: not for 127.0.0.1, so
# that verifying by address fails as it should), a client certificate it signs (client.crt,
# client.key), and another CA (other-ca.crt) that signed none of them.
inventory_test_certificates() {
    local certs=$1
    [ -f "$certs/other-ca.crt" ] && return 0
    mkdir -p -m 700 "$certs" || return 1
    if ! {
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=inventory test CA" \
            -keyout "$certs/ca.key" -out "$certs/ca.crt" &&
            openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
                -keyout "$certs/server.key" -out "$certs/server.csr" &&
            printf 'subjectAltName = DNS:localhost\n' >"$certs/san.ext" &&
            openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
                -CAcreateserial -days 2 -extfile "$certs/san.ext" -out "$certs/server.crt" &&
            openssl req -newkey rsa:2048 -nodes -subj "/CN=inventory client" \
                -keyout "$certs/client.key" -out "$certs/client.csr" &&
            openssl x509 -req -in "$certs/client.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
                -CAcreateserial -days 2 -out "$certs/client.crt" &&
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
                -keyout "$certs/other-ca.key" -out "$certs/other-ca.crt"
    } >"$certs/openssl.log" 2>&1; then
        echo "error: the test certificates could not be made:" >&2
        cat "$certs/openssl.log" >&2
        return 1
    fi
    chmod 755 "$certs"
    chmod 644 "$certs/ca.crt" "$certs/other-ca.crt" "$certs/server.crt" "$certs/client.crt"
}

# Stops the servers whose pid files are named (a paused one too: it is woken first to take the
# signal); for the servers that scripts/redistls.sh, scripts/redissentinel.sh and
# scripts/rediscluster.sh start.
inventory_stop_pidfiles() {
    local pidfile pid
    for pidfile in "$@"; do
        pid=$(cat "$pidfile" 2>/dev/null) || continue
        kill -CONT "$pid" 2>/dev/null || true
        kill "$pid" 2>/dev/null || true
    done
}
