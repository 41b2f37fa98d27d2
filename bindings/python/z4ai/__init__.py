"""z4ai: lossless compression for neural-network weights.

A tensor is cut into independently decodable chunks, split into byte planes and coded
by the cheapest backend per plane; sparse chunks, repeated chunks and checkpoint
deltas take dedicated paths. Every byte comes back.

>>> import numpy as np, z4ai
>>> w = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float16)
>>> frame = z4ai.compress(w)                       # dtype and shape recorded
>>> back = z4ai.decompress_array(frame)
>>> bool((back == w).all()), back.dtype, back.shape
(True, dtype('float16'), (256, 256))
>>> z4ai.frame_info(frame).dtype
'fp16'

The package is a thin layer over the stable C ABI (``z4ai.h``) through SWIG; buffers
are passed without copies and the GIL is released while (de)compressing. Importing
it imports numpy lazily and never torch, safetensors or transformers.
"""
from __future__ import annotations

from . import z4ai_swig as _native
from ._errors import (
    BusyError,
    ChecksumError,
    CorruptError,
    DstTooSmallError,
    DtypeError,
    Error,
    InternalError,
    InvalidArgumentError,
    IoError,
    MemoryLimitError,
    NotFoundError,
    OutOfMemoryError,
    ParameterError,
    ReferenceError_,
    ReferenceMismatchError,
    ReferenceMissingError,
    SafetensorsInvalidError,
    SourceTooLargeError,
    StageError,
    TruncatedError,
    UnknownFormatError,
    VersionUnsupportedError,
    WrongKindError,
    _make_error,
    error_class,
)

_native.set_error_factory(_make_error)

from ._core import (  # noqa: E402
    EFFORTS,
    FrameInfo,
    compress,
    compress_array,
    compress_bound,
    compress_delta,
    decompress,
    decompress_array,
    decompress_delta,
    decompress_into,
    decompress_range,
    describe,
    frame_info,
    is_frame,
)
from ._dtypes import DTYPE_NAMES, dtype_code, dtype_name, dtype_width  # noqa: E402
from ._stream import Compressor, Decompressor, Z4aiFile, open  # noqa: E402

#: Version of the bundled library: ``z4ai_version_string()`` of the C ABI.
__version__: str = _native.version_string()
#: Highest frame format version this library reads and writes.
FORMAT_VERSION: int = _native.Z4AI_FORMAT_VERSION


_LAZY = {"save_file": "safetensors", "load_file": "safetensors", "ZstnReader": "safetensors", "enable_hf": "hf"}
_SUBMODULES = ("safetensors", "model_delta", "numcodecs", "zarr", "hdf5", "hf", "dcp", "dask")


def __getattr__(name: str):  # PEP 562: optional parts load on first use, never at import
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def status_name(status: int) -> str:
    """Pinned name of a C ABI status code.

    >>> import z4ai
    >>> z4ai.status_name(-4)
    'Z4AI_E_CORRUPT'
    """
    return _native.status_name(int(status))


__all__ = [
    "__version__",
    "FORMAT_VERSION",
    "compress",
    "decompress",
    "decompress_into",
    "decompress_range",
    "compress_array",
    "decompress_array",
    "compress_delta",
    "decompress_delta",
    "compress_bound",
    "frame_info",
    "describe",
    "is_frame",
    "FrameInfo",
    "Compressor",
    "Decompressor",
    "Z4aiFile",
    "open",
    "dtype_code",
    "dtype_name",
    "dtype_width",
    "DTYPE_NAMES",
    "EFFORTS",
    "status_name",
    "error_class",
    "Error",
    "OutOfMemoryError",
    "DstTooSmallError",
    "CorruptError",
    "ChecksumError",
    "TruncatedError",
    "UnknownFormatError",
    "VersionUnsupportedError",
    "ParameterError",
    "StageError",
    "InvalidArgumentError",
    "DtypeError",
    "ReferenceError_",
    "ReferenceMismatchError",
    "ReferenceMissingError",
    "MemoryLimitError",
    "IoError",
    "NotFoundError",
    "InternalError",
    "BusyError",
    "SourceTooLargeError",
    "SafetensorsInvalidError",
    "WrongKindError",
]
