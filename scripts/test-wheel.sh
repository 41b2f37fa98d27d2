#!/usr/bin/env bash
# Builds the Python wheel (pip wheel . via scikit-build-core), installs it into a fresh
# virtual environment together with numcodecs/zarr/ml_dtypes, checks that it is
# self-contained (ldd, auditwheel show) and runs tests/bindings/python against the
# installed package, away from the build tree. scripts/test.sh calls this unless
# Z4AI_SKIP_WHEEL=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
OUT="$ROOT/build/wheel-test"
PIP_QUIET=(-q --disable-pip-version-check)

rm -rf "$OUT/dist" "$OUT/venv"
mkdir -p "$OUT"
echo "[wheel] pip wheel . (scikit-build-core)"
"$PY" -m pip wheel "${PIP_QUIET[@]}" --no-deps -w "$OUT/dist" "$ROOT"
WHEEL="$(ls "$OUT"/dist/z4ai-*.whl)"
echo "[wheel] $(basename "$WHEEL")"

"$PY" -m venv "$OUT/venv"
V="$OUT/venv/bin/python"
"$V" -m pip install "${PIP_QUIET[@]}" "$WHEEL[zarr,hdf5,test]" ml_dtypes auditwheel

SITE="$("$V" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"
fail=0
for f in "$SITE"/z4ai/_z4ai_swig*.so "$SITE"/z4ai/_bin/z4ai "$SITE"/z4ai/hdf5_plugin/*.so; do
    if ldd "$f" | grep -E 'zstd|brotli|xxhash|libstdc\+\+|libz4ai|not found'; then
        echo "[wheel] FAIL: $f needs a library the wheel does not carry" >&2
        fail=1
    fi
done
exported="$(nm -D --defined-only "$SITE"/z4ai/_z4ai_swig*.so | awk '{print $3}')"
if [ "$exported" != "PyInit__z4ai_swig" ]; then
    echo "[wheel] FAIL: the extension exports more than its init function: $exported" >&2
    fail=1
fi
"$OUT/venv/bin/auditwheel" show "$WHEEL" > "$OUT/auditwheel.txt" 2>&1 || true
if grep -q "is consistent with" "$OUT/auditwheel.txt"; then
    grep -A1 "is consistent with" "$OUT/auditwheel.txt" | tr -s ' \n' ' '; echo
else
    cat "$OUT/auditwheel.txt" >&2
    echo "[wheel] FAIL: auditwheel show" >&2
    fail=1
fi
[ "$fail" = 0 ] || exit 1

echo "[wheel] pytest against the installed package"
cd "$OUT"
env -u PYTHONPATH Z4AI_CLI= "$V" -m pytest -q -p no:cacheprovider "$ROOT/tests/bindings/python"
