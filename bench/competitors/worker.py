#!/usr/bin/env python3
"""Measure ONE (codec, variant, file, dtype, threads[, ref]) in this process and print one JSON
row on the last line of stdout. run_all.py starts one of these per configuration, so a codec
that leaks memory per call (ZipNN does) or crashes cannot disturb the next measurement.

Timing: one warm-up compress+decompress, then `--reps` (default 7) timed calls of each;
reported: best-of-reps (compress_MBps / decompress_MBps) and the median (…_median).
MB = 10^6 bytes of the ORIGINAL (uncompressed) size, for both directions.
Inputs the codec may modify are copied before each call, outside the timed region.
glibc is told not to return memory to the OS and not to mmap big blocks (mallopt below; the
driver also sets MALLOC_MMAP_MAX_ / MALLOC_TRIM_THRESHOLD_), so after the warm-up the timed
calls reuse already-faulted pages instead of paying page faults on fresh 20-110 MiB buffers.
"""
from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import resource
import statistics
import sys
import time
import traceback
from pathlib import Path

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4


def tune_malloc() -> str:
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok1 = libc.mallopt(M_MMAP_MAX, 0)
        ok2 = libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
        ok3 = libc.mallopt(M_TOP_PAD, 64 << 20)
        return f"mallopt(M_MMAP_MAX=0,M_TRIM_THRESHOLD=2^31-1,M_TOP_PAD=64MiB)={ok1}{ok2}{ok3}"
    except OSError as e:
        return f"mallopt unavailable: {e}"


def rss_mb() -> float:
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def as_view(x) -> memoryview:
    if hasattr(x, "tobytes") and not isinstance(x, (bytes, bytearray, memoryview)):
        import numpy as np  # numpy array from pcodec
        return memoryview(np.ascontiguousarray(x)).cast("B")
    return memoryview(x).cast("B")


def fresh(buf) -> bytes:
    return bytes(memoryview(buf))  # a new object, never an alias of `buf`


def install_error(codec: str) -> str:
    cache = Path(os.environ.get("Z4AI_CACHE") or Path(__file__).resolve().parents[2] / ".cache")
    p = cache / "venv-bench" / "install-errors" / f"{codec}.txt"
    return p.read_text()[-1500:] if p.exists() else ""


def main(argv=None) -> int:
    malloc_note = tune_malloc()
    ap = argparse.ArgumentParser()
    ap.add_argument("--codec", required=True)
    ap.add_argument("--variant", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--dtype", required=True, choices=["bf16", "fp16", "fp32"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ref", help="reference buffer for delta mode (same size)")
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args(argv)

    row = {"codec": args.codec, "variant": args.variant + ("+delta-xor" if args.ref else ""),
           "file": args.file, "dtype": args.dtype, "threads": args.threads, "ref": args.ref,
           "ratio": None, "compress_MBps": None, "decompress_MBps": None,
           "compress_MBps_median": None, "decompress_MBps_median": None, "reps": args.reps,
           "orig_bytes": None, "comp_bytes": None, "roundtrip_ok": False,
           "peak_rss_MB": None, "baseline_rss_MB": None, "codec_version": None,
           "mutates_input": None, "loadavg_1m_start": round(os.getloadavg()[0], 2), "loadavg_1m_end": None,
           "notes": [malloc_note], "error": None}
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from codecs_impl import ADAPTERS  # noqa: PLC0415

        ad = ADAPTERS[args.codec]
        try:
            try:
                row["codec_version"] = ad.version()
            except Exception as ve:  # noqa: BLE001 - the import below says why
                row["notes"].append(f"version unknown: {ve}")
            data = Path(args.file).read_bytes()
            ref = Path(args.ref).read_bytes() if args.ref else None
            if ref is not None and len(ref) != len(data):
                raise ValueError(f"reference size {len(ref)} != file size {len(data)}")
            codec = ad.make(args.variant, args.dtype, args.threads, ref)
        except ImportError as e:
            why = install_error(args.codec)
            raise RuntimeError(f"{args.codec} not importable: {type(e).__name__}: {e}"
                               + (f" | install log: {why}" if why else "")) from e
        row["orig_bytes"] = len(data)
        orig_sha = hashlib.sha256(data).digest()
        row["baseline_rss_MB"] = round(rss_mb(), 1)

        # warm-up, also checks whether the codec writes into its input buffers
        probe = fresh(data)
        comp = codec.compress(probe)
        mutated_in = hashlib.sha256(probe).digest() != orig_sha
        comp_bytes = fresh(as_view(comp))
        comp_sha = hashlib.sha256(comp_bytes).digest()
        probe_c = fresh(comp_bytes)
        out = codec.decompress(probe_c)
        mutated_comp = hashlib.sha256(probe_c).digest() != comp_sha
        row["mutates_input"] = bool(mutated_in or mutated_comp)
        if mutated_in:
            row["notes"].append("compress() modified its (immutable) bytes input in place; fresh copy given per call")
        if mutated_comp:
            row["notes"].append("decompress() modified its compressed input in place; fresh copy given per call")
        copy_in = mutated_in or getattr(codec, "needs_fresh_input", False)
        copy_comp = mutated_comp
        del out, probe, probe_c

        reps = max(1, args.reps)
        tc, td, cc, dc = [], [], [], []  # wall and process-CPU ns per call
        for _ in range(reps):
            inp = fresh(data) if copy_in else data
            c0 = time.process_time_ns()
            t0 = time.perf_counter_ns()
            comp = codec.compress(inp)
            tc.append(time.perf_counter_ns() - t0)
            cc.append(time.process_time_ns() - c0)
            del inp
        comp_view = as_view(comp)
        row["comp_bytes"] = len(comp_view)
        comp_bytes = fresh(comp_view)
        del comp, comp_view
        out = None
        for _ in range(reps):
            cin = fresh(comp_bytes) if copy_comp else comp_bytes
            out = None
            c0 = time.process_time_ns()
            t0 = time.perf_counter_ns()
            out = codec.decompress(cin)
            td.append(time.perf_counter_ns() - t0)
            dc.append(time.process_time_ns() - c0)
            del cin
        ov = as_view(out)
        row["roundtrip_ok"] = len(ov) == len(data) and hashlib.sha256(ov).digest() == orig_sha
        if not row["roundtrip_ok"]:
            row["error"] = f"round trip mismatch (got {len(ov)} bytes)"
        n = len(data) / 1e6
        row["ratio"] = round(len(data) / row["comp_bytes"], 5)
        row["compress_MBps"] = round(n / (min(tc) / 1e9), 1)
        row["decompress_MBps"] = round(n / (min(td) / 1e9), 1)
        row["compress_MBps_median"] = round(n / (statistics.median(tc) / 1e9), 1)
        row["decompress_MBps_median"] = round(n / (statistics.median(td) / 1e9), 1)
        # process CPU time (all threads summed): load-robust cross-check for one-thread rows
        row["compress_MBps_cpu_median"] = round(n / (max(statistics.median(cc), 1) / 1e9), 1)
        row["decompress_MBps_cpu_median"] = round(n / (max(statistics.median(dc), 1) / 1e9), 1)
    except Exception as e:  # report, never skip silently
        row["error"] = f"{type(e).__name__}: {e}"
        row["notes"].append(traceback.format_exc(limit=3)[-1500:])
    row["peak_rss_MB"] = round(peak_rss_mb(), 1)
    row["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    sys.stdout.flush()
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
