#!/usr/bin/env bash
# No compile line of the build names an absolute path in a definition (-DNAME="/…"): such a path
# differs in every clone, and the sanitizer builds' compile cache (scripts/sanitize.sh) would miss
# every file that has it. The check fires on a made-up flags.make that has one.
set -uo pipefail
build=${1:?usage: tst_relocatable.sh BUILD_DIR}
scan() {
    # Prints each target's absolute definitions; exits 1 if there is one.
    local found
    found=$(find "$1" -name flags.make -path '*CMakeFiles*' -exec grep -HoE -- '-D[A-Za-z0-9_]+=\\"/[^ ]*' {} + |
        sed "s|^$1/||")
    [ -z "$found" ] && return 0
    echo "$found"
    return 1
}
failed=0
if out=$(scan "$build"); then
    echo "PASS: no definition in $build names an absolute path"
else
    echo "FAIL: definitions with absolute paths (give them relative to the executable, as tests/testpaths.h does):"
    echo "$out"
    failed=1
fi
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
mkdir -p "$fake/tests/CMakeFiles/tst_x.dir"
echo 'CXX_DEFINES = -DQT_CORE_LIB -DWHERE=\"/tmp/clone/build\"' >"$fake/tests/CMakeFiles/tst_x.dir/flags.make"
if out=$(scan "$fake"); then
    echo "FAIL: the check passed a flags.make with -DWHERE=\"/tmp/clone/build\""
    failed=1
elif grep -q 'tst_x.dir/flags.make:-DWHERE=' <<<"$out"; then
    echo "PASS: the check names an absolute definition"
else
    echo "FAIL: the check fired without naming the definition: $out"
    failed=1
fi
exit $failed
