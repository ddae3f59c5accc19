#!/usr/bin/env bash
# Builds the Debian package inventory-console_<version>_<arch>.deb in $BUILD_DIR (default build-deb):
# installs what is missing, makes a release build without the tests, and runs CPack.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
# CPack's shared-library dependencies need dpkg-shlibdeps and file(1).
INVENTORY_PACKAGES+=(dpkg-dev file)
inventory_install_packages

BUILD_DIR=${BUILD_DIR:-build-deb}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DINVENTORY_BUILD_TESTS=OFF
cmake --build "$BUILD_DIR" -j"$(nproc)" --target package
ls -1 "$PWD/$BUILD_DIR"/inventory-console_*.deb
