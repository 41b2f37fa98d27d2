"""Zarr v3 array-to-bytes codec ``z4ai`` (a serializer, usable inside sharding).

Registered through the ``zarr.codecs`` entry point, so arrays written with it open in
a fresh interpreter without importing z4ai first. Its configuration carries the
logical dtype: bf16 data lives in a ``uint16`` Zarr array with
``{"name": "z4ai", "configuration": {"dtype": "bf16", "effort": "default",
"checksum": true}}``. When ``dtype`` is not given it is filled from the array's data
type.

>>> import numpy as np, zarr
>>> from z4ai.zarr import Z4aiCodec
>>> a = zarr.create_array(zarr.storage.MemoryStore(), shape=(64, 64), chunks=(32, 32),
...                       dtype="float32", serializer=Z4aiCodec(), compressors=None)
>>> a[:] = np.arange(64 * 64, dtype=np.float32).reshape(64, 64)
>>> float(a[10, 20]), a.metadata.codecs[0].to_dict()["configuration"]["dtype"]
(660.0, 'fp32')

It is an array-to-bytes codec (like zarr's ``BytesCodec``), not a bytes-to-bytes
compressor: pass it as ``serializer=``, with ``compressors=None`` (zarr otherwise
appends zstd after it, which only costs time), or spread :func:`Z4ai`, which gives
both: ``zarr.create_array(store, ..., **Z4ai(effort="max"))``. :func:`create_array`
is ``zarr.create_array`` that also turns the common mistake
``compressors=Z4aiCodec()`` into that advice instead of zarr's "Expected a
BytesBytesCodec".

>>> b = create_array(zarr.storage.MemoryStore(), shape=(8,), dtype="float32", **Z4ai())
>>> [type(c).__name__ for c in b.metadata.codecs]
['Z4aiCodec']
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Dict, Optional, Union

import numpy as np
from zarr.abc.codec import ArrayBytesCodec
from zarr.core.buffer import Buffer, NDBuffer
from zarr.core.common import parse_named_configuration

from ._core import compress, decompress_into
from ._dtypes import dtype_name, numpy_dtype_name
from ._errors import CorruptError
from .numcodecs import _effort_name

if TYPE_CHECKING:
    from zarr.core.array_spec import ArraySpec

__all__ = ["Z4aiCodec", "Z4ai", "create_array"]


@dataclass(frozen=True)
class Z4aiCodec(ArrayBytesCodec):
    """z4ai as a Zarr v3 array-to-bytes codec.

    Args:
        dtype: logical element type (``"bf16"``, ``"fp16"``, ``"fp32"``, ...); None = the
            array's own data type.
        effort: ``"fast"``, ``"default"`` or ``"max"``.
        checksum: store per-chunk checksums.
    """

    is_fixed_size = False

    dtype: Optional[str]
    effort: str
    checksum: bool

    def __init__(self, *, dtype: Optional[str] = None, effort: Union[str, int] = "default",
                 checksum: bool = True) -> None:
        object.__setattr__(self, "dtype", None if dtype is None else dtype_name(dtype))
        object.__setattr__(self, "effort", _effort_name(effort))
        object.__setattr__(self, "checksum", bool(checksum))

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Z4aiCodec":
        _, configuration = parse_named_configuration(data, "z4ai", require_configuration=False)
        return cls(**dict(configuration or {}))  # type: ignore[arg-type]

    def to_dict(self) -> Dict[str, Any]:
        return {"name": "z4ai",
                "configuration": {"dtype": self.dtype, "effort": self.effort, "checksum": self.checksum}}

    def evolve_from_array_spec(self, array_spec: "ArraySpec") -> "Z4aiCodec":
        if self.dtype is None:
            name = numpy_dtype_name(array_spec.dtype.to_native_dtype())
            return replace(self, dtype=name or "raw")
        return self

    def _encode_sync(self, chunk_array: NDBuffer, chunk_spec: "ArraySpec") -> Optional[Buffer]:
        arr = np.asarray(chunk_array.as_numpy_array())
        if arr.dtype.itemsize > 1 and arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        arr = np.ascontiguousarray(arr)  # F-order chunks are serialized in C order
        frame = compress(arr.reshape(-1).view(np.uint8), dtype=self.dtype, effort=self.effort,
                         checksum=self.checksum, threads=1, shape=arr.shape if arr.ndim <= 8 else None)
        return chunk_spec.prototype.buffer.from_bytes(frame)

    def _decode_sync(self, chunk_bytes: Buffer, chunk_spec: "ArraySpec") -> NDBuffer:
        native = np.dtype(chunk_spec.dtype.to_native_dtype())
        little = native.newbyteorder("<") if native.itemsize > 1 else native
        out = np.empty(chunk_spec.shape, dtype=little)
        raw = out.reshape(-1).view(np.uint8)
        written = decompress_into(chunk_bytes.as_numpy_array(), raw, threads=1)
        if written != raw.nbytes:
            raise CorruptError(-4, "Z4AI_E_CORRUPT",
                               f"chunk decodes to {written} bytes, the chunk shape needs {raw.nbytes}")
        if little != native:
            out = out.astype(native)
        return chunk_spec.prototype.nd_buffer.from_numpy_array(out)

    async def _encode_single(self, chunk_array: NDBuffer, chunk_spec: "ArraySpec") -> Optional[Buffer]:
        return await asyncio.to_thread(self._encode_sync, chunk_array, chunk_spec)

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: "ArraySpec") -> NDBuffer:
        return await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)

    def compute_encoded_size(self, input_byte_length: int, _chunk_spec: "ArraySpec") -> int:
        raise NotImplementedError("z4ai frames are variable-size")


def Z4ai(*, dtype: Optional[str] = None, effort: Union[str, int] = "default",
         checksum: bool = True) -> Dict[str, Any]:
    """``{"serializer": Z4aiCodec(...), "compressors": None}``, for
    ``zarr.create_array(..., **Z4ai(...))`` (as ``**hdf5plugin.X()`` is for h5py)."""
    return {"serializer": Z4aiCodec(dtype=dtype, effort=effort, checksum=checksum), "compressors": None}


_ADVICE = ("Z4aiCodec is an array-to-bytes codec (it replaces zarr's BytesCodec), not a bytes-to-bytes "
           "compressor: pass serializer=Z4aiCodec(...) with compressors=None, or **z4ai.zarr.Z4ai(...)")


def create_array(*args: Any, **kwargs: Any) -> Any:
    """``zarr.create_array`` with z4ai's advice for misplaced codecs: a Z4aiCodec among
    ``compressors=`` or ``filters=`` raises a TypeError saying where it goes, and a
    Z4aiCodec serializer with zarr's default compressors gets ``compressors=None``."""
    import zarr

    for key in ("compressors", "compressor", "filters"):
        value = kwargs.get(key)
        values = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, Z4aiCodec) for v in values):
            raise TypeError(f"{key}=Z4aiCodec(): {_ADVICE}")
    if isinstance(kwargs.get("serializer"), Z4aiCodec) and "compressors" not in kwargs:
        kwargs["compressors"] = None  # zarr would append zstd after z4ai
    return zarr.create_array(*args, **kwargs)


# Importing this module registers the codec too (the entry point covers fresh interpreters).
from zarr.registry import register_codec as _register_codec  # noqa: E402

_register_codec("z4ai", Z4aiCodec)
