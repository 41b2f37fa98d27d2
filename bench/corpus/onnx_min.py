"""Minimal ONNX reader: pulls float tensors out of a ModelProto without the `onnx` package.

Only the protobuf wire format is decoded (varint / 64-bit / length-delimited / 32-bit).
Walked messages and fields (onnx.proto3):
  ModelProto.graph = 7                         -> GraphProto
  GraphProto.node = 1, .initializer = 5        -> NodeProto, TensorProto
  NodeProto.output = 2, .attribute = 5         -> AttributeProto
  AttributeProto.t = 5, .g = 6, .tensors = 10, .graphs = 11
  TensorProto.dims = 1, .data_type = 2, .float_data = 4, .name = 8, .raw_data = 9,
              .data_location = 14 (1 = EXTERNAL: not supported, reported)
Subgraphs (If/Loop bodies, e.g. Silero VAD's 16 kHz / 8 kHz branches) are walked recursively.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

# TensorProto.DataType -> numpy dtype (only the ones we may meet)
ONNX_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32,
               7: np.int64, 10: np.float16, 11: np.float64, 9: np.bool_}


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ValueError("bad varint")


def fields(buf: memoryview):
    """Yield (field_number, wire_type, value) for one message; value is int or memoryview."""
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        fno, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = _varint(buf, pos)
        elif wt == 1:
            val = buf[pos:pos + 8]
            pos += 8
        elif wt == 2:
            ln, pos = _varint(buf, pos)
            val = buf[pos:pos + ln]
            pos += ln
        elif wt == 5:
            val = buf[pos:pos + 4]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wt} at {pos}")
        if pos > end:
            raise ValueError("truncated message")
        yield fno, wt, val


@dataclass
class Tensor:
    name: str
    dtype: int
    dims: list
    array: np.ndarray | None
    where: str  # "initializer" | "constant" | "attribute"


def parse_tensor(buf: memoryview, where: str) -> Tensor:
    dims: list[int] = []
    dtype = 0
    name = ""
    raw = None
    float_data: list[float] = []
    external = False
    for fno, wt, val in fields(buf):
        if fno == 1:
            if wt == 2:  # packed
                p = 0
                while p < len(val):
                    d, p = _varint(val, p)
                    dims.append(d)
            else:
                dims.append(val)
        elif fno == 2:
            dtype = val
        elif fno == 4:
            if wt == 2:
                float_data.extend(struct.unpack(f"<{len(val) // 4}f", val))
            else:
                float_data.append(struct.unpack("<f", val)[0])
        elif fno == 8:
            name = bytes(val).decode("utf-8")
        elif fno == 9:
            raw = bytes(val)
        elif fno == 14 and val == 1:
            external = True
    arr = None
    if not external and dtype in ONNX_DTYPES:
        npdt = np.dtype(ONNX_DTYPES[dtype]).newbyteorder("<")
        n = int(np.prod(dims)) if dims else 1
        if raw is not None:
            arr = np.frombuffer(raw, dtype=npdt).copy()
        elif dtype == 1 and float_data:
            arr = np.asarray(float_data, dtype="<f4")
        if arr is not None and arr.size == n:
            arr = arr.reshape(dims)
        else:
            arr = None
    return Tensor(name, dtype, dims, arr, where)


def _walk_graph(buf: memoryview, prefix: str, out: list[Tensor]) -> None:
    for fno, wt, val in fields(buf):
        if fno == 5 and wt == 2:  # initializer
            t = parse_tensor(val, "initializer")
            t.name = prefix + t.name
            out.append(t)
        elif fno == 1 and wt == 2:  # node
            _walk_node(val, prefix, out)


def _walk_node(buf: memoryview, prefix: str, out: list[Tensor]) -> None:
    outputs = []
    name = ""
    op = ""
    attrs = []
    for fno, wt, val in fields(buf):
        if fno == 2:
            outputs.append(bytes(val).decode())
        elif fno == 3:
            name = bytes(val).decode()
        elif fno == 4:
            op = bytes(val).decode()
        elif fno == 5:
            attrs.append(val)
    node_label = name or (outputs[0] if outputs else "node")
    for a in attrs:
        aname = ""
        items = []
        for fno, wt, val in fields(a):
            if fno == 1:
                aname = bytes(val).decode()
            elif fno in (5, 10):
                items.append(("t", val))
            elif fno in (6, 11):
                items.append(("g", val))
        for i, (kind, val) in enumerate(items):
            if kind == "t":
                t = parse_tensor(val, "constant" if op == "Constant" else "attribute")
                if op == "Constant" and outputs:
                    t.name = prefix + outputs[0]
                else:
                    t.name = prefix + (t.name or f"{node_label}.{aname}{i if len(items) > 1 else ''}")
                out.append(t)
            else:
                _walk_graph(val, f"{prefix}{node_label}.{aname}/", out)


def load_tensors(path: str) -> list[Tensor]:
    data = memoryview(open(path, "rb").read())
    out: list[Tensor] = []
    for fno, wt, val in fields(data):
        if fno == 7 and wt == 2:
            _walk_graph(val, "", out)
    return out


if __name__ == "__main__":
    import sys

    for p in sys.argv[1:]:
        ts = load_tensors(p)
        f32 = [t for t in ts if t.dtype == 1 and t.array is not None]
        print(p, "tensors:", len(ts), "fp32:", len(f32), "fp32 elems:", sum(t.array.size for t in f32))
        for t in ts[:8]:
            print("  ", t.where, t.name, t.dtype, t.dims)
