#!/usr/bin/env python3
"""`z4ai bench` and bench/report.py on small synthetic data (no corpus needed):

- every requested row is present, round-trips, and reports ratio, speeds and peak RSS;
- --reference adds delta rows (z4ai tiers, zstd patch-from) that record the reference and, on a
  checkpoint-like pair, beat the plain rows;
- --codecs keeps exactly the rows it names;
- bench/report.py turns a results folder into Markdown whose z4ai/ZipNN size column and targets
  table are computed from the rows (a ZipNN row is injected with a known ratio).

usage: bench_cli_test.py Z4AI_BINARY REPO_ROOT
"""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
from pathlib import Path


def bf16_words(n, rng, scale=0.02):
    out = bytearray()
    for _ in range(n):
        f = rng.gauss(0.0, scale)
        (u,) = struct.unpack("<I", struct.pack("<f", f))
        out += struct.pack("<H", ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF)
    return bytes(out)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    z4ai, repo = sys.argv[1], Path(sys.argv[2])
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        ref = bf16_words(65536, rng)
        cur = bytearray(ref)
        for i in range(0, len(cur), 16):  # a "next checkpoint": 1 word in 8 nudged
            cur[i] ^= 1
        (td / "ref.bf16").write_bytes(ref)
        (td / "cur.bf16").write_bytes(bytes(cur))
        want = "memcpy,z4ai-fast/,z4ai-default/,z4ai-default+delta,zstd-3/,zstd-3+long+patch-from,zstd-planes-3,brotli-5"
        out = td / "rows.json"
        p = subprocess.run([z4ai, "bench", "--runs", "2", "--codecs", want, "--reference", str(td / "ref.bf16"),
                            "--json-out", str(out), str(td / "cur.bf16")], capture_output=True, text=True)
        if p.returncode != 0:
            fail(f"z4ai bench exited {p.returncode}: {p.stderr}")
        rows = json.loads(out.read_text())
        keys = {(r["codec"], r["variant"], r["threads"]) for r in rows}
        ncpu = os.cpu_count() or 1
        expect = {("memcpy", "ceiling", 1), ("z4ai", "fast", 1), ("z4ai", "default", 1),
                  ("z4ai", "default+delta", 1), ("zstd", "3", 1), ("zstd", "3+long+patch-from", 1),
                  ("zstd-planes", "3", 1), ("brotli", "5", 1)}
        if ncpu > 1:
            expect |= {("z4ai", "fast", ncpu), ("z4ai", "default", ncpu), ("z4ai", "default+delta", ncpu)}
        if keys != expect:
            fail(f"rows {sorted(keys)} != expected {sorted(expect)}")
        for r in rows:
            if not r["roundtrip_ok"] or r["error"]:
                fail(f"row {r['codec']} {r['variant']}: {r['error']}")
            for k in ("ratio", "compress_MBps_median", "decompress_MBps_median", "peak_rss_MB", "base_rss_MB"):
                if not (isinstance(r[k], (int, float)) and r[k] > 0 and math.isfinite(r[k])):
                    fail(f"row {r['codec']} {r['variant']}: bad {k}={r[k]}")
            if r["peak_rss_MB"] < r["base_rss_MB"]:
                fail(f"peak RSS below base RSS in {r}")
            is_delta = "+delta" in r["variant"] or "patch-from" in r["variant"]
            if is_delta != (r["ref"] == str(td / "ref.bf16")):
                fail(f"ref field wrong in {r}")
        by = {(r["codec"], r["variant"], r["threads"]): r for r in rows}
        if by[("z4ai", "default+delta", 1)]["ratio"] <= 2 * by[("z4ai", "default", 1)]["ratio"]:
            fail("z4ai delta row does not beat the plain row on a 1-in-8-words-changed pair")
        if abs(by[("memcpy", "ceiling", 1)]["ratio"] - 1.0) > 1e-9:
            fail("memcpy ratio != 1")

        # report.py over a results folder shaped like bench/run.py's
        res = td / "results"
        (res / "z4ai").mkdir(parents=True)
        (res / "competitors").mkdir()
        plain = [r for r in rows if not r["ref"]]
        (res / "z4ai" / "cur.bf16.json").write_text(json.dumps(plain))
        z = by[("z4ai", "default", 1)]
        zipnn_ratio = z["ratio"] * 1.25  # injected: z4ai must come out at 1/1.25 = 0.800 of it
        (res / "competitors" / "cur.bf16.zipnn.json").write_text(json.dumps({"meta": {}, "rows": [{
            "codec": "zipnn", "variant": "huffman-auto", "file": str(td / "cur.bf16"), "dtype": "bf16",
            "threads": 1, "ratio": zipnn_ratio, "compress_MBps_median": 100.0, "decompress_MBps_median": 100.0,
            "roundtrip_ok": True, "peak_rss_MB": 700.0, "baseline_rss_MB": 600.0, "reps": 2, "error": None,
            "codec_version": "injected-by-test"}]}))
        meta = {"set": "test", "started_utc": "t0", "finished_utc": "t1", "wall_seconds": 1, "git_commit": "0" * 40,
                "git_describe": "0000000 test", "git_dirty": False, "runs": 2, "malloc_env": {}, "corpus": str(td),
                "z4ai": z4ai, "z4ai_version": "test",
                "host": {"cpu_model": "test", "logical_cpus": ncpu, "cpu_flags": [], "mem_total_GiB": 1,
                         "kernel": "k", "loadavg_start": [0, 0, 0], "loadavg_end": [0, 0, 0]},
                "files": [{"path": "cur.bf16", "group": "dense"}], "pairs": [], "commands": []}
        (res / "meta.json").write_text(json.dumps(meta))
        md = td / "B.md"
        p = subprocess.run([sys.executable, str(repo / "bench" / "report.py"), str(res), "--out", str(md)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail(f"report.py exited {p.returncode}: {p.stderr}")
        text = md.read_text()
        line = next((ln for ln in text.splitlines() if ln.startswith("| cur.bf16 |")), None)
        if not line or "| 0.800× |" not in line:
            fail(f"summary line wrong: {line}")
        tline = next((ln for ln in text.splitlines() if "default ratio ≥ ZipNN ratio" in ln), "")
        if "**MISSED**" not in tline or "worst 0.800" not in tline:
            fail(f"targets line wrong: {tline}")
    print("bench_cli_test: ok")


if __name__ == "__main__":
    main()
