"""Safetensors containers (.zstn) with random access, and the Hugging Face helpers.

A ``.zstn`` holds one ``.safetensors`` file: every tensor in its own frame (coded with
its own dtype and shape), tied tensors stored once, an index and a footer.
Decompression restores the original file byte for byte; :class:`ZstnReader` lists the
tensors and decodes one tensor, or an element range of one, touching only what it
needs.

>>> import numpy as np, z4ai.safetensors as zs
>>> rng = np.random.default_rng(0)
>>> tensors = {"w": (rng.standard_normal((64, 32)) * 0.02).astype(np.float32),
...            "b": np.zeros(32, np.float16)}
>>> st = zs.serialize_numpy(tensors, metadata={"format": "np"})   # a .safetensors file
>>> zstn = zs.compress(st)
>>> zs.decompress(zstn) == st
True
>>> with zs.ZstnReader(zstn) as r:
...     r.names(), r.info("w").shape, bool((r.read_numpy("w") == tensors["w"]).all())
(['b', 'w'], (64, 32), True)

``save_file``/``load_file`` take and give torch tensors (the ``hf`` extra); NumPy works
without it (``save_numpy``/``load_numpy``). Nothing here imports torch until called.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from . import z4ai_swig as _n
from ._core import Buffer, Effort, _make_cctx, _make_dctx
from ._dtypes import dtype_name, numpy_dtype_for, numpy_dtype_name
from ._errors import NotFoundError

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "KINDS",
    "detect_kind",
    "compress",
    "decompress",
    "compress_file",
    "decompress_file",
    "ZstnReader",
    "TensorInfo",
    "serialize_numpy",
    "save_numpy",
    "load_numpy",
    "save_file",
    "load_file",
]

#: z4ai_kind codes -> names
KINDS = {0: "unknown", 1: "frame", 2: "container", 3: "model_delta", 4: "safetensors"}
#: z4ai_tensor_method codes -> names
METHODS = {0: "empty", 1: "frame", 2: "same", 3: "base_copy", 4: "base_delta", 255: "raw"}

# safetensors dtype strings <-> z4ai dtype names
_ST_DTYPES = {"F64": "fp64", "F32": "fp32", "F16": "fp16", "BF16": "bf16", "F8_E4M3": "fp8_e4m3",
              "F8_E5M2": "fp8_e5m2", "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
              "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool"}
_ST_FOR = {v: k for k, v in _ST_DTYPES.items()}


def _cparams(effort: Effort = "default", level: int = 0, threads: int = 0, chunk_size: int = 0,
             checksum: bool = True, tensor_dedup: bool = True, match_renamed: Optional[bool] = None) -> Any:
    params = {_n.Z4AI_C_TENSOR_DEDUP: int(bool(tensor_dedup))}
    if match_renamed is not None:
        params[_n.Z4AI_C_MATCH_RENAMED] = int(bool(match_renamed))
    return _make_cctx(None, level, effort, threads, chunk_size, checksum, None, params)


def detect_kind(source: Union[Buffer, PathLike]) -> str:
    """What an input is: ``"frame"``, ``"container"`` (.zstn), ``"model_delta"`` (.z4dm),
    ``"safetensors"`` or ``"unknown"`` (from its first bytes).

    >>> import z4ai, z4ai.safetensors as zs
    >>> zs.detect_kind(z4ai.compress(b"abc")), zs.detect_kind(b"hello world, not a model")
    ('frame', 'unknown')
    """
    prefix: Any
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            prefix = f.read(64)
            total = os.fstat(f.fileno()).st_size
    else:
        mv = memoryview(source).cast("B")
        prefix, total = mv[:64], mv.nbytes
    return KINDS.get(_n.detect_kind(prefix, total), "unknown")


def compress(data: Buffer, *, effort: Effort = "default", level: int = 0, threads: int = 0, chunk_size: int = 0,
             checksum: bool = True, tensor_dedup: bool = True) -> bytes:
    """``.safetensors`` bytes -> ``.zstn`` bytes (each tensor with its own dtype/shape)."""
    c = _cparams(effort, level, threads, chunk_size, checksum, tensor_dedup)
    try:
        return c.safetensors_compress_bytes(data)
    finally:
        c.close()


def decompress(blob: Buffer, *, threads: int = 0, verify_checksum: bool = True) -> bytes:
    """``.zstn`` bytes -> the original ``.safetensors`` bytes."""
    d = _make_dctx(threads, verify_checksum)
    try:
        return d.safetensors_decompress_bytes(blob)
    finally:
        d.close()


def _stats(src: PathLike, dst: PathLike) -> Dict[str, Any]:
    a, b = os.path.getsize(src), os.path.getsize(dst)
    return {"input_size": a, "output_size": b, "ratio": a / b if b else float("inf"),
            "saved_pct": 100.0 * (1 - b / a) if a else 0.0}


def compress_file(src: PathLike, dst: PathLike, **params: Any) -> Dict[str, Any]:
    """``model.safetensors`` -> ``model.zstn`` (file to file, atomic; input read with pread).
    Returns sizes, ``ratio`` and ``saved_pct``. Keyword arguments as :func:`compress`."""
    c = _cparams(**params)
    try:
        c.safetensors_compress_file(os.fspath(src), os.fspath(dst))
    finally:
        c.close()
    return _stats(src, dst)


def decompress_file(src: PathLike, dst: PathLike, *, threads: int = 0, verify_checksum: bool = True) -> int:
    """``model.zstn`` -> a byte-identical ``model.safetensors``; returns its size."""
    d = _make_dctx(threads, verify_checksum)
    try:
        return d.safetensors_decompress_file(os.fspath(src), os.fspath(dst))
    finally:
        d.close()


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of a container (or of a plain .safetensors file)."""

    index: int
    name: str
    dtype: str
    shape: Tuple[int, ...]
    nbytes: int
    method: str
    ref: Optional[int]
    stored_size: int
    data_offset: int


class ZstnReader:
    """Random access into a ``.zstn`` container, a ``.z4dm`` model delta (give ``base``)
    or a plain ``.safetensors`` file.

    Args:
        source: a path (read with pread, nothing loaded up front) or a buffer (bytes,
            mmap, ...; not copied, held until :meth:`close`).
        base: for a model delta, its base: a path, a buffer, or another open ZstnReader.
        threads: decoder threads per read (0 = all cores).
        verify_checksum: verify stored checksums.
    """

    def __init__(self, source: Union[PathLike, Buffer], *, base: Any = None, threads: int = 0,
                 verify_checksum: bool = True) -> None:
        self._r = _n.TensorReader()
        self._held: List[Any] = []
        try:
            self._r.set_param(_n.Z4AI_D_THREADS, int(threads))
            if not verify_checksum:
                self._r.set_param(_n.Z4AI_D_VERIFY_CHECKSUM, 0)
            if isinstance(source, (str, os.PathLike)):
                self._r.open_file(os.fspath(source))
            else:
                mv = memoryview(source).cast("B")  # pinned while the reader is open
                self._held.append(mv)
                self._r.open_memory(mv)
            self._names_cache: Optional[List[str]] = None
            if base is not None:
                self.attach_base(base)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, source: Union[PathLike, Buffer], **kwargs: Any) -> "ZstnReader":
        """Same as the constructor (reads well in ``with ZstnReader.open(p) as r:``)."""
        return cls(source, **kwargs)

    def attach_base(self, base: Any) -> None:
        """Gives a model delta its base (a path, a buffer or an open ZstnReader)."""
        if isinstance(base, ZstnReader):
            self._held.append(base)
            self._r.attach_base_reader(base._r)
        elif isinstance(base, (str, os.PathLike)):
            b = ZstnReader(base)
            self._held.append(b)
            self._r.attach_base_reader(b._r)
        else:
            mv = memoryview(base).cast("B")
            self._held.append(mv)
            self._r.attach_base(mv)

    @property
    def _names(self) -> List[str]:
        # listed on first use: a model delta lists only once its base is attached
        if self._names_cache is None:
            # by byte length, not C string: "a" and "a\x00b" are two tensors (as in safetensors)
            self._names_cache = [self._r.tensor_name_utf8(i).decode("utf-8", "surrogateescape")
                                 for i in range(self._r.tensor_count())]
            self._index = {n: i for i, n in enumerate(self._names_cache)}
        return self._names_cache

    @property
    def kind(self) -> str:
        """``"container"``, ``"model_delta"`` or ``"safetensors"``."""
        return KINDS.get(self._r.kind(), "unknown")

    def names(self) -> List[str]:
        """Tensor names in file order (no decoding)."""
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def _i(self, key: Union[str, int]) -> int:
        if isinstance(key, int):
            if not 0 <= key < len(self._names):
                raise IndexError(key)
            return key
        self._names  # builds the name index on first use
        try:
            return self._index[key]
        except KeyError:
            raise NotFoundError(_n.Z4AI_E_NOT_FOUND, "Z4AI_E_NOT_FOUND", f"no tensor named {key!r}") from None

    def info(self, key: Union[str, int]) -> TensorInfo:
        """Name, dtype, shape, size and storage method of one tensor."""
        i, r = self._i(key), self._r
        method = METHODS.get(r.tensor_method(i), str(r.tensor_method(i)))
        return TensorInfo(index=i, name=self._names[i], dtype=dtype_name(r.tensor_dtype(i)),
                          shape=tuple(r.tensor_dim(i, a) for a in range(r.tensor_ndim(i))),
                          nbytes=r.tensor_nbytes(i), method=method,
                          ref=r.tensor_ref(i) if method in ("same", "base_copy", "base_delta") else None,
                          stored_size=r.tensor_stored_size(i), data_offset=r.tensor_data_offset(i))

    def tensors(self) -> List[TensorInfo]:
        return [self.info(i) for i in range(len(self._names))]

    def read(self, key: Union[str, int]) -> bytes:
        """The raw bytes of one tensor (decodes only its frame)."""
        return self._r.read_tensor_bytes(self._i(key))

    def read_numpy(self, key: Union[str, int], *, out: Any = None) -> Any:
        """One tensor as a NumPy array of its dtype and shape (bf16/fp8 via ml_dtypes when
        installed, else same-width unsigned ints); ``out`` is filled and returned if given."""
        import numpy as np

        i = self._i(key)
        info = self.info(i)
        if out is None:
            out = np.empty(info.shape, dtype=numpy_dtype_for(self._r.tensor_dtype(i)))
        elif not (isinstance(out, np.ndarray) and out.flags.c_contiguous and out.flags.writeable):
            # reshape(-1) of a strided array is a copy: it would be filled and thrown away
            raise ValueError("read_numpy(out=...): out must be a writeable C-contiguous ndarray")
        elif out.nbytes != info.nbytes:
            raise ValueError(f"read_numpy(out=...): out has {out.nbytes} bytes, tensor {info.name!r} "
                             f"has {info.nbytes}")
        self._r.read_tensor(i, out.reshape(-1).view(np.uint8))
        return out

    def read_elements(self, key: Union[str, int], first: int, count: int) -> Any:
        """Elements ``[first, first + count)`` (row-major) of one tensor as a 1-D array,
        decoding only the chunks that hold them."""
        import numpy as np

        i = self._i(key)
        dt = numpy_dtype_for(self._r.tensor_dtype(i))
        out = np.empty(int(count), dtype=dt)
        n = self._r.read_elements(i, int(first), int(count), out.view(np.uint8))
        return out[: n // dt.itemsize]

    def header(self) -> Dict[str, Any]:
        """The original safetensors header (JSON) as a dict."""
        return json.loads(self._r.header_json())

    def metadata(self) -> Optional[Dict[str, str]]:
        """The ``__metadata__`` of the original file, if any."""
        return self.header().get("__metadata__")

    def describe(self) -> Dict[str, Any]:
        return json.loads(self._r.describe())

    @property
    def file_size(self) -> int:
        """Size of the .safetensors file this input restores to."""
        return self._r.file_size()

    def io_stats(self) -> Tuple[int, int]:
        """(read calls, bytes read) since the input was opened."""
        return self._r.io_calls(), self._r.io_bytes()

    def restore(self, path: Optional[PathLike] = None) -> Optional[bytes]:
        """The whole .safetensors file: written to ``path`` (atomically) or returned."""
        if path is not None:
            self._r.restore_file(os.fspath(path))
            return None
        buf = bytearray(self.file_size)
        n = self._r.restore(buf)
        return bytes(buf[:n])

    def close(self) -> None:
        """Frees the native reader and releases held buffers (idempotent)."""
        r = getattr(self, "_r", None)
        if r is not None:
            r.close()
        for h in reversed(getattr(self, "_held", [])):
            if isinstance(h, memoryview):
                h.release()
        self._held = []

    def __enter__(self) -> "ZstnReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ---- NumPy / torch helpers ----------------------------------------------------
def serialize_numpy(tensors: Mapping[str, Any], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    """A ``.safetensors`` file (bytes) from NumPy arrays, written without the safetensors
    package (header JSON padded to 8 bytes, tensors in name order)."""
    import numpy as np

    header: Dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name])
        zname = numpy_dtype_name(a.dtype)
        if zname is None or zname not in _ST_FOR:
            raise TypeError(f"tensor {name!r}: dtype {a.dtype} has no safetensors counterpart")
        if a.dtype.itemsize > 1 and a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        raw = np.ascontiguousarray(a).reshape(-1).view(np.uint8).tobytes()
        header[name] = {"dtype": _ST_FOR[zname], "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(blobs)


def save_numpy(tensors: Mapping[str, Any], path: PathLike, metadata: Optional[Mapping[str, str]] = None,
               **params: Any) -> Dict[str, Any]:
    """Writes NumPy arrays as a ``.zstn`` file; returns the sizes and ratio."""
    st = serialize_numpy(tensors, metadata)
    blob = compress(st, **params)
    with open(path, "wb") as f:
        f.write(blob)
    return {"input_size": len(st), "output_size": len(blob), "ratio": len(st) / len(blob),
            "saved_pct": 100.0 * (1 - len(blob) / len(st))}


def load_numpy(path: Union[PathLike, Buffer], **kwargs: Any) -> Dict[str, Any]:
    """``{name: ndarray}`` from a ``.zstn`` or a plain ``.safetensors`` file."""
    with ZstnReader(path, **kwargs) as r:
        return {name: r.read_numpy(name) for name in r}


def save_file(tensors: Mapping[str, Any], path: PathLike, metadata: Optional[Mapping[str, str]] = None,
              **params: Any) -> Dict[str, Any]:
    """Drop-in for ``safetensors.torch.save_file`` writing a ``.zstn`` (needs the ``hf``
    extra: torch + safetensors). Returns the sizes, ``ratio`` and ``saved_pct``."""
    from safetensors.torch import save  # the hf extra

    st = save(dict(tensors), metadata=dict(metadata) if metadata else None)
    blob = compress(st, **params)
    with open(path, "wb") as f:
        f.write(blob)
    return {"input_size": len(st), "output_size": len(blob), "ratio": len(st) / len(blob),
            "saved_pct": 100.0 * (1 - len(blob) / len(st))}


_TORCH_DTYPES = {"fp64": "float64", "fp32": "float32", "fp16": "float16", "bf16": "bfloat16",
                 "fp8_e4m3": "float8_e4m3fn", "fp8_e5m2": "float8_e5m2", "int64": "int64", "int32": "int32",
                 "int16": "int16", "int8": "int8", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
                 "uint64": "uint64", "bool": "bool"}


def load_file(path: Union[PathLike, Buffer], device: str = "cpu", **kwargs: Any) -> Dict[str, Any]:
    """Drop-in for ``safetensors.torch.load_file``: ``{name: torch.Tensor}`` from a
    ``.zstn`` (or a plain ``.safetensors``) file. Needs torch (the ``hf`` extra)."""
    import torch

    out: Dict[str, Any] = {}
    with ZstnReader(path, **kwargs) as r:
        for name in r:
            info = r.info(name)
            dt = getattr(torch, _TORCH_DTYPES[info.dtype])
            raw = bytearray(r.read(name))
            t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
            out[name] = t.reshape(info.shape).to(device)
    return out
