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
