"""Shared helpers for the z4ai benchmark corpus: paths, hashing, safetensors I/O, dtype casts.

Only numpy is needed here (no torch, no safetensors package): the safetensors writer below
produces the standard layout (u64 little-endian header length, JSON header padded with spaces
to a multiple of 8, then the tensors back to back with no holes).
bf16 tensors are carried as numpy uint16 bit patterns.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def cache_root() -> Path:
    return Path(os.environ.get("Z4AI_CACHE") or (REPO / ".cache")).resolve()


def corpus_root() -> Path:
    return cache_root() / "corpus"


def log(*a) -> None:
    print("[corpus]", *a, file=sys.stderr, flush=True)


def sha256_file(path, bufsize: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(bufsize)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


# ---------------------------------------------------------------- dtype helpers
# Container dtypes used across the corpus: "fp32", "fp16", "bf16".
ST_DTYPE = {"fp32": "F32", "fp16": "F16", "bf16": "BF16"}
RAW_EXT = {"fp32": "f32", "fp16": "f16", "bf16": "bf16"}
NP_OF = {"fp32": np.dtype("<f4"), "fp16": np.dtype("<f2"), "bf16": np.dtype("<u2")}


def f32_to_bf16_bits(a: np.ndarray) -> np.ndarray:
    """fp32 -> bf16 bit patterns, round-to-nearest-even; NaN kept NaN and made quiet.

    Same rule as PyTorch's `tensor.to(torch.bfloat16)` (c10::round_to_nearest_even).
    """
    u = np.ascontiguousarray(a, dtype="<f4").view("<u4")
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    rounded = ((u + (0x7FFF + ((u >> 16) & 1))) >> 16).astype("<u2")
    if nan.any():
        quiet = ((u >> 16) | 0x0040).astype("<u2")
        rounded = np.where(nan, quiet, rounded)
    return rounded


def bf16_bits_to_f32(b: np.ndarray) -> np.ndarray:
    return (np.ascontiguousarray(b, dtype="<u2").astype("<u4") << 16).view("<f4")


def f32_to(a: np.ndarray, dtype: str) -> np.ndarray:
    """Cast an fp32 array to a container dtype (bf16 -> uint16 bit patterns)."""
    if dtype == "fp32":
        return np.ascontiguousarray(a, dtype="<f4")
    if dtype == "fp16":
        with np.errstate(over="ignore"):
            return np.ascontiguousarray(a, dtype="<f4").astype("<f2")
    if dtype == "bf16":
        return f32_to_bf16_bits(a)
    raise ValueError(dtype)


def to_f32(a: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bf16":
        return bf16_bits_to_f32(a)
    return np.asarray(a).astype("<f4")


# ---------------------------------------------------------------- safetensors
def write_safetensors(path, tensors, dtype: str | dict, metadata: dict | None = None,
                      raw_path=None) -> None:
    """Write `tensors` (list of (name, ndarray) in file order) as safetensors.

    `dtype` is one container dtype for all tensors or a {name: dtype} map. Arrays must already
    hold that dtype's representation (bf16 as uint16). If `raw_path` is given, the bare data
    section (all tensor bytes concatenated, same order) is written there too.
    """
    path = Path(path)
    header = {}
    off = 0
    for name, arr in tensors:
        dt = dtype if isinstance(dtype, str) else dtype[name]
        want = NP_OF[dt]
        if arr.dtype != want:
            raise TypeError(f"{name}: array dtype {arr.dtype} does not hold {dt}")
        n = arr.size * arr.itemsize
        header[name] = {"dtype": ST_DTYPE[dt], "shape": list(arr.shape), "data_offsets": [off, off + n]}
        off += n
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    tmp = path.with_suffix(path.suffix + ".tmp")
    rtmp = Path(str(raw_path) + ".tmp") if raw_path else None
    with open(tmp, "wb") as f, (open(rtmp, "wb") if rtmp else _Null()) as r:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for _, arr in tensors:
            b = np.ascontiguousarray(arr).tobytes()
            f.write(b)
            r.write(b)
    os.replace(tmp, path)
    if rtmp:
        os.replace(rtmp, raw_path)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def write(self, b):
        pass


_ST_NP = {"F32": "<f4", "F16": "<f2", "BF16": "<u2", "F64": "<f8", "I64": "<i8", "I32": "<i4",
          "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}
_ST_NAME = {"F32": "fp32", "F16": "fp16", "BF16": "bf16"}


def read_safetensors(path):
    """Return (list of (name, ndarray, container dtype or raw st dtype), metadata)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {}) or {}
    items = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    out = []
    for name, info in items:
        s, e = info["data_offsets"]
        arr = np.frombuffer(data[s:e], dtype=_ST_NP[info["dtype"]]).reshape(info["shape"])
        out.append((name, arr, _ST_NAME.get(info["dtype"], info["dtype"])))
    return out, meta


def done_marker(path: Path, key: str) -> bool:
    """True if `path` exists and its marker records `key` (a hash of the inputs/recipe)."""
    m = Path(str(path) + ".done")
    return path.exists() and m.exists() and m.read_text().strip() == key


def set_done(path: Path, key: str) -> None:
    Path(str(path) + ".done").write_text(key + "\n")


def recipe_key(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]
