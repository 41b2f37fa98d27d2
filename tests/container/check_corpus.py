#!/usr/bin/env python3
"""Byte-identical round trip of every .safetensors file in the corpus through the CLI
(.zstn), and of every checkpoint through a .z4dm model delta against the checkpoint it
pairs with (`prev` or `base` in index.json). Exits 77 (ctest: skipped) without the corpus.
usage: check_corpus.py Z4AI_BINARY"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

Z4AI = sys.argv[1]
ROOT = Path(os.environ.get("Z4AI_CACHE", Path(__file__).resolve().parents[2] / ".cache")) / "corpus"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(*args):
    p = subprocess.run([Z4AI, *args, "-q", "-f"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: z4ai {' '.join(args)}\n{p.stderr}")


def main():
    index = ROOT / "index.json"
    if not index.exists():
        print(f"corpus absent ({index}): skipping (bench/corpus/fetch.sh builds it)")
        return 77
    files = [e for e in json.loads(index.read_text())["files"] if e["path"].endswith(".safetensors")]
    files = [e for e in files if (ROOT / e["path"]).exists()]
    if not files:
        print("no .safetensors in the corpus: skipping")
        return 77
    by_path = {e["path"]: e for e in files}
    t0 = time.time()
    raw_total = packed_total = 0
    with tempfile.TemporaryDirectory() as d:
        z, back = os.path.join(d, "x.zstn"), os.path.join(d, "x.safetensors")
        for e in files:
            src = ROOT / e["path"]
            run("compress", str(src), "-o", z)
            run("decompress", z, "-o", back)
            want = e.get("sha256") or sha256(src)
            if sha256(back) != want:
                raise SystemExit(f"FAIL: {e['path']} does not round-trip byte for byte")
            raw_total += src.stat().st_size
            packed_total += os.path.getsize(z)
        deltas = 0
        for e in files:
            ref = e.get("prev") or e.get("base")
            if not ref:
                continue
            ref_path = ref if ref in by_path else next((p for p in by_path if p.endswith(ref)), None)
            if not ref_path:
                continue
            dm = os.path.join(d, "x.z4dm")
            run("compress", str(ROOT / e["path"]), "--reference", str(ROOT / ref_path), "-o", dm)
            run("decompress", dm, "--reference", str(ROOT / ref_path), "-o", back)
            if sha256(back) != (e.get("sha256") or sha256(ROOT / e["path"])):
                raise SystemExit(f"FAIL: model delta of {e['path']} does not round-trip")
            deltas += 1
    print(f"{len(files)} .safetensors files round-tripped byte for byte ({raw_total} -> {packed_total} bytes, "
          f"{raw_total / max(1, packed_total):.3f}x), {deltas} model deltas, {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
