#!/usr/bin/env python3
"""Side-by-side z4ai vs ZipNN on real weights, one process, same data.

usage: e2e_zipnn.py [--lib build/c_api/libz4ai.so] [--reps 7] [--threads 1]
                    [--tiers fast,default,max] [--no-zipnn] FILE:DTYPE ...

FILE is a raw little-endian array (e.g. $Z4AI_CACHE/corpus/derived/minilm-l6-v2/
minilm-l6-v2.bf16.bf16), DTYPE one of bf16, fp16, fp32. Prints ratio and
best-of-N compress / decompress MB/s (of uncompressed bytes, process CPU time
unless --wall; with threads > 1 use --wall on an idle machine) for z4ai (through
its C ABI via ctypes, checksums on) and ZipNN (zipnn 0.5.4, byte mode), with the
round trip checked. Run with the bench venv: $Z4AI_CACHE/venv-bench/bin/python.
glibc: large blocks are reused instead of mmapped per call (both codecs
allocate their outputs), so page-fault noise does not dominate either side.
"""
import argparse
import ctypes
import os
import sys
import time

if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(1 << 30), MALLOC_TRIM_THRESHOLD_=str(1 << 31),
               MALLOC_TOP_PAD_=str(1 << 28))
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"bf16": 13, "fp16": 12, "fp32": 14}
EFFORT = {"fast": 0, "default": 1, "max": 2}


# Process CPU time (all threads) by default: the benchmark machine is shared, and
# wall time mostly measures the neighbours. --wall switches to perf_counter.
CLOCK = time.process_time


def best_of(fn, reps):
    best = float("inf")
    out = None
    for _ in range(reps):
        t = CLOCK()
        out = fn()
        best = min(best, CLOCK() - t)
    return best, out


class Z4AI:
    def __init__(self, path):
        L = ctypes.CDLL(path)
        L.z4ai_cctx_create.restype = ctypes.c_void_p
        L.z4ai_dctx_create.restype = ctypes.c_void_p
        L.z4ai_cctx_set_param.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64]
        L.z4ai_dctx_set_param.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64]
        L.z4ai_compress_bound.restype = ctypes.c_size_t
        L.z4ai_compress_bound.argtypes = [ctypes.c_uint64]
        L.z4ai_compress.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                    ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
        L.z4ai_decompress.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                      ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
        L.z4ai_cctx_last_error.restype = ctypes.c_char_p
        L.z4ai_cctx_last_error.argtypes = [ctypes.c_void_p]
        self.L = L

    def run(self, data, dtype, effort, threads, reps):
        L = self.L
        c = L.z4ai_cctx_create()
        d = L.z4ai_dctx_create()
        L.z4ai_cctx_set_param(c, 102, DTYPES[dtype])
        L.z4ai_cctx_set_param(c, 101, EFFORT[effort])
        L.z4ai_cctx_set_param(c, 103, threads)
        L.z4ai_dctx_set_param(d, 200, threads)
        n = len(data)
        src = ctypes.create_string_buffer(data, n)
        cap = L.z4ai_compress_bound(n)
        frame = ctypes.create_string_buffer(cap)
        out = ctypes.create_string_buffer(n)
        size = ctypes.c_size_t()

        def comp():
            st = L.z4ai_compress(c, frame, cap, src, n, ctypes.byref(size))
            if st != 0:
                raise RuntimeError(L.z4ai_cctx_last_error(c))
            return size.value

        got = ctypes.c_size_t()

        def dec():
            st = L.z4ai_decompress(d, out, n, frame, size.value, ctypes.byref(got))
            if st != 0:
                raise RuntimeError(f"decompress status {st}")

        tc, fsize = best_of(comp, reps if effort != "max" else min(reps, 2))
        td, _ = best_of(dec, reps)
        if out.raw != data:
            raise RuntimeError("z4ai round trip mismatch")
        return n / fsize, n / tc / 1e6, n / td / 1e6


def zipnn_run(data, dtype, threads, reps):
    from zipnn import ZipNN
    z = ZipNN(input_format="byte", bytearray_dtype={"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}[dtype],
              threads=threads)
    best_c = float("inf")
    comp = None
    for _ in range(reps):
        buf = bytearray(data)  # ZipNN rewrites its input in place: a fresh copy per call
        t = CLOCK()
        comp = z.compress(buf)
        best_c = min(best_c, CLOCK() - t)
    comp = bytes(comp)
    td, out = best_of(lambda: z.decompress(comp), reps)
    if bytes(out) != data:
        raise RuntimeError("zipnn round trip mismatch")
    n = len(data)
    return n / len(comp), n / best_c / 1e6, n / td / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--lib", default=os.path.join(HERE, "..", "..", "build", "c_api", "libz4ai.so"))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tiers", default="fast,default,max")
    ap.add_argument("--no-zipnn", action="store_true")
    ap.add_argument("--wall", action="store_true", help="wall-clock time instead of process CPU time")
    a = ap.parse_args()
    global CLOCK
    if a.wall:
        CLOCK = time.perf_counter
    z4 = Z4AI(a.lib)
    print(f"{'file':34} {'codec':14} {'ratio':>8} {'comp MB/s':>10} {'dec MB/s':>10}  vs ZipNN (ratio / comp / dec)")
    for spec in a.files:
        path, dtype = spec.rsplit(":", 1)
        data = open(path, "rb").read()
        name = os.path.basename(path)[:34]
        base = None
        if not a.no_zipnn:
            base = zipnn_run(data, dtype, a.threads, a.reps)
            print(f"{name:34} {'zipnn':14} {base[0]:8.4f} {base[1]:10.0f} {base[2]:10.0f}", flush=True)
        for tier in a.tiers.split(","):
            r = z4.run(data, dtype, tier, a.threads, a.reps)
            rel = ""
            if base:
                rel = f"  {r[0] / base[0]:.4f}x / {r[1] / base[1]:.2f}x / {r[2] / base[2]:.2f}x"
            print(f"{name:34} {'z4ai-' + tier:14} {r[0]:8.4f} {r[1]:10.0f} {r[2]:10.0f}{rel}", flush=True)


if __name__ == "__main__":
    main()
