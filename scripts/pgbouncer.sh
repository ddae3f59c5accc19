# shellcheck shell=bash
# Sourced, not run. A private PgBouncer in front of the PostgreSQL of INVENTORY_PG_URL, for the tests
# that run through a pooler: started in $WORK/pgbouncer-NAME (WORK as set by inventory_private_sandbox)
# on a free port of 127.0.0.1, and stopped with the sandbox when the calling script exits.
#   . scripts/privatesandbox.sh
#   inventory_private_sandbox "$CLI" NAME
#   . scripts/pgbouncer.sh
#   inventory_pgbouncer MODE NAME [SETTING=VALUE]...
# MODE is the pool_mode, transaction or session. NAME is a short word ([a-z0-9_]) that names the
# directory and the exported INVENTORY_PGBOUNCER_<NAME>_URL (as inventory_app) and
# INVENTORY_PGBOUNCER_<NAME>_OWNER_URL (as inventory_owner), NAME upper-cased. Each SETTING=VALUE goes
# into the [pgbouncer] section as it is (ignore_startup_parameters=options, say); anything not set
# there is PgBouncer's default. Clients authenticate with SCRAM, and PgBouncer does SCRAM to the
# server with the passwords of the two URLs. Returns non-zero, with PgBouncer's log, if it does not
# accept connections within about 5 seconds.
# The two the tests run through (test.sh, scripts/sanitize.sh): transaction pooling with PgBouncer's
# defaults, which refuses startup options, and session pooling that takes them and drops them.
#   inventory_pgbouncers_for_tests    # INVENTORY_PGBOUNCER_TX_URL, INVENTORY_PGBOUNCER_SESSION_URL
# inventory_free_port lives beside inventory_private_sandbox; a caller with its own PostgreSQL (and
# WORK) may source this file alone.
declare -F inventory_free_port >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/privatesandbox.sh"

inventory_pgbouncers_for_tests() {
    inventory_pgbouncer transaction tx &&
        inventory_pgbouncer session session ignore_startup_parameters=options
}

inventory_pgbouncer() {
    if [ $# -lt 2 ]; then
        echo "usage: inventory_pgbouncer transaction|session NAME [SETTING=VALUE]..." >&2
        return 2
    fi
    local mode=$1 name=$2
    shift 2
    inventory_pgbouncer_check_args "$mode" "$name" "$@" || return 2
    local dir="$WORK/pgbouncer-$name"
    local var="INVENTORY_PGBOUNCER_${name^^}"
    mkdir -m 700 "$dir" || return 1
    inventory_pgbouncer_userlist >"$dir/userlist.txt" || return 1
    chmod 600 "$dir/userlist.txt"
    # Another program may take the port between the choice and the bind: try again on a new one.
    local port attempt started=
    for attempt in 1 2 3; do
        port=$(inventory_free_port)
        inventory_pgbouncer_config "$dir" "$mode" "$port" "$@" >"$dir/pgbouncer.ini" || return 1
        inventory_pgbouncer_run "$dir" || break
        if inventory_pgbouncer_wait "$dir" "$port"; then
            started=1
            break
        fi
        inventory_pgbouncer_stop "$dir"
        grep -q 'Address already in use' "$dir/pgbouncer.log" 2>/dev/null || break
        mv "$dir/pgbouncer.log" "$dir/pgbouncer.log.$attempt"
    done
    if [ -z "$started" ]; then
        echo "error: PgBouncer $name ($mode) did not start; its log ($dir/pgbouncer.log):" >&2
        cat "$dir/pgbouncer.log" >&2 2>/dev/null
        return 1
    fi
    export "${var}_URL=$(inventory_pgbouncer_url "$INVENTORY_PG_URL" "$port")"
    export "${var}_OWNER_URL=$(inventory_pgbouncer_url "$INVENTORY_PG_OWNER_URL" "$port")"
    echo "PgBouncer $name ($mode pooling) on 127.0.0.1:$port: ${var}_URL, ${var}_OWNER_URL" >&2
}

inventory_pgbouncer_check_args() {
    local mode=$1 name=$2 setting
    shift 2
    case $mode in
    transaction | session) ;;
    *) echo "error: inventory_pgbouncer: MODE must be transaction or session, not '$mode'" >&2; return 1 ;;
    esac
    if ! [[ $name =~ ^[a-z0-9_]+$ ]]; then
        echo "error: inventory_pgbouncer: NAME must be a short word of [a-z0-9_], not '$name'" >&2
        return 1
    fi
    for setting in "$@"; do
        [[ $setting == [a-z_]*=* ]] && continue
        echo "error: inventory_pgbouncer: '$setting' is not SETTING=VALUE" >&2
        return 1
    done
    if [ -z "${WORK:-}" ] || [ -z "${INVENTORY_PG_URL:-}" ] || [ -z "${INVENTORY_PG_OWNER_URL:-}" ]; then
        echo "error: inventory_pgbouncer: WORK, INVENTORY_PG_URL and INVENTORY_PG_OWNER_URL must be set" \
            "(start inventory_private_sandbox first)" >&2
        return 1
    fi
    [ -e "$WORK/pgbouncer-$name" ] || return 0
    echo "error: inventory_pgbouncer: $WORK/pgbouncer-$name exists: NAME '$name' is taken" >&2
    return 1
}

# Prints USER, PASSWORD, HOST, PORT and DBNAME of a postgresql://USER:PASSWORD@HOST[:PORT]/DBNAME URI,
# one a line, the user and password percent-decoded. Never prints the URI: it holds a password.
inventory_pgbouncer_url_fields() {
    local re='^postgres(ql)?://([^:/@]+):([^@]*)@([^:/?@]+)(:([0-9]+))?/([^?]+)'
    if ! [[ $1 =~ $re ]]; then
        echo "error: inventory_pgbouncer: not a postgresql://USER:PASSWORD@HOST:PORT/DBNAME URI" >&2
        return 1
    fi
    local user=${BASH_REMATCH[2]} password=${BASH_REMATCH[3]}
    printf '%b\n' "${user//%/\\x}" "${password//%/\\x}"
    printf '%s\n' "${BASH_REMATCH[4]}" "${BASH_REMATCH[6]:-5432}" "${BASH_REMATCH[7]}"
}

# The auth_file: both users with their passwords in plain text, from which PgBouncer can do SCRAM
# with the client and with the server alike.
inventory_pgbouncer_userlist() {
    local url fields
    for url in "$INVENTORY_PG_URL" "$INVENTORY_PG_OWNER_URL"; do
        fields=$(inventory_pgbouncer_url_fields "$url") || return 1
        mapfile -t fields <<<"$fields"
        printf '"%s" "%s"\n' "${fields[0]//\"/\"\"}" "${fields[1]//\"/\"\"}"
    done
}

# pgbouncer.ini for DIR, MODE and PORT, then the caller's settings.
inventory_pgbouncer_config() {
    local dir=$1 mode=$2 port=$3 fields
    shift 3
    fields=$(inventory_pgbouncer_url_fields "$INVENTORY_PG_URL") || return 1
    mapfile -t fields <<<"$fields"
    printf '%s\n' "[databases]" \
        "${fields[4]} = host=${fields[2]} port=${fields[3]} dbname=${fields[4]}" \
        "" "[pgbouncer]" \
        "listen_addr = 127.0.0.1" "listen_port = $port" "unix_socket_dir =" \
        "auth_type = scram-sha-256" "auth_file = $dir/userlist.txt" "pool_mode = $mode" \
        "logfile = $dir/pgbouncer.log" "pidfile = $dir/pgbouncer.pid" "$@"
}

# Starts the PgBouncer of DIR in the background; as the postgres account when we are root, as
# PgBouncer refuses to run as root.
inventory_pgbouncer_run() {
    local dir=$1
    : >>"$dir/pgbouncer.log"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$dir" || return 1
        runuser -u postgres -- pgbouncer -d "$dir/pgbouncer.ini" >>"$dir/pgbouncer.log" 2>&1
    else
        pgbouncer -d "$dir/pgbouncer.ini" >>"$dir/pgbouncer.log" 2>&1
    fi
}

# Waits until the PgBouncer of DIR listens on PORT and lets the app user in: at most about 5 seconds,
# less if it exits. Its log says that it listens: PORT may be another program's if the bind failed.
inventory_pgbouncer_wait() {
    local dir=$1 port=$2 pid seen='' deadline=$((SECONDS + 5))
    local url password
    url=$(inventory_pgbouncer_url "$INVENTORY_PG_URL" "$port")
    password=$(inventory_pgbouncer_url_fields "$url" | sed -n 2p)
    url=$(printf '%s' "$url" | sed -E 's#^(postgres(ql)?://[^:/@]*):[^@]*@#\1@#')
    while [ "$SECONDS" -lt "$deadline" ]; do
        if grep -q "listening on 127.0.0.1:$port\$" "$dir/pgbouncer.log" 2>/dev/null &&
            PGPASSWORD=$password PGOPTIONS='' PGCONNECT_TIMEOUT=2 psql -X "$url" -Atc 'select 1' \
                >/dev/null 2>"$dir/wait.err"; then
            rm -f "$dir/wait.err"
            return 0
        fi
        # A FATAL line (it could not listen, say) or a process gone since it wrote its pidfile.
        grep -q ' FATAL ' "$dir/pgbouncer.log" 2>/dev/null && break
        pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null) && seen=$pid
        if [ -n "$seen" ] && ! kill -0 "$seen" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    cat "$dir/wait.err" >>"$dir/pgbouncer.log" 2>/dev/null
    return 1
}

# URL with its host and port replaced by the PgBouncer's.
inventory_pgbouncer_url() {
    printf '%s' "$1" | sed -E "s#@[^@/]*/#@127.0.0.1:$2/#"
}

# Stops the PgBouncer of DIR, if it runs: SIGTERM, then SIGKILL after 3 seconds.
inventory_pgbouncer_stop() {
    local dir=$1 pid tries
    pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    # It removes its pidfile as it exits; an exited process may linger as a zombie a while.
    for ((tries = 30; tries > 0; tries--)); do
        [ -e "$dir/pgbouncer.pid" ] && kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/pgbouncer.pid"
}

# Stops every PgBouncer started under WORK; inventory_private_sandbox_remove calls it on exit.
inventory_pgbouncer_stop_all() {
    local dir
    [ -n "${WORK:-}" ] || return 0
    for dir in "$WORK"/pgbouncer-*/; do
        [ -d "$dir" ] && inventory_pgbouncer_stop "${dir%/}"
    done
    return 0
}
