#!/usr/bin/env python3
"""Finding: ZipNN 0.5.4 (input_format="byte") rewrites its input buffer in place, even when it is
an immutable Python `bytes` object, for bf16 and fp32 (its bit reorder moves the sign bit);
fp16 is left alone (no bit reorder). A caller that compresses the same buffer twice, or keeps
using it, silently works on scrambled data: the second compression round-trips to the
scrambled bytes, not the original. This script shows it on a corpus file (or, if there is no
corpus, on seeded normal weights) and prints a JSON report.

Usage: python zipnn_mutation.py [--file RAW --dtype bf16|fp16|fp32] [--json out.json]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np


def sample(dtype: str) -> bytes:
    w = np.random.default_rng(0).normal(0, 0.02, 1 << 20).astype(np.float32)
    if dtype == "fp32":
        return w.tobytes()
    if dtype == "fp16":
        return w.astype(np.float16).tobytes()
    u = w.view(np.uint32)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16).tobytes()


def probe(data: bytes, dtype: str) -> dict:
    from zipnn import ZipNN
    name = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}[dtype]
    orig = bytes(memoryview(data))
    sha = hashlib.sha256(orig).hexdigest()
    z = ZipNN(input_format="byte", bytearray_dtype=name, threads=1)
    buf = bytes(memoryview(orig))  # an immutable bytes object handed to ZipNN
    c1 = z.compress(buf)
    after1 = hashlib.sha256(buf).hexdigest()
    changed = int(np.count_nonzero(np.frombuffer(buf, np.uint8) != np.frombuffer(orig, np.uint8)))
    d1 = bytes(z.decompress(bytes(c1)))
    c2 = z.compress(buf)  # the same object again, as a caller reusing its buffer would
    d2 = bytes(z.decompress(bytes(c2)))
    return {"dtype": dtype, "bytes": len(orig), "input_type": "bytes",
            "input_mutated": after1 != sha, "bytes_changed": changed,
            "first_roundtrip_equals_original": d1 == orig,
            "second_compress_of_same_buffer_roundtrips_to_original": d2 == orig,
            "ratio_first": round(len(orig) / len(c1), 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file")
    ap.add_argument("--dtype", choices=["bf16", "fp16", "fp32"])
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    try:
        import zipnn  # noqa: F401
    except Exception as e:
        rep = {"error": f"zipnn not importable: {type(e).__name__}: {e}"}
        print(json.dumps(rep, indent=1))
        return 1
    results = []
    if args.file:
        results.append({"file": args.file, **probe(Path(args.file).read_bytes()[: 8 << 20], args.dtype)})
    else:
        for dt in ("bf16", "fp16", "fp32"):
            results.append({"file": "seeded normal(0, 0.02), 1 Mi values", **probe(sample(dt), dt)})
    rep = {"zipnn_version": __import__("importlib.metadata").metadata.version("zipnn"), "results": results}
    print(json.dumps(rep, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(rep, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
