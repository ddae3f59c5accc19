#!/usr/bin/env bash
# The package check passes on this build, and fires, naming the package, when the list lacks one the
# build needs (libqt6opengl6-dev, which Qt Charts' CMake files load and qt6-base-dev only recommends;
# libhiredis-dev, found through pkg-config).
set -uo pipefail
build=${1:?usage: tst_packagelist.sh BUILD_DIR}
check=$(cd "$(dirname "$0")/../../scripts" && pwd)/check-packages.sh
passed=0
failed=0
expect() {
    local what=$1 want_rc=$2 want_text=$3
    shift 3
    local out rc
    out=$("$check" "$build" "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want_rc" ] && grep -qE -- "$want_text" <<<"$out"; then
        echo "PASS: $what"
        passed=$((passed + 1))
    else
        echo "FAIL: $what (exit $rc, wanted $want_rc and /$want_text/); output:"
        echo "$out"
        failed=$((failed + 1))
    fi
}
expect "the list covers the build" 0 "check-packages: [0-9]+ files the build used, 0 from"
expect "a list without libqt6opengl6-dev is refused" 1 "FAIL Qt6OpenGL_DIR: .* add libqt6opengl6-dev" \
    --without libqt6opengl6-dev
expect "a list without libhiredis-dev is refused" 1 "FAIL pkgcfg_lib_HIREDIS_hiredis: .* add libhiredis-dev" \
    --without libhiredis-dev
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
