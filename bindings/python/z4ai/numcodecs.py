"""numcodecs codec ``z4ai`` (Zarr v2 compressors/filters, NCZarr, anything numcodecs).

Registered through the ``numcodecs.codecs`` entry point, so
``numcodecs.get_codec({"id": "z4ai", ...})`` finds it in a fresh interpreter. Its
configuration uses the same JSON keys as the NCZarr codec of the HDF5 filter plugin:
``{"id": "z4ai", "dtype": "bf16" | null, "effort": "fast" | "default" | "max",
"checksum": true}``. ``dtype`` null means "infer from the array" (bf16 stored as
``uint16`` needs ``dtype="bf16"`` to get the bf16 plane split).

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

from ._core import EFFORTS, compress, decompress, decompress_into
from ._dtypes import dtype_name
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
                 checksum: bool = True, threads: int = 1) -> None:
        self.dtype = None if dtype is None else dtype_name(dtype)
        self.effort = _effort_name(effort)
        self.checksum = bool(checksum)
        self.threads = int(threads)

    def get_config(self) -> Dict[str, Any]:
        return {"id": self.codec_id, "dtype": self.dtype, "effort": self.effort, "checksum": self.checksum}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Z4ai":
        config = dict(config)
        config.pop("id", None)
        return cls(**config)

    def __repr__(self) -> str:
        return f"Z4ai(dtype={self.dtype!r}, effort={self.effort!r}, checksum={self.checksum!r})"

    def encode(self, buf: Any) -> bytes:
        arr = ensure_contiguous_ndarray(buf)
        dtype = self.dtype
        if dtype is None:
            # infer from the array (numcodecs flattens it; a uint8 view means "raw")
            from ._dtypes import numpy_dtype_name

            dtype = numpy_dtype_name(arr.dtype)
        return compress(arr.reshape(-1).view(np.uint8), dtype=dtype, effort=self.effort, checksum=self.checksum,
                        threads=self.threads)

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
        return decompress(frame, threads=self.threads)


# Importing this module registers the codec too (the entry point covers fresh interpreters).
from numcodecs.registry import register_codec as _register_codec  # noqa: E402

_register_codec(Z4ai)
