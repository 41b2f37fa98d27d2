#!/usr/bin/env python3
"""Drive one benchmark run over a corpus file set and write every result as JSON.

Called by bench/run.sh (which builds z4ai and prepares the corpus and the venv first):

  python3 bench/run.py --set quick|full --z4ai BUILD/cli/z4ai --micro BUILD/bench/z4ai_micro_bench \
      --py VENV/bin/python --out RESULTS_DIR [--runs 5]

Per file it runs `z4ai bench` (z4ai tiers x threads, zstd, brotli, memcpy; each row in its own
process, median of --runs timed calls after a warm-up) and the competitor harness
(bench/competitors/run_all.py: ZipNN, OpenZL, pcodec, blosc2, one process per row); per
checkpoint pair the delta rows of both; then the Google Benchmark kernels and (full set) a
4 GiB streaming peak-memory check. Writes RESULTS_DIR/{meta.json, z4ai/*.json,
competitors/*.json, micro.json, stream.json, log.txt}. bench/report.py turns it into Markdown.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# glibc: big blocks come from the heap and stay there, so the timed calls of every codec
# (z4ai, zstd, brotli and the Python competitors alike) reuse pages faulted during the
# warm-up instead of paying fresh page faults on 10-100 MB buffers. MALLOC_MMAP_THRESHOLD_
# is capped by glibc at 32 MiB, so MALLOC_MMAP_MAX_=0 is what keeps larger blocks off mmap.
MALLOC_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(32 << 20),
    "MALLOC_MMAP_MAX_": "0",
    "MALLOC_TRIM_THRESHOLD_": str(1 << 40),
    "MALLOC_TOP_PAD_": str(64 << 20),
}

# z4ai bench row filters (see `z4ai bench --codecs`): prefixes of "codec-variant/tTHREADS".
# The ~1 MB/s compressors (z4ai max, zstd-19, brotli-11) dominate the run time on this 2-core
# machine, so they run on the PP-OCRv4 files (5-11 MB) only; MiniLM (45-91 MB) gets the fast rows.
Z_DENSE_SMALL = "memcpy,z4ai-fast,z4ai-default,z4ai-max/t1,zstd-3/,zstd-19/,zstd-planes,brotli-5,brotli-11"
Z_DENSE_HEADLINE = "memcpy,z4ai-fast,z4ai-default,zstd-3/,zstd-planes-3"
Z_DENSE_BIG = "memcpy,z4ai-fast/t1,z4ai-default,zstd-planes-3"
Z_DENSE_QUICK = "memcpy,z4ai-fast,z4ai-default,z4ai-max/t1,zstd-3/,zstd-planes,brotli-5"
Z_STRUCT = "memcpy,z4ai-fast/t1,z4ai-default,z4ai-max/t1,zstd-3/,zstd-19/,zstd-planes-3"
Z_STRUCT_BIG = "memcpy,z4ai-default/t1,zstd-3/,zstd-planes-3"
Z_STRUCT_QUICK = "memcpy,z4ai-fast/t1,z4ai-default,z4ai-max/t1,zstd-3/,zstd-planes-3"
Z_DELTA = "memcpy,z4ai-fast+delta/t1,z4ai-default/t1,z4ai-default+delta,z4ai-max+delta/t1,zstd-3+long+patch-from"
Z_DELTA_BIG = "z4ai-default/t1,z4ai-default+delta/t1,zstd-3+long+patch-from"

# Competitor selections: (codecs, variants or None = all, threads).
C_DENSE_FULL = [
    (["zipnn"], None, [1, 2]),
    (["openzl"], ["deconstruct+huffman", "deconstruct+bruteforce-lanes"], [1]),
    (["pcodec"], ["level8", "level12"], [1]),
    (["blosc2"], ["LZ4-BITSHUFFLE-clevel5", "ZSTD-SHUFFLE-clevel5"], [1]),
]
C_DENSE_HEADLINE = [
    (["zipnn"], None, [1, 2]),
    (["openzl"], ["deconstruct+huffman", "deconstruct+bruteforce-lanes"], [1]),
    (["pcodec"], ["level12"], [1]),
    (["blosc2"], ["LZ4-BITSHUFFLE-clevel5"], [1]),
]
C_ZIPNN = [(["zipnn"], None, [1, 2])]
C_DENSE_QUICK = [
    (["zipnn"], None, [1, 2]),
    (["openzl"], ["deconstruct+huffman", "deconstruct+bruteforce-lanes"], [1]),
    (["pcodec"], ["level12"], [1]),
    (["blosc2"], ["LZ4-BITSHUFFLE-clevel5", "ZSTD-SHUFFLE-clevel5"], [1]),
]
C_STRUCT = [(["zipnn"], None, [1]), (["pcodec"], ["level12"], [1])]
C_STRUCT_BIG = [(["zipnn"], None, [1])]

# Paths relative to ${Z4AI_CACHE}/corpus. "group" decides the report section.
SETS = {
    "quick": {
        "files": [
            ("real/ppocrv4-rec.f32", "dense", Z_DENSE_QUICK, C_DENSE_QUICK),
            ("derived/ppocrv4-rec/ppocrv4-rec.bf16.bf16", "dense", Z_DENSE_QUICK, C_DENSE_QUICK),
            ("derived/ppocrv4-rec/ppocrv4-rec.fp16.f16", "dense", Z_DENSE_QUICK, C_DENSE_QUICK),
            ("derived/ppocrv4-rec/ppocrv4-rec.upcast-bf16.f32", "structured", Z_STRUCT_QUICK, C_STRUCT),
            ("derived/ppocrv4-rec/ppocrv4-rec.int8pc-fp16.f16", "structured", Z_STRUCT_QUICK, C_STRUCT),
            ("derived/ppocrv4-rec/ppocrv4-rec.int4pc-fp16.f16", "structured", Z_STRUCT_QUICK, C_STRUCT),
            ("derived/ppocrv4-rec/ppocrv4-rec.prune50-bf16.bf16", "structured", Z_STRUCT_QUICK, C_STRUCT),
        ],
        "pairs": [
            ("real/silero-vad-v6.f32", "real/silero-vad-v5.f32", "Silero VAD v6 vs v5 (retrained, fp32)", Z_DELTA),
        ],
        "stream": False,
        "micro_min_time": 0.02,
        "micro_bytes": 1 << 20,
    },
    "full": {
        "files": [
            ("derived/minilm-l6-v2/minilm-l6-v2.bf16.bf16", "dense", Z_DENSE_HEADLINE, C_DENSE_HEADLINE),
            ("derived/minilm-l6-v2/minilm-l6-v2.fp16.f16", "dense", Z_DENSE_BIG, C_ZIPNN),
            ("real/minilm-l6-v2.f32", "dense", Z_DENSE_BIG, C_ZIPNN),
            ("derived/ppocrv4-rec/ppocrv4-rec.bf16.bf16", "dense", Z_DENSE_SMALL, C_DENSE_FULL),
            ("derived/ppocrv4-rec/ppocrv4-rec.fp16.f16", "dense", Z_DENSE_SMALL, C_DENSE_FULL),
            ("real/ppocrv4-rec.f32", "dense", Z_DENSE_SMALL, C_DENSE_FULL),
            ("derived/ppocrv4-rec/ppocrv4-rec.upcast-bf16.f32", "structured", Z_STRUCT, C_STRUCT),
            ("derived/ppocrv4-rec/ppocrv4-rec.int8pc-fp16.f16", "structured", Z_STRUCT, C_STRUCT),
            ("derived/ppocrv4-rec/ppocrv4-rec.int4pc-fp16.f16", "structured", Z_STRUCT, C_STRUCT),
            ("derived/ppocrv4-rec/ppocrv4-rec.prune50-bf16.bf16", "structured", Z_STRUCT, C_STRUCT),
            ("derived/minilm-l6-v2/minilm-l6-v2.upcast-bf16.f32", "structured", Z_STRUCT_BIG, C_STRUCT_BIG),
            ("derived/minilm-l6-v2/minilm-l6-v2.int8pc-fp16.f16", "structured", Z_STRUCT_BIG, C_STRUCT_BIG),
            ("derived/minilm-l6-v2/minilm-l6-v2.int4g128-fp16.f16", "structured", Z_STRUCT_BIG, C_STRUCT_BIG),
            ("derived/minilm-l6-v2/minilm-l6-v2.prune50-bf16.bf16", "structured", Z_STRUCT_BIG, C_STRUCT_BIG),
        ],
        "pairs": [
            ("checkpoints/ft/minilm-ft.step200.bf16.bf16", "checkpoints/ft/minilm-ft.step150.bf16.bf16",
             "MiniLM fine-tune, consecutive checkpoints (50 steps apart), bf16", Z_DELTA_BIG),
            ("checkpoints/ft/minilm-ft.step200.fp32.f32", "checkpoints/ft/minilm-ft.step150.fp32.f32",
             "MiniLM fine-tune, consecutive checkpoints (50 steps apart), fp32", Z_DELTA_BIG),
            ("checkpoints/frozen/minilm-frozen-ft.step100.bf16.bf16", "checkpoints/ft/minilm-ft.step000.bf16.bf16",
             "fine-tune with all but the last layer frozen vs its base, bf16", Z_DELTA_BIG),
            ("real/silero-vad-v6.f32", "real/silero-vad-v5.f32", "Silero VAD v6 vs v5 (retrained, fp32)", Z_DELTA),
        ],
        "stream": True,
        "micro_min_time": 0.05,
        "micro_bytes": 1 << 20,
    },
}


class Runner:
    def __init__(self, out: Path):
        self.out = out
        self.log = open(out / "log.txt", "a", buffering=1)
        self.commands: list[dict] = []

    def run(self, cmd: list[str], what: str, timeout: float, env=None, stdout_path: Path | None = None) -> int:
        line = " ".join(shlex.quote(c) for c in cmd)
        t0 = time.time()
        la0 = os.getloadavg()[0]
        print(f"[bench] {what}", file=sys.stderr, flush=True)
        self.log.write(f"$ {line}\n")
        try:
            with open(stdout_path, "w") if stdout_path else open(os.devnull, "w") as so:
                p = subprocess.run(cmd, stdout=so if stdout_path else subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, timeout=timeout, env=env)
            rc = p.returncode
            err = p.stderr[-4000:]
            if not stdout_path and p.stdout:
                self.log.write(p.stdout[-20000:])
        except subprocess.TimeoutExpired:
            rc, err = -9, f"timeout after {timeout}s"
        self.log.write(err + f"\n[exit {rc}, {time.time() - t0:.1f}s]\n")
        self.commands.append({"what": what, "cmd": line, "rc": rc, "seconds": round(time.time() - t0, 1),
                              "loadavg_1m_start": round(la0, 2), "loadavg_1m_end": round(os.getloadavg()[0], 2),
                              "stderr_tail": err[-600:] if rc else ""})
        if rc:
            print(f"[bench]   FAILED (exit {rc}): {err[-300:]}", file=sys.stderr, flush=True)
        return rc


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def cpu_flags() -> list[str]:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                f = set(line.split(":", 1)[1].split())
                return [x for x in ("sse4_2", "avx", "avx2", "bmi2", "avx512f", "avx512bw", "avx512vl", "avx512vbmi")
                        if x in f]
    except OSError:
        pass
    return []


def mem_total_gib() -> float:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return 0.0


def git(*args) -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def stream_check(z4ai: str, src: Path, out: Path, runner: Runner, total: int) -> dict:
    """Stream `total` bytes of distinct bf16 data through `z4ai compress - | z4ai decompress -`
    and record each process's peak RSS (wait4). The data is the source file repeated with the
    low mantissa byte XORed by the pass number, so no repetition is an exact duplicate."""
    effort = "fast"
    rec = {"bytes": total, "source": str(src), "dtype": "bf16", "effort": effort, "threads": "all (CLI default)"}
    gen_code = (
        "import hashlib, sys\n"
        "src = open(sys.argv[1], 'rb').read(); total = int(sys.argv[2]); out = sys.stdout.buffer\n"
        "h = hashlib.sha256()\n"
        "base = bytearray(src[: len(src) // 2 * 2]); n = 0; k = 0\n"
        "while n < total:\n"
        "    b = bytearray(base); x = k % 128\n"  # low byte of a bf16 word = 7 mantissa bits + 1 exp bit
        "    if x: b[0::2] = bytes(b[0::2]).translate(bytes(i ^ x for i in range(256)))\n"
        "    m = min(len(b), total - n); out.write(b[:m]); h.update(b[:m]); n += m; k += 1\n"
        "out.flush(); open(sys.argv[3], 'w').write(h.hexdigest())\n"
    )
    t0 = time.time()
    digest_file = out / "stream.sha256"
    gen = subprocess.Popen([sys.executable, "-c", gen_code, str(src), str(total), str(digest_file)],
                           stdout=subprocess.PIPE)
    comp = subprocess.Popen([z4ai, "compress", "-q", "-f", "--dtype", "bf16", "--effort", effort, "-", "-c"], stdin=gen.stdout,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    gen.stdout.close()
    counter = (
        "import hashlib, sys\n"
        "n = 0; h = hashlib.sha256()\n"
        "while True:\n"
        "    b = sys.stdin.buffer.read(1 << 20)\n"
        "    if not b: break\n"
        "    n += len(b); h.update(b)\n"
        "print(n, h.hexdigest())\n"
    )
    dec = subprocess.Popen([z4ai, "decompress", "-q", "-f", "-", "-c"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cnt = subprocess.Popen([sys.executable, "-c", counter], stdin=dec.stdout, stdout=subprocess.PIPE, text=True)
    dec.stdout.close()
    # tee the compressed stream: count its bytes while feeding the decompressor
    csize = 0
    while True:
        b = comp.stdout.read(1 << 20)
        if not b:
            break
        csize += len(b)
        dec.stdin.write(b)
    dec.stdin.close()
    results = {}
    for name, p in (("gen", gen), ("compress", comp), ("decompress", dec), ("count", cnt)):
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        results[name] = (p.returncode, ru.ru_maxrss / 1024)
    counted = (cnt.stdout.read() or "0 -").split()
    decoded, digest = int(counted[0]), counted[1] if len(counted) > 1 else "-"
    written = digest_file.read_text().strip() if digest_file.exists() else "?"
    rec.update({
        "seconds": round(time.time() - t0, 1),
        "compressed_bytes": csize, "decoded_bytes": decoded,
        "ratio": round(total / csize, 4) if csize else None,
        "compress_peak_rss_MB": round(results["compress"][1], 1),
        "decompress_peak_rss_MB": round(results["decompress"][1], 1),
        "exit_codes": {k: v[0] for k, v in results.items()},
        "sha256_in": written, "sha256_out": digest,
        "ok": decoded == total and digest == written and all(v[0] == 0 for v in results.values()),
        "stderr": (comp.stderr.read().decode(errors="replace") + dec.stderr.read().decode(errors="replace"))[-500:],
    })
    runner.commands.append({"what": "4 GiB streaming peak RSS", "cmd": f"(generated {total} bytes) | {z4ai} compress "
                            f"-q --dtype bf16 --effort {effort} - -c | z4ai decompress -q - -c", "rc": 0 if rec["ok"] else 1,
                            "seconds": rec["seconds"]})
    return rec


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=list(SETS), default="quick")
    ap.add_argument("--z4ai", required=True)
    ap.add_argument("--micro", help="z4ai_micro_bench binary (skipped when absent)")
    ap.add_argument("--py", help="bench venv python (competitors skipped when absent, and the report says so)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=5, help="timed calls per row after one warm-up (median reported)")
    ap.add_argument("--skip-competitors", action="store_true")
    ap.add_argument("--skip-micro", action="store_true")
    ap.add_argument("--skip-stream", action="store_true")
    ap.add_argument("--stream-bytes", type=int, default=4 << 30)
    args = ap.parse_args(argv)

    cache = Path(os.environ.get("Z4AI_CACHE") or REPO / ".cache").resolve()
    corpus = cache / "corpus"
    out = Path(args.out)
    for sub in ("z4ai", "competitors"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    runner = Runner(out)
    spec = SETS[args.set]
    env = dict(os.environ, **MALLOC_ENV)
    t_start = time.time()
    meta = {
        "set": args.set, "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "git_commit": git("rev-parse", "HEAD"), "git_describe": git("log", "-1", "--format=%h %s"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "host": {"cpu_model": cpu_model(), "logical_cpus": os.cpu_count(), "cpu_flags": cpu_flags(),
                 "mem_total_GiB": mem_total_gib(), "kernel": platform.release(),
                 "loadavg_start": [round(x, 2) for x in os.getloadavg()]},
        "runs": args.runs, "malloc_env": MALLOC_ENV, "corpus": str(corpus), "z4ai": args.z4ai,
        "files": [], "pairs": [],
    }
    try:
        meta["z4ai_version"] = subprocess.run([args.z4ai, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError as e:
        meta["z4ai_version"] = f"cannot run {args.z4ai}: {e}"

    def save_meta():
        meta["commands"] = runner.commands
        (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")

    missing = []
    for rel, group, zf, comp in spec["files"]:
        path = corpus / rel
        if not path.exists():
            missing.append(rel)
            continue
        stem = path.name
        meta["files"].append({"path": rel, "group": group})
        runner.run([args.z4ai, "bench", "--runs", str(args.runs), "--codecs", zf, "--json-out",
                    str(out / "z4ai" / f"{stem}.json"), str(path)], f"z4ai bench {rel}", 3600, env=env,
                   stdout_path=out / "z4ai" / f"{stem}.md")
        if args.py and not args.skip_competitors:
            for i, (codecs, variants, threads) in enumerate(comp):
                cmd = [args.py, str(HERE / "competitors" / "run_all.py"), "--files", str(path), "--codecs", *codecs,
                       "--threads", *map(str, threads), "--reps", str(args.runs), "--timeout", "900",
                       "--json", str(out / "competitors" / f"{stem}.{codecs[0]}.json"), "--python", args.py]
                if variants:
                    cmd += ["--variants", *variants]
                runner.run(cmd, f"competitors {'/'.join(codecs)} {rel}", 3600, env=env)
        save_meta()
    for new, ref, desc, zf in spec["pairs"]:
        pn, pr = corpus / new, corpus / ref
        if not (pn.exists() and pr.exists()):
            missing.append(f"{new} vs {ref}")
            continue
        stem = pn.name + ".delta"
        meta["pairs"].append({"path": new, "ref": ref, "description": desc})
        runner.run([args.z4ai, "bench", "--runs", str(args.runs), "--codecs", zf, "--reference", str(pr),
                    "--json-out", str(out / "z4ai" / f"{stem}.json"), str(pn)], f"z4ai bench delta {new}", 3600,
                   env=env, stdout_path=out / "z4ai" / f"{stem}.md")
        if args.py and not args.skip_competitors:
            runner.run([args.py, str(HERE / "competitors" / "run_all.py"), "--pairs", f"{pn}:{pr}", "--codecs",
                        "zipnn", "--threads", "1", "--reps", str(args.runs), "--timeout", "900", "--json",
                        str(out / "competitors" / f"{stem}.zipnn.json"), "--python", args.py],
                       f"competitors zipnn delta {new}", 3600, env=env)
        save_meta()
    meta["missing"] = missing
    # Entropy bounds of every measured file: from the corpus's bounds.json, else computed here.
    measured = [corpus / f["path"] for f in meta["files"]] + [corpus / p["path"] for p in meta["pairs"]]
    known = set()
    bj = corpus / "bounds.json"
    if bj.exists():
        try:
            known = {str(Path(b["file"]).resolve()) for b in json.loads(bj.read_text())["files"]}
        except (ValueError, KeyError):
            known = set()
    todo = [str(p) for p in measured if str(p.resolve()) not in known]
    if todo and args.py:
        runner.run([args.py, str(HERE / "corpus" / "bounds.py"), *todo, "--json", str(out / "bounds.json"),
                    "--md", str(out / "bounds.md")], f"entropy bounds of {len(todo)} file(s) missing from "
                   "the corpus bounds.json", 1800, env=env)
    if args.micro and not args.skip_micro and Path(args.micro).exists():
        runner.run([args.micro, f"--benchmark_min_time={spec['micro_min_time']}", "--benchmark_format=json",
                    f"--benchmark_out={out / 'micro.json'}", "--benchmark_out_format=json"],
                   "Google Benchmark kernels", 1800,
                   env=dict(env, Z4AI_MICRO_BYTES=str(spec["micro_bytes"]),
                            Z4AI_MICRO_FILE=str(corpus / "real/minilm-l6-v2.f32")))
    if spec["stream"] and not args.skip_stream:
        src = corpus / "derived/minilm-l6-v2/minilm-l6-v2.bf16.bf16"
        if src.exists():
            print("[bench] 4 GiB streaming peak RSS", file=sys.stderr, flush=True)
            rec = stream_check(args.z4ai, src, out, runner, args.stream_bytes)
            (out / "stream.json").write_text(json.dumps(rec, indent=1) + "\n")
    meta["host"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    meta["finished_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    meta["wall_seconds"] = round(time.time() - t_start, 1)
    save_meta()
    bad = [c for c in runner.commands if c["rc"]]
    print(f"[bench] done in {meta['wall_seconds']:.0f}s, {len(bad)} failed step(s), results in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
