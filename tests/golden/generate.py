#!/usr/bin/env python3
"""Generate the golden frames (run once per new frame feature; never regenerate
existing ones: they must keep decoding to the same bytes forever).

usage: generate.py Z4AI_CLI [--force]

Inputs are derived deterministically from numpy's legacy RandomState (stable
across numpy versions) so anyone can check them; the manifest records each
frame's decoded SHA-256 and how it was made. Containers (.zstn, .z4dm) come from
generate_containers.py into the same manifest. Frames cover every dtype at the
three effort tiers, streamed frames, shapes, no-checksum, the structure layouts,
the Huffman backend, and delta frames whose chunks use XOR, SUB and no delta.
"""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMES = os.path.join(HERE, "frames")


def weights(n, seed):
    return np.random.RandomState(seed).normal(0.0, 0.02, n).astype(np.float32)


def bf16(a):
    u = a.view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def inputs():
    w = weights(6000, 1)
    rs = np.random.RandomState(2)
    pruned = w.copy()
    pruned[np.abs(pruned) < np.median(np.abs(pruned))] = 0
    block = bf16(weights(2048, 3)).tobytes()
    yield "bf16", bf16(w).tobytes()
    yield "fp16", w.astype(np.float16).tobytes()
    yield "fp32", w.tobytes()
    yield "fp64", w.astype(np.float64).tobytes()
    yield "int8", np.clip(np.round(w * 3000), -128, 127).astype(np.int8).tobytes()
    yield "uint8", rs.randint(0, 16, 5000).astype(np.uint8).tobytes()
    yield "int16", np.round(w * 20000).astype(np.int16).tobytes()
    yield "int32", np.round(w * 1e6).astype(np.int32).tobytes()
    yield "int64", np.round(w * 1e6).astype(np.int64).tobytes()
    yield "uint16", rs.randint(0, 300, 3000).astype(np.uint16).tobytes()
    yield "uint32", rs.randint(0, 70000, 3000).astype(np.uint32).tobytes()
    yield "uint64", rs.randint(0, 70000, 3000).astype(np.uint64).tobytes()
    yield "fp8_e4m3", (bf16(w * 8) >> 8).astype(np.uint8).tobytes()
    yield "fp8_e5m2", (bf16(w * 8) >> 8).astype(np.uint8).tobytes()
    yield "bool", (rs.rand(5000) < 0.3).astype(np.uint8).tobytes()
    yield "raw", rs.bytes(3001)
    yield "fp32-pruned", pruned.tobytes()
    yield "bf16-dup", block * 4
    yield "fp32-odd-tail", w.tobytes()[:8191]
    yield "empty", b""


def quantized(rows, row_len, bits, seed):
    """Per-row symmetric quantize-dequantize in fp32 (like bench/corpus/derive.py),
    keeping -0.0 for small negatives (as float fake-quant does)."""
    qmax = (1 << (bits - 1)) - 1
    w = weights(rows * row_len, seed).reshape(rows, row_len)
    scale = (np.abs(w).max(axis=1) / np.float32(qmax)).astype(np.float32)
    q = np.clip(np.rint(w / scale[:, None]), -qmax - 1, qmax).astype(np.float32)
    return (q * scale[:, None]).astype(np.float32).ravel()


def structure_inputs():
    """Inputs for the structure layouts 3 (narrow), 4 (scaled-int), 5 (palette),
    each with a few elements the model does not cover (exceptions)."""
    w = weights(6000, 5)
    up_bf16 = (bf16(w).astype(np.uint32) << 16)
    up_bf16[[7, 100, 4000]] = [0x7FC00001, 0x3F800001, 0x00000001]  # NaN payload, stray bit, subnormal
    yield "fp32-upcast-bf16", up_bf16.tobytes(), "fp32"
    up_fp16 = w.astype(np.float16).astype(np.float32)
    up_fp16[[3, 50]] = [np.float32(0.1), np.float32(2.0 ** -24)]  # not an fp16 value; fp16 subnormal
    yield "fp32-upcast-fp16", up_fp16.tobytes(), "fp32"
    yield "fp64-of-fp32-odd", np.concatenate([w.astype(np.float64), [0.1]]).tobytes(), "fp64"
    q8 = quantized(100, 64, 8, 6).astype(np.float16)
    q8[[10, 999]] = [np.float16(np.inf), np.float16(1.0)]
    yield "fp16-int8pc", q8.tobytes(), "fp16"
    yield "bf16-int4pc", bf16(quantized(100, 64, 4, 7)).tobytes(), "bf16"
    yield "fp32-int8pc", quantized(60, 64, 8, 8).tobytes(), "fp32"
    rs = np.random.RandomState(9)
    yield "fp32-palette", (rs.randint(-3, 4, 5000).astype(np.float32) * np.float32(0.0125)).tobytes(), "fp32"
    yield "fp16-palette-odd-tail", (rs.randint(0, 200, 3000).astype(np.float16) * np.float16(0.5)).tobytes() + b"\x07", "fp16"


def main():
    cli = sys.argv[1]
    force = "--force" in sys.argv
    os.makedirs(FRAMES, exist_ok=True)
    manifest_path = os.path.join(HERE, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    reference = bf16(weights(6000, 1)).tobytes()
    ref_path = os.path.join(FRAMES, "reference.bf16")
    if not os.path.exists(ref_path):
        open(ref_path, "wb").write(reference)
    delta_target = bytearray(reference)
    for i in range(0, len(delta_target), 50):
        delta_target[i] ^= 1
    jobs = []
    for name, data in inputs():
        dtype = name.split("-")[0] if name not in ("empty",) else "fp32"
        for effort in ("fast", "default", "max"):
            jobs.append((f"{name}.{effort}", data, ["--dtype", dtype, "--effort", effort, "--chunk-size", "4096"]))
    jobs.append(("bf16.nochecksum", bf16(w := weights(6000, 1)).tobytes(),
                 ["--dtype", "bf16", "--no-checksum", "--chunk-size", "4096"]))
    jobs.append(("fp32.shape", weights(6000, 1).tobytes(), ["--dtype", "fp32", "--shape", "60,100", "--chunk-size", "4096"]))
    jobs.append(("bf16.delta", bytes(delta_target), ["--dtype", "bf16", "--reference", ref_path, "--chunk-size", "4096"]))
    # Delta kinds per chunk (issue 10): the same 12000-byte reference read as int16
    # and fp32 words. int16: chunk 0 small integer steps (SUB), chunk 1 flipped low
    # bits (XOR), chunk 2 unrelated bytes (no delta); fp32: fine-tune-like noise.
    ref16 = np.frombuffer(reference, np.int16)
    steps = np.random.RandomState(51).randint(-3, 4, ref16.size).astype(np.int16)
    mixed = (ref16 + steps).astype(np.int16).tobytes()
    flips = np.frombuffer(reference, np.uint8) ^ (np.random.RandomState(52).rand(len(reference)) < 0.05).astype(np.uint8)
    mixed = mixed[:4096] + flips.tobytes()[4096:8192] + np.random.RandomState(53).bytes(len(reference) - 8192)
    jobs.append(("int16.delta-mixed", mixed, ["--dtype", "int16", "--reference", ref_path, "--chunk-size", "4096"]))
    ref32 = np.frombuffer(reference, np.float32)
    tuned = (ref32 + weights(ref32.size, 54) * np.float32(1e-3) * np.abs(ref32)).astype(np.float32)
    jobs.append(("fp32.delta", tuned.tobytes(), ["--dtype", "fp32", "--reference", ref_path, "--chunk-size", "4096"]))
    # Backend 4 (segmented 4-stream Huffman, issue 7): one 32 KiB chunk per
    # frame, so every plane is one multi-stream segment (small frames in git).
    for dtype, data in (("bf16", bf16(weights(16384, 11)).tobytes()),
                        ("fp16", (weights(16384, 12) * 40).astype(np.float16).tobytes()),
                        ("fp32", weights(8192, 13).tobytes())):
        for effort in ("default", "max"):
            jobs.append((f"huffman-{dtype}.{effort}", data,
                         ["--dtype", dtype, "--effort", effort, "--chunk-size", "65536"]))
    # Backend 5 (fastx, the fast tier's escape code, issue 7): one plane per
    # segment, and a bf16 frame whose exponent plane spans two 64 KiB segments.
    for name, dtype, data in (("fastx-bf16", "bf16", bf16(weights(16384, 21)).tobytes()),
                              ("fastx-fp32", "fp32", weights(8192, 22).tobytes()),
                              ("fastx-bf16-2seg", "bf16", bf16(weights(70000, 23)).tobytes())):
        jobs.append((f"{name}.fast", data, ["--dtype", dtype, "--effort", "fast", "--chunk-size", "262144"]))
    for name, data, dtype in structure_inputs():
        jobs.append((f"{name}.default", data, ["--dtype", dtype, "--chunk-size", "4096"]))
    for name, data, args in jobs:
        out = os.path.join(FRAMES, name + ".z4ai")
        if os.path.exists(out) and not force:
            continue
        src = out + ".in"
        open(src, "wb").write(data)
        stream = name.endswith(".default") and name.startswith("fp16")
        if stream:  # a streamed frame: content size unknown in the header
            with open(src, "rb") as fin, open(out, "wb") as fout:
                subprocess.run([cli, "compress", "-q", "-c", "-f", "-", *args], stdin=fin, stdout=fout, check=True)
        else:
            subprocess.run([cli, "compress", "-q", "-f", src, "-o", out, *args], check=True)
        os.remove(src)
        manifest[name + ".z4ai"] = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "args": args + (["(streamed from stdin)"] if stream else []),
            "reference": "reference.bf16" if "--reference" in args else None,
        }
    json.dump(manifest, open(manifest_path, "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
