#!/usr/bin/env bash
# Runs every libFuzzer target (or the ones named) for SECONDS each.
#   tests/fuzz/run.sh SECONDS [TARGET...]
# Builds build-fuzz/ with clang (-fsanitize=fuzzer,address,undefined) if needed,
# generates seed corpora from real frames, and fuzzes with the committed corpus,
# the regression inputs and the seeds. New interesting inputs go to
# $FUZZ_WORK/<target> (default build-fuzz/work, kept between runs); crashes,
# hangs and leaks to build-fuzz/artifacts/<target>/. Exit status 1 if any target
# found something. FUZZ_PARALLEL=2 runs two targets at a time; FUZZ_NICE=19 nices them;
# FUZZ_TIMEOUT (s, default 60, wall clock) marks an input as a hang.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECONDS_EACH="${1:?usage: run.sh SECONDS [TARGET...]}"
shift
ALL=(decompress stream_decompress decompress_range delta frame_info roundtrip stream_roundtrip container model_delta
     safetensors hdf5_filter entropy_streams archive)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
WORK="${FUZZ_WORK:-$BUILD/work}"
PARALLEL="${FUZZ_PARALLEL:-1}"
NICE="${FUZZ_NICE:-0}"

if ! command -v clang++ >/dev/null; then
    echo "run.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DZ4AI_FUZZ=ON -DZ4AI_BUILD_TESTS=OFF \
    -DZ4AI_BUILD_CLI=OFF -DZ4AI_BUILD_BENCH=OFF -DZ4AI_BUILD_PYTHON=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --parallel "${JOBS:-2}" --target z4ai_fuzz_seedgen $(printf 'fuzz_%s ' "${TARGETS[@]}")
rm -rf "$BUILD/seeds"
"$BUILD/tests/fuzz/z4ai_fuzz_seedgen" "$BUILD/seeds" >/dev/null

run_one() {
    local t="$1" max_len=131072 extra=()
    case "$t" in
        roundtrip | stream_roundtrip | safetensors | entropy_streams) max_len=32768 ;;
        decompress | frame_info | delta | container) extra=("$ROOT/tests/golden/frames") ;;  # + golden .zstn/.z4dm
    esac
    mkdir -p "$WORK/$t" "$BUILD/seeds/$t" "$BUILD/artifacts/$t" "$ROOT/tests/fuzz/regressions/$t" "$ROOT/tests/fuzz/corpus/$t"
    local log="$BUILD/artifacts/$t.log"
    echo "[fuzz] $t for ${SECONDS_EACH}s (log $log)"
    local rc=0
    nice -n "$NICE" "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len="$max_len" \
        -timeout="${FUZZ_TIMEOUT:-60}" -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t/" \
        "$WORK/$t" "$BUILD/seeds/$t" "$ROOT/tests/fuzz/corpus/$t" "$ROOT/tests/fuzz/regressions/$t" \
        "${extra[@]}" >"$log" 2>&1 || rc=$?
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+ +DONE" "$log" | tr '\n' ' ' | sed "s/^/[fuzz] $t: /"
    echo
    if [ $rc -ne 0 ]; then
        echo "[fuzz] $t FOUND A PROBLEM (exit $rc):" >&2
        grep -E "ERROR|invariant|SUMMARY|Test unit written" "$log" | head -20 >&2
        return 1
    fi
}
export -f run_one
export BUILD WORK ROOT SECONDS_EACH NICE

status=0
printf '%s\n' "${TARGETS[@]}" | xargs -P "$PARALLEL" -I{} bash -c 'run_one {}' || status=1
[ $status -eq 0 ] && echo "[fuzz] all targets clean" || echo "[fuzz] findings under $BUILD/artifacts" >&2
exit $status
