#!/usr/bin/env bash
# Installs what is missing, builds a release build, starts the local sandbox, creates the schema
# and demo data if empty, and opens the console.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/packages.sh
inventory_install_packages

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target inventory-console
CLI="$PWD/$BUILD_DIR/app/inventory-console"

"$CLI" sandbox start
eval "$("$CLI" sandbox status | sed -n 's/^ *export /export /p')"
export INVENTORY_PG_URL INVENTORY_REDIS_URL
# Seeds 100 demo products unless they exist; existing rows are left alone.
"$CLI" init --products 100 --stock 100

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display found, so the console cannot open here. The sandbox is running with demo data."
    echo "Run the console under a virtual display:  xvfb-run -a $CLI"
    echo "or use the command line:                  $CLI --help"
    exit 0
fi
exec "$CLI" "$@"
