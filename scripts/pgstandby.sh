# shellcheck shell=bash
# Sourced, not run. A second private PostgreSQL for the tests of TLS and failover: a primary (another
# `inventory-console sandbox`, durable, with its own Redis) that speaks TLS with a certificate of a
# throw-away CA for the name localhost, and a streaming standby of it, with the same roles and
# certificate, on another port. Commits on the primary wait until the standby has written them
# (synchronous_standby_names = '*', synchronous_commit = remote_write), so a promotion loses no
# acknowledged write. Both live in $WORK (as set by inventory_private_sandbox) and stop when the
# calling script exits.
#   . scripts/privatesandbox.sh
#   inventory_private_sandbox "$CLI" NAME
#   . scripts/pgstandby.sh
#   inventory_pg_standby_pair
# exports
#   INVENTORY_PG_TLS_URL    inventory_app at localhost, sslmode=verify-full with the CA (sslrootcert),
#                           both servers listed with target_session_attrs=read-write
#   INVENTORY_PG_HA_URL     inventory_app at 127.0.0.1, both servers, target_session_attrs=read-write
#   INVENTORY_PG_HA_CA      the CA's certificate; INVENTORY_PG_HA_OTHER_CA another CA's, which did
#                           not sign the server's
#   INVENTORY_PG_HA_PRIMARY_PIDFILE    the primary's postmaster.pid, to stop it as a crash would
#   INVENTORY_PG_HA_STANDBY_ADMIN_URL  the standby's superuser, to promote it (pg_promote())
# Returns non-zero, with the failing step's output, if a step fails; about 5 seconds in all.
inventory_pg_standby_pair() {
    local primary="$WORK/ha-primary" standby="$WORK/ha-standby" certs="$WORK/certs"
    if [ -z "${WORK:-}" ] || [ -z "${INVENTORY_PRIVATE_CLI:-}" ]; then
        echo "error: inventory_pg_standby_pair: start inventory_private_sandbox first" >&2
        return 1
    fi
    INVENTORY_PG_HA_DIRS="$primary $standby"
    if ! "$INVENTORY_PRIVATE_CLI" sandbox start --dir "$primary" --durable >"$WORK/ha-primary.log" 2>&1; then
        echo "error: the standby pair's primary did not start:" >&2
        cat "$WORK/ha-primary.log" >&2
        return 1
    fi
    local port superpass app_password os_user
    port=$(inventory_pg_standby_setting "$primary" pg_port) &&
        superpass=$(inventory_pg_standby_setting "$primary" pg_password) &&
        app_password=$(inventory_pg_standby_setting "$primary" pg_app_password) &&
        os_user=$(inventory_pg_standby_setting "$primary" pg_os_user) || return 1
    inventory_pg_standby_certificates "$certs" "$primary/pg" "$os_user" || return 1
    inventory_pg_standby_sql "$port" "$superpass" \
        "ALTER SYSTEM SET ssl = on" "ALTER SYSTEM SET ssl_cert_file = 'server.crt'" \
        "ALTER SYSTEM SET ssl_key_file = 'server.key'" "SELECT pg_reload_conf()" >/dev/null || return 1

    # The standby: a base backup of the primary (certificate and roles included), streaming from it.
    local sport
    sport=$(inventory_free_port)
    mkdir -m 700 "$standby" "$standby/run" || return 1
    [ "$(id -u)" -ne 0 ] || chown "$os_user": "$standby" "$standby/run"
    if ! inventory_pg_standby_as "$os_user" env PGPASSWORD="$superpass" pg_basebackup -D "$standby/pg" -R \
        -X stream -c fast -h 127.0.0.1 -p "$port" -U inventory >"$WORK/ha-standby.log" 2>&1 ||
        ! inventory_pg_standby_as "$os_user" pg_ctl -D "$standby/pg" -l "$standby/pg.log" -w -t 20 \
            -o "-p $sport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$standby/run \
-c max_connections=400" start >>"$WORK/ha-standby.log" 2>&1; then
        echo "error: the standby did not start:" >&2
        cat "$WORK/ha-standby.log" "$standby/pg.log" >&2 2>/dev/null
        return 1
    fi
    # Only now, so that the standby's copy of the settings has none of it: once promoted, it waits for
    # no standby of its own.
    inventory_pg_standby_sql "$port" "$superpass" "ALTER SYSTEM SET synchronous_standby_names = '*'" \
        "ALTER SYSTEM SET synchronous_commit = remote_write" "SELECT pg_reload_conf()" >/dev/null || return 1
    local deadline=$((SECONDS + 10)) state=
    while [ "$SECONDS" -lt "$deadline" ]; do
        state=$(inventory_pg_standby_sql "$port" "$superpass" \
            "SELECT sync_state FROM pg_stat_replication") || return 1
        [ "$state" = sync ] && break
        sleep 0.1
    done
    if [ "$state" != sync ]; then
        echo "error: the standby did not become a synchronous standby within 10 s ('$state'):" >&2
        cat "$standby/pg.log" >&2
        return 1
    fi

    local user=inventory_app hosts="127.0.0.1:$port,127.0.0.1:$sport"
    export INVENTORY_PG_HA_URL="postgresql://$user:$app_password@$hosts/inventory?target_session_attrs=read-write"
    export INVENTORY_PG_TLS_URL="postgresql://$user:$app_password@localhost:$port,localhost:$sport/inventory?\
target_session_attrs=read-write&sslmode=verify-full&sslrootcert=$certs/ca.crt"
    export INVENTORY_PG_HA_CA="$certs/ca.crt" INVENTORY_PG_HA_OTHER_CA="$certs/other-ca.crt"
    export INVENTORY_PG_HA_PRIMARY_PIDFILE="$primary/pg/postmaster.pid"
    export INVENTORY_PG_HA_STANDBY_ADMIN_URL="postgresql://inventory:$superpass@127.0.0.1:$sport/postgres"
    echo "a primary on 127.0.0.1:$port (TLS) with a synchronous standby on :$sport:" \
        "INVENTORY_PG_HA_URL, INVENTORY_PG_TLS_URL" >&2
}

# One KEY=value of the primary sandbox's sandbox.conf.
inventory_pg_standby_setting() {
    local value
    value=$(sed -n "s/^$2=//p" "$1/sandbox.conf")
    if [ -z "$value" ]; then
        echo "error: inventory_pg_standby_pair: no $2 in $1/sandbox.conf" >&2
        return 1
    fi
    printf '%s' "$value"
}

# Runs a command as the account PostgreSQL runs as, when we are root.
inventory_pg_standby_as() {
    local account=$1
    shift
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$account" -- env PATH="/usr/lib/postgresql/15/bin:$PATH" "$@"
    else
        env PATH="/usr/lib/postgresql/15/bin:$PATH" "$@"
    fi
}

# Runs each statement as the superuser on 127.0.0.1:PORT, printing what they return.
inventory_pg_standby_sql() {
    local port=$1 password=$2 statement
    shift 2
    local args=()
    for statement in "$@"; do args+=(-c "$statement"); done
    PGPASSWORD=$password PGOPTIONS='' psql -X -q -At -h 127.0.0.1 -p "$port" -U inventory -d postgres \
        -v ON_ERROR_STOP=1 "${args[@]}"
}

# The server certificate of inventory_test_certificates in PGDIR, its key readable only by ACCOUNT.
inventory_pg_standby_certificates() {
    local certs=$1 pgdir=$2 account=$3
    inventory_test_certificates "$certs" || return 1
    cp "$certs/server.key" "$certs/server.crt" "$pgdir/" || return 1
    chmod 600 "$pgdir/server.key"
    [ "$(id -u)" -ne 0 ] || chown "$account": "$pgdir/server.key" "$pgdir/server.crt"
}

# Stops the standby and the primary; inventory_private_sandbox_remove calls it on exit.
inventory_pg_standby_stop() {
    [ -n "${INVENTORY_PG_HA_DIRS:-}" ] || return 0
    local primary standby os_user
    read -r primary standby <<<"$INVENTORY_PG_HA_DIRS"
    if [ -f "$standby/pg/postmaster.pid" ]; then
        os_user=$(sed -n 's/^pg_os_user=//p' "$primary/sandbox.conf" 2>/dev/null)
        inventory_pg_standby_as "${os_user:-postgres}" pg_ctl -D "$standby/pg" -m immediate -w -t 10 stop \
            >/dev/null 2>&1 || true
    fi
    "$INVENTORY_PRIVATE_CLI" sandbox stop --dir "$primary" >/dev/null 2>&1 || true
}
