#!/usr/bin/env bash
# Fuzzes the parsers: builds tests/fuzz/ with clang and libFuzzer (BUILD_DIR, default build-fuzz,
# INVENTORY_FUZZ=ON: ASan + UBSan) and runs each target for SECONDS (default 60) on its corpus,
# tests/fuzz/corpus/<target>/. New inputs go to a temporary directory and are merged back with
# -merge=1, so that the corpus only grows by inputs that reach new code. Prints per target the runs,
# the coverage and whether it found anything. Exits 1 if a target crashed (the crash file is named),
# 2 if clang or its libFuzzer runtime is missing. FUZZ_BUILD_LOCK names a lock file to hold while
# building (shared machines: one build at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-60}
case "$DURATION" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac
BUILD_DIR=${BUILD_DIR:-build-fuzz}

if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
    echo "scripts/fuzz.sh: clang is missing: install the Debian package clang (sudo apt-get install clang)" >&2
    exit 2
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/inventory-fuzz.XXXXXX")
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long) { return 0; }\n' \
    >"$WORK/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined -o "$WORK/probe" "$WORK/probe.cpp" 2>"$WORK/probe.log"; then
    cat "$WORK/probe.log" >&2
    echo "scripts/fuzz.sh: clang cannot link libFuzzer (libclang_rt.fuzzer): install the Debian package" \
        "clang, which brings its runtime (libclang-common-<version>-dev)" >&2
    exit 2
fi

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINVENTORY_FUZZ=ON >/dev/null
if [ -n "${FUZZ_BUILD_LOCK:-}" ]; then
    flock "$FUZZ_BUILD_LOCK" cmake --build "$BUILD_DIR" -j"$(nproc)"
else
    cmake --build "$BUILD_DIR" -j"$(nproc)"
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Merges the run's new inputs into the corpus with -merge=1, keeping only inputs that add coverage,
# so that the directory stays small. The seed-* and regression-* files stay whatever they cover: they
# are the documented cases and the fixed findings.
minimise() {
    local target=$1 corpus=$2 merged="$WORK/$1.merged" file
    mkdir -p "$merged"
    # Edges only (-use_counters=0): hit counts would keep hundreds of near-duplicates.
    "$BUILD_DIR/tests/fuzz/$target" -merge=1 -use_counters=0 "$merged" "$corpus" "$WORK/$target" \
        >"$WORK/$target.merge.log" 2>&1
    find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' ! -name 'regression-*' -delete
    local kept
    kept=$(find "$corpus" -maxdepth 1 -type f -exec sha1sum {} + | cut -d' ' -f1)
    for file in "$merged"/*; do
        [ -e "$file" ] || continue
        # libFuzzer names a merged input by its SHA-1: skip those a seed already holds.
        grep -qx "$(basename "$file")" <<<"$kept" || cp "$file" "$corpus/"
    done
}

TARGETS=$(sed -n 's/^inventory_add_fuzz_target(\(fuzz_[a-z0-9_]*\).*/\1/p' tests/fuzz/CMakeLists.txt)
status=0
summary=$(printf '%-20s %12s %8s  %s' target runs cov result)
for target in $TARGETS; do
    corpus="tests/fuzz/corpus/$target"
    mkdir -p "$corpus" "$WORK/$target"
    log="$WORK/$target.log"
    echo "== $target: ${DURATION}s on $corpus"
    crashed=0
    # The first directory takes the new inputs; the repository's corpus is only read.
    "$BUILD_DIR/tests/fuzz/$target" -max_total_time="$DURATION" -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$WORK/$target-" "$WORK/$target" "$corpus" >"$log" 2>&1 || crashed=1
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$({ grep -o 'cov: [0-9]*' "$log" || true; } | tail -n 1 | cut -d' ' -f2)
    if [ "$crashed" = 1 ]; then
        status=1
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        grep -E 'ERROR|runtime error|fuzz check failed|terminate called|SUMMARY' "$log" | head -n 5 || true
        echo "$target: FOUND a crash: ${artifact:-see $log} (log: $log)"
        result="crash ${artifact:-see $log}"
    else
        before=$(find "$corpus" -type f | wc -l)
        minimise "$target" "$corpus"
        after=$(find "$corpus" -type f | wc -l)
        result="nothing found; corpus $before -> $after files, $(($(cat "$corpus"/* | wc -c) / 1024)) KB"
    fi
    echo "$target: runs ${runs:-?}, cov ${cov:-?}, $result"
    summary+=$'\n'$(printf '%-20s %12s %8s  %s' "$target" "${runs:-?}" "${cov:-?}" "$result")
done
echo
echo "$summary"
if [ "$status" = 0 ]; then
    rm -rf "$WORK"
else
    echo "crash inputs and logs are kept in $WORK"
fi
exit "$status"
