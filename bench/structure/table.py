#!/usr/bin/env python3
"""Structure benchmark: z4ai (structure detection on / off) vs ZipNN and zstd on the
corpus files where structure matters (upcast, quantized, pruned, tied/duplicated).

usage: PY=${Z4AI_CACHE}/venv-bench/bin/python
       $PY bench/structure/table.py build/cli/z4ai [--effort default] [--models minilm-l6-v2 ...]
           [--no-zipnn] [--json out.json]

Every z4ai frame is decompressed and compared with the input (round trip checked).
zstd = the zstd CLI at level 3 (1 thread) on the raw file. ZipNN runs through
bench/competitors/run_all.py (huffman-auto, 1 thread) when the venv has it.
The "tied" rows are built here in a temp dir: the raw file with one tensor-sized
region (the first 8 MiB + 12345 bytes, an unaligned offset) appended again.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("Z4AI_CACHE", os.path.join(ROOT, ".cache"))
CORPUS = os.path.join(CACHE, "corpus")

VARIANTS = [  # (variant, dtype, extension)
    ("upcast-bf16", "fp32", "f32"),
    ("upcast-fp16", "fp32", "f32"),
    ("int8pc-fp16", "fp16", "f16"),
    ("int8pc-bf16", "bf16", "bf16"),
    ("int8pc-fp32", "fp32", "f32"),
    ("int4pc-fp16", "fp16", "f16"),
    ("int4pc-bf16", "bf16", "bf16"),
    ("int4g128-fp16", "fp16", "f16"),
    ("prune50-fp32", "fp32", "f32"),
    ("prune50-bf16", "bf16", "bf16"),
    ("bf16", "bf16", "bf16"),
    ("fp16", "fp16", "f16"),
]


def size(p):
    return os.path.getsize(p)


def z4ai(cli, path, dtype, effort, structure, tmp):
    out = os.path.join(tmp, "f.z4ai")
    back = os.path.join(tmp, "f.back")
    args = [cli, "compress", "-q", "-f", "-T", "1", "--dtype", dtype, "--effort", effort, path, "-o", out]
    if not structure:
        args.append("--no-structure")
    t = time.perf_counter()
    subprocess.run(args, check=True)
    ct = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([cli, "decompress", "-q", "-f", "-T", "1", out, "-o", back], check=True)
    dt = time.perf_counter() - t
    if subprocess.run(["cmp", "-s", path, back]).returncode != 0:
        raise SystemExit(f"round trip failed: {path}")
    info = json.loads(subprocess.run([cli, "info", "--json", out], check=True, capture_output=True).stdout)
    methods = {}
    for b in info["blocks"]:
        m = b.get("layout", b["type"])
        methods[m] = methods.get(m, 0) + 1
    return size(path) / size(out), ct, dt, methods


def zstd(path, level):
    r = subprocess.run(["zstd", "-q", "-c", f"-{level}", "-T1", path], check=True, capture_output=True)
    return size(path) / len(r.stdout)


def zipnn(paths, tmp):
    out = os.path.join(tmp, "zipnn.json")
    py = os.path.join(CACHE, "venv-bench", "bin", "python")
    cmd = [py, os.path.join(ROOT, "bench", "competitors", "run_all.py"), "--files", *paths, "--codecs", "zipnn",
           "--threads", "1", "--reps", "1", "--json", out]
    subprocess.run(cmd, check=True, capture_output=True)
    rows = json.load(open(out))
    rows = rows if isinstance(rows, list) else rows.get("rows", [])
    return {os.path.realpath(r["file"]): r.get("ratio") for r in rows if not r.get("error")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("--effort", default="default")
    ap.add_argument("--models", nargs="*", default=["minilm-l6-v2", "ppocrv4-rec"])
    ap.add_argument("--no-zipnn", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    files = []
    for m in a.models:
        for v, dtype, ext in VARIANTS:
            p = os.path.join(CORPUS, "derived", m, f"{m}.{v}.{ext}")
            if os.path.exists(p):
                files.append((f"{m}.{v}", p, dtype))
    if not files:
        print(f"corpus not found under {CORPUS}: run bench/corpus/fetch.sh", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # Tied/duplicated: an unaligned copy of an 8 MiB region appended to the file.
        for m in a.models:
            src = os.path.join(CORPUS, "derived", m, f"{m}.bf16.bf16")
            if os.path.exists(src) and size(src) > 9 << 20:
                data = open(src, "rb").read()
                tied = os.path.join(tmp, f"{m}.bf16-tied.bf16")
                open(tied, "wb").write(data + data[12346:12346 + (8 << 20)])
                files.append((f"{m}.bf16 + unaligned 8 MiB copy", tied, "bf16"))
        zr = {} if a.no_zipnn else zipnn([p for _, p, _ in files], tmp)
        for name, p, dtype in files:
            on, ct, dt, methods = z4ai(a.cli, p, dtype, a.effort, True, tmp)
            off, _, _, _ = z4ai(a.cli, p, dtype, a.effort, False, tmp)
            row = {"file": name, "dtype": dtype, "MB": size(p) / 1e6, "z4ai": on, "z4ai_no_structure": off,
                   "zipnn": zr.get(os.path.realpath(p)), "zstd3": zstd(p, 3),
                   "compress_MBps": size(p) / 1e6 / ct, "decompress_MBps": size(p) / 1e6 / dt, "methods": methods}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    print(f"| file | dtype | MB | z4ai {a.effort} | no structure | ZipNN | zstd -3 | z4ai MB/s c / d (1 thread) | chunk layouts |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        z = f"{r['zipnn']:.3f}" if r["zipnn"] else "n/a"
        meth = ", ".join(f"{k} {v}" for k, v in sorted(r["methods"].items()))
        print(f"| {r['file']} | {r['dtype']} | {r['MB']:.1f} | **{r['z4ai']:.3f}** | {r['z4ai_no_structure']:.3f} | {z} | "
              f"{r['zstd3']:.3f} | {r['compress_MBps']:.0f} / {r['decompress_MBps']:.0f} | {meth} |")
    if a.json:
        json.dump(rows, open(a.json, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
