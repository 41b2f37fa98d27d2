"""numcodecs codec ``z4ai`` (Zarr v2 compressors/filters, NCZarr, anything numcodecs).

Registered through the ``numcodecs.codecs`` entry point, so
``numcodecs.get_codec({"id": "z4ai", ...})`` finds it in a fresh interpreter. Its
configuration uses the same JSON keys as the NCZarr codec of the HDF5 filter plugin:
``{"id": "z4ai", "dtype": "bf16" | null, "effort": "fast" | "default" | "max",
"checksum": true}`` (plus ``"level": N``, the LZ level 1..22, when not the tier's).
``dtype`` null means "infer from the array" (bf16 stored as ``uint16`` needs
``dtype="bf16"`` to get the bf16 plane split). ``decode`` returns an array of the
encoded dtype (as numcodecs' array codecs do); dtypes z4ai has no element type for
(complex128, strings, objects, structured) are refused unless ``dtype="raw"``
asks for their bytes to be stored as they are.

In Zarr v2 pass it as ``compressor=Z4ai(...)``; in Zarr v3 use
:class:`z4ai.zarr.Z4aiCodec` as the array-to-bytes codec: ``serializer=Z4aiCodec()``
with ``compressors=None`` (otherwise zarr appends zstd after it).

>>> import numpy as np
>>> from z4ai.numcodecs import Z4ai
>>> codec = Z4ai(dtype="bf16")
>>> bits = (np.arange(4096, dtype=np.uint16) % 7 + 0x3F80).astype(np.uint16)
>>> enc = codec.encode(bits)
>>> bool((np.frombuffer(codec.decode(enc), np.uint16) == bits).all())
True
>>> codec.get_config()
{'id': 'z4ai', 'dtype': 'bf16', 'effort': 'default', 'checksum': True}
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Union

import numpy as np
from numcodecs.abc import Codec
from numcodecs.compat import ensure_contiguous_ndarray

from ._core import EFFORTS, compress, decompress, decompress_into, frame_info
from ._dtypes import dtype_code, dtype_name, dtype_width, numpy_dtype_for
from ._errors import DstTooSmallError

__all__ = ["Z4ai"]

_EFFORT_NAMES = {v: k for k, v in EFFORTS.items()}


def _effort_name(effort: Union[str, int, None]) -> str:
    if effort is None:
        return "default"
    if isinstance(effort, str):
        name = effort.lower()
        if name not in EFFORTS:
            raise ValueError(f"effort {effort!r}: expected one of {sorted(EFFORTS)}")
        return name
    if int(effort) not in _EFFORT_NAMES:
        raise ValueError(f"effort {effort!r}: expected 0 (fast), 1 (default) or 2 (max)")
    return _EFFORT_NAMES[int(effort)]


class Z4ai(Codec):
    """z4ai as a numcodecs codec.

    Args:
        dtype: element type for the byte-plane split (z4ai name or alias, e.g. ``"bf16"``,
            ``"fp16"``, ``"float32"``); None infers it from the array handed to encode.
        effort: ``"fast"``, ``"default"`` or ``"max"`` (or 0/1/2).
        checksum: store per-chunk checksums (verified when decoding).
        threads: threads per call (0 = all cores); a runtime setting, not part of the
            configuration.
    """

    codec_id = "z4ai"

    def __init__(self, dtype: Optional[str] = None, effort: Union[str, int, None] = "default",
                 checksum: bool = True, threads: int = 1, level: int = 0) -> None:
        self.dtype = None if dtype is None else dtype_name(dtype)
        self.effort = _effort_name(effort)
        self.checksum = bool(checksum)
        self.threads = int(threads)
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 22:
            raise ValueError(f"level {level!r}: expected an int 0..22 (0 = the tier's own)")
        self.level = level

    def get_config(self) -> Dict[str, Any]:
        config = {"id": self.codec_id, "dtype": self.dtype, "effort": self.effort, "checksum": self.checksum}
        if self.level:
            config["level"] = self.level
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Z4ai":
        config = dict(config)
        config.pop("id", None)
        return cls(**config)

    def __repr__(self) -> str:
        level = f", level={self.level}" if self.level else ""
        return f"Z4ai(dtype={self.dtype!r}, effort={self.effort!r}, checksum={self.checksum!r}{level})"

    def encode(self, buf: Any) -> bytes:
        arr = ensure_contiguous_ndarray(buf)
        dtype = self.dtype
        if dtype is None:
            # infer from the array (numcodecs flattens it)
            from ._dtypes import numpy_dtype_name

            dtype = numpy_dtype_name(arr.dtype)
            if dtype is None:
                raise TypeError(
                    f"z4ai codec: no z4ai element type for numpy dtype {arr.dtype} (z4ai codes bool, "
                    "(u)int8..64, fp16/bf16/fp32/fp64, fp8, complex64); pass dtype='raw' to store its bytes as "
                    "they are")
        elif dtype != "raw" and dtype_width(dtype) > 1 and arr.dtype.itemsize not in (1, dtype_width(dtype)):
            raise ValueError(f"z4ai codec: dtype {dtype!r} is {dtype_width(dtype)}-byte but the array's {arr.dtype}"
                             f" is {arr.dtype.itemsize}-byte")
        return compress(arr.reshape(-1).view(np.uint8), dtype=dtype, effort=self.effort, checksum=self.checksum,
                        threads=self.threads, level=self.level)

    def decode(self, buf: Any, out: Any = None) -> Any:
        frame = ensure_contiguous_ndarray(buf)
        if out is not None:
            target = ensure_contiguous_ndarray(out)
            raw = target.reshape(-1).view(np.uint8)
            written = decompress_into(frame, raw, threads=self.threads)
            if written != raw.nbytes:
                raise DstTooSmallError(-3, "Z4AI_E_DST_TOO_SMALL",
                                       f"out holds {raw.nbytes} bytes, the frame {written}")
            return out
        data = decompress(frame, threads=self.threads)
        # An array of the encoded dtype. With a dtype= override (bf16 over uint16 bits) the
        # caller's array type is unknown: extension types come back as same-width uints.
        code = frame_info(frame).dtype
        if self.dtype is not None and code in ("bf16", "fp8_e4m3", "fp8_e5m2"):
            dt = np.dtype({"bf16": "<u2"}.get(code, "uint8"))
        else:
            dt = numpy_dtype_for(dtype_code(code))
        return np.frombuffer(data, dtype=dt) if len(data) % dt.itemsize == 0 else np.frombuffer(data, np.uint8)


# Importing this module registers the codec too (the entry point covers fresh interpreters).
from numcodecs.registry import register_codec as _register_codec  # noqa: E402

_register_codec(Z4ai)
