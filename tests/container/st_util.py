"""Tiny .safetensors writer/reader for tests (no dependency on the safetensors package)."""
import json
import struct

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "I8": np.int8, "U8": np.uint8, "I32": np.int32,
          "I64": np.int64, "F64": np.float64, "BOOL": np.bool_, "BF16": np.uint16}


def write(path, tensors, metadata=None, align=8):
    """tensors: list of (name, dtype, ndarray) in file order."""
    header, blobs, pos = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, arr in tensors:
        b = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % align)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base = 8 + n
    return {k: data[base + v["data_offsets"][0]: base + v["data_offsets"][1]] for k, v in header.items()}


def weights(rng, shape, dtype):
    x = (rng.standard_normal(shape) * 0.02).astype(np.float32)
    if dtype == "BF16":
        u = x.view(np.uint32)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return x.astype(DTYPES[dtype])
