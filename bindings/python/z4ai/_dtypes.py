"""dtype names, codes and their NumPy counterparts."""
from __future__ import annotations

from typing import Any, Optional, Union

from . import z4ai_swig as _n
from ._errors import DtypeError

DTypeLike = Union[str, int, Any]  # a z4ai name/alias, a z4ai code, or a numpy dtype

#: canonical z4ai dtype names, by code
DTYPE_NAMES = {code: _n.dtype_name(code) for code in range(21)}

# numpy.dtype.name of types numpy itself lacks (from ml_dtypes, if installed)
_EXTENSION_NAMES = {"bfloat16": "bf16", "float8_e4m3fn": "fp8_e4m3", "float8_e5m2": "fp8_e5m2"}
_NUMPY_BY_KIND = {
    ("f", 2): "fp16", ("f", 4): "fp32", ("f", 8): "fp64",
    ("i", 1): "int8", ("i", 2): "int16", ("i", 4): "int32", ("i", 8): "int64",
    ("u", 1): "uint8", ("u", 2): "uint16", ("u", 4): "uint32", ("u", 8): "uint64",
    ("b", 1): "bool",
    ("c", 8): "complex64",
}
_NUMPY_FOR = {
    "bool": "bool", "uint8": "uint8", "int8": "int8", "uint16": "<u2", "int16": "<i2",
    "uint32": "<u4", "int32": "<i4", "uint64": "<u8", "int64": "<i8",
    "fp16": "<f2", "fp32": "<f4", "fp64": "<f8", "raw": "uint8", "complex64": "<c8",
    # bits, as safetensors.numpy returns them (numpy has no such types)
    "fp8_e8m0": "uint8", "fp8_e4m3fnuz": "uint8", "fp8_e5m2fnuz": "uint8", "fp4_e2m1_x2": "uint8",
}
# stand-ins of the same width when ml_dtypes is not installed
_FALLBACK_FOR = {"bf16": "<u2", "fp8_e4m3": "uint8", "fp8_e5m2": "uint8"}
_ML_DTYPES_FOR = {"bf16": "bfloat16", "fp8_e4m3": "float8_e4m3fn", "fp8_e5m2": "float8_e5m2"}


def dtype_code(dtype: DTypeLike) -> int:
    """z4ai dtype code of a name or alias (``"bf16"``, ``"bfloat16"``, ``"float32"``),
    a code, or a numpy dtype.

    >>> import numpy as np, z4ai
    >>> z4ai.dtype_code("bfloat16"), z4ai.dtype_code(np.float32), z4ai.dtype_code(3)
    (13, 14, 3)
    """
    if dtype is None:
        return _n.Z4AI_DTYPE_RAW
    if isinstance(dtype, bool):
        raise TypeError("dtype must be a name, a code or a numpy dtype, not bool")
    if isinstance(dtype, int):
        _n.dtype_name(dtype)  # raises DtypeError if unknown
        return dtype
    if isinstance(dtype, str):
        return _n.dtype_from_name(dtype)
    name = numpy_dtype_name(dtype)
    if name is None:
        raise DtypeError(_n.Z4AI_E_DTYPE_UNKNOWN, "Z4AI_E_DTYPE_UNKNOWN", f"no z4ai dtype for numpy dtype {dtype!r}")
    return _n.dtype_from_name(name)


def dtype_name(dtype: DTypeLike) -> str:
    """Canonical z4ai name of a dtype (``"bf16"``, ``"fp32"``, ...).

    >>> import z4ai
    >>> z4ai.dtype_name("float16"), z4ai.dtype_name(13)
    ('fp16', 'bf16')
    """
    return _n.dtype_name(dtype_code(dtype))


def dtype_width(dtype: DTypeLike) -> int:
    """Element width in bytes (raw: 1).

    >>> import z4ai
    >>> z4ai.dtype_width("bf16"), z4ai.dtype_width("fp64")
    (2, 8)
    """
    return _n.dtype_width(dtype_code(dtype))


def numpy_dtype_name(dtype: Any) -> Optional[str]:
    """z4ai name for a numpy dtype, or None if it has no z4ai counterpart."""
    import numpy as np

    try:
        dt = np.dtype(dtype)
    except TypeError:
        return None
    if dt.name in _EXTENSION_NAMES:
        return _EXTENSION_NAMES[dt.name]
    return _NUMPY_BY_KIND.get((dt.kind, dt.itemsize))


def numpy_dtype_for(code: int) -> Any:
    """The numpy dtype that decoded elements of a z4ai dtype code are returned as.

    bf16 and fp8 use ``ml_dtypes`` types when that package is installed, otherwise
    unsigned integers of the same width holding the same bits.
    """
    import numpy as np

    name = _n.dtype_name(code)
    if name in _ML_DTYPES_FOR:
        try:
            import ml_dtypes  # noqa: F401  (registers the types with numpy)

            return np.dtype(getattr(ml_dtypes, _ML_DTYPES_FOR[name]))
        except (ImportError, AttributeError):
            return np.dtype(_FALLBACK_FOR[name])
    return np.dtype(_NUMPY_FOR[name])
