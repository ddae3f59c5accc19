#!/usr/bin/env bash
# Debian packages the project needs, installed on demand by run.sh and test.sh.
# Sourced, not run. Works as root, or as a user with sudo.
INVENTORY_PACKAGES=(
    build-essential cmake pkg-config
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6sql6-psql libqt6svg6 libgl-dev
    libhiredis-dev libevent-dev libpq-dev libssl-dev nlohmann-json3-dev
    postgresql postgresql-contrib pgbouncer redis-server redis-tools openssl
    xvfb xauth fonts-dejavu-core clang-format
)

inventory_install_packages() {
    local missing=()
    local p
    for p in "${INVENTORY_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing missing Debian packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "error: packages are missing (${missing[*]}) and sudo is not available; install them as root" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
