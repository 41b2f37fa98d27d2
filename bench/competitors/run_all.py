#!/usr/bin/env python3
"""Run the competitor codecs over raw weight files, one subprocess per (file, codec, variant,
threads), and write JSON rows {codec, variant, file, dtype, threads, ratio, compress_MBps,
decompress_MBps, roundtrip_ok, peak_rss_MB, error, ...} (+ an optional Markdown table).

Examples (run with the bench venv's python; setup_venv.sh creates it):
  PY=.cache/venv-bench/bin/python
  $PY bench/competitors/run_all.py --files .cache/corpus/derived/minilm-l6-v2/minilm-l6-v2.bf16.bf16 --json out.json
  $PY bench/competitors/run_all.py --preset quick --json quick.json --md quick.md
  $PY bench/competitors/run_all.py --preset quick --codecs zipnn --pairs auto --json zipnn.json

dtype comes from the extension (.bf16 .f16 .f32) unless --dtype is given.
--pairs NEW:REF ... (or 'auto' = consecutive/base checkpoints from the corpus index) adds
ZipNN delta-mode rows (XOR against REF); the plain rows of NEW are measured too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from codecs_impl import ADAPTERS  # noqa: E402

EXT_DTYPE = {".f32": "fp32", ".f16": "fp16", ".bf16": "bf16"}

MALLOC_ENV = {
    "MALLOC_MMAP_MAX_": "0",              # no mmap for big blocks: they come from the heap ...
    "MALLOC_TRIM_THRESHOLD_": str(1 << 40),  # ... and stay there, so later calls reuse faulted pages
    "MALLOC_TOP_PAD_": str(64 << 20),
}


def cache_root() -> Path:
    return Path(os.environ.get("Z4AI_CACHE") or REPO / ".cache").resolve()


def preset_files(name: str):
    """Pick corpus raw files from index.json."""
    root = cache_root() / "corpus"
    idx = root / "index.json"
    if not idx.exists():
        raise SystemExit(f"{idx} missing: run bench/corpus/fetch.sh first (or pass --files)")
    files = [e for e in json.loads(idx.read_text())["files"] if e["container"] == "raw"]
    if name == "quick":
        want = lambda e: (e["kind"] == "real" and e["model"] in ("minilm-l6-v2", "ppocrv4-rec")) or \
            (e["kind"] == "derived" and e["model"] == "minilm-l6-v2" and e.get("variant") in
             ("bf16", "fp16", "upcast-bf16", "int8pc-bf16", "int4g128-fp16", "prune50-bf16"))
    elif name == "standard":
        want = lambda e: e["kind"] in ("real", "derived") and \
            e.get("variant") in (None, "", "bf16", "fp16", "upcast-bf16", "upcast-fp16", "int8pc-fp16",
                                 "int8pc-bf16", "int4pc-bf16", "int4g128-fp16", "prune50-fp32", "prune50-bf16")
    elif name == "all":
        want = lambda e: True
    else:
        raise SystemExit(f"unknown preset {name}")
    return [str(root / e["path"]) for e in files if want(e)]


def auto_pairs():
    root = cache_root() / "corpus"
    idx = json.loads((root / "index.json").read_text())["files"]
    pairs = []
    for e in idx:
        if e["kind"] in ("checkpoint", "real") and e["container"] == "raw":
            ref = e.get("prev") or e.get("base")
            if ref:
                pairs.append((str(root / e["path"]), str(root / ref)))
    return pairs


def run_one(py, codec, variant, path, dtype, threads, reps, timeout, ref=None):
    cmd = [py, str(HERE / "worker.py"), "--codec", codec, "--variant", variant, "--file", path,
           "--dtype", dtype, "--threads", str(threads), "--reps", str(reps)]
    if ref:
        cmd += ["--ref", ref]
    env = dict(os.environ, **MALLOC_ENV, OMP_NUM_THREADS=str(threads), PYTHONWARNINGS="ignore")
    t0 = time.time()
    base = {"codec": codec, "variant": variant + ("+delta-xor" if ref else ""), "file": path, "dtype": dtype,
            "threads": threads, "ref": ref, "ratio": None, "compress_MBps": None, "decompress_MBps": None,
            "roundtrip_ok": False, "peak_rss_MB": None}
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {**base, "error": f"timeout after {timeout}s (worker killed)"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        return {**base, "error": f"worker exited {p.returncode}: {(p.stderr or p.stdout)[-1500:]}"}
    row = json.loads(lines[-1])
    row["wall_s"] = round(time.time() - t0, 2)
    return row


def markdown(rows) -> str:
    out = ["| file | dtype | codec | variant | thr | ratio | comp MB/s best (med) | decomp MB/s best (med) | rt | RSS MB | error |",
           "|---|---|---|---|---:|---:|---:|---:|---|---:|---|"]
    for r in rows:
        f = Path(r["file"]).name
        def fmt(a, b):
            return "" if r.get(a) is None else f"{r[a]:.0f} ({r.get(b) or 0:.0f})"
        out.append(f"| {f} | {r['dtype']} | {r['codec']} | {r['variant']} | {r['threads']} | "
                   f"{'' if r.get('ratio') is None else format(r['ratio'], '.4f')} | {fmt('compress_MBps', 'compress_MBps_median')} | "
                   f"{fmt('decompress_MBps', 'decompress_MBps_median')} | {'ok' if r.get('roundtrip_ok') else 'FAIL'} | "
                   f"{r.get('peak_rss_MB') or ''} | {(r.get('error') or '')[:120].replace('|', '/')} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", nargs="*", default=[])
    ap.add_argument("--preset", choices=["quick", "standard", "all"], help="corpus files from index.json")
    ap.add_argument("--dtype", choices=["bf16", "fp16", "fp32"])
    ap.add_argument("--codecs", nargs="*", default=list(ADAPTERS), choices=list(ADAPTERS))
    ap.add_argument("--variants", nargs="*", help="only these variant names")
    ap.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    ap.add_argument("--pairs", nargs="*", default=[], help="NEW:REF raw file pairs for ZipNN delta mode, or 'auto'")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per worker")
    ap.add_argument("--json", required=True)
    ap.add_argument("--md")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args(argv)

    files = list(args.files)
    if args.preset:
        files += preset_files(args.preset)
    pairs = []
    for p in args.pairs:
        if p == "auto":
            pairs += auto_pairs()
        else:
            new, ref = p.split(":", 1)
            pairs.append((new, ref))
    if not files and not pairs:
        ap.error("no input: give --files, --preset or --pairs")

    jobs = []
    for f in files:
        dtype = args.dtype or EXT_DTYPE.get(Path(f).suffix)
        if not dtype:
            raise SystemExit(f"{f}: unknown dtype, use --dtype")
        for c in args.codecs:
            ad = ADAPTERS[c]
            for v in ad.variants(dtype):
                if args.variants and v not in args.variants:
                    continue
                for t in args.threads:
                    if t in ad.threads_supported:
                        jobs.append((c, v, f, dtype, t, None))
    for new, ref in pairs:
        dtype = args.dtype or EXT_DTYPE.get(Path(new).suffix)
        for c in args.codecs:
            ad = ADAPTERS[c]
            if not ad.supports_delta:
                continue
            for v in ad.variants(dtype):
                for t in args.threads:
                    if t in ad.threads_supported:
                        jobs.append((c, v, new, dtype, t, ref))
                        if new not in files:  # the plain row of NEW, to compare with
                            jobs.append((c, v, new, dtype, t, None))
    seen, uniq = set(), []
    for j in jobs:
        if j not in seen:
            seen.add(j)
            uniq.append(j)
    rows = []
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"host_cpus": os.cpu_count(), "python": args.python, "malloc_env": MALLOC_ENV,
            "timing": f"warm-up 1, then {args.reps} timed calls each way; *_MBps = best, *_MBps_median = median; "
                      "MB = 1e6 bytes of original data", "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    for i, (c, v, f, dtype, t, ref) in enumerate(uniq, 1):
        r = run_one(args.python, c, v, f, dtype, t, args.reps, args.timeout, ref)
        rows.append(r)
        msg = r.get("error") or f"ratio {r['ratio']} c {r['compress_MBps']} d {r['decompress_MBps']} MB/s"
        print(f"[{i}/{len(uniq)}] {c} {r['variant']} t{t} {Path(f).name}: {msg[:200]}", file=sys.stderr, flush=True)
        out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    if args.md:
        Path(args.md).write_text(markdown(rows))
    bad = [r for r in rows if r.get("error")]
    print(f"{len(rows)} rows, {len(bad)} with errors -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
