"""HDF5 through h5py: the z4ai filter plugin shipped inside the wheel.

Importing this module puts the bundled ``libh5z4ai.so`` on HDF5's plugin search path
(as hdf5plugin does), so h5py can write and read z4ai-compressed datasets. The plugin
makes no HDF5 calls of its own beyond those resolved from the process's libhdf5, so it
works with h5py's bundled HDF5. Outside Python, point ``HDF5_PLUGIN_PATH`` at
:data:`PLUGIN_PATH` (``h5repack -f UD=392,0,1,0 ...``).

>>> import numpy as np, h5py, io, z4ai.hdf5
>>> bio = io.BytesIO()
>>> w = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)
>>> with h5py.File(bio, "w") as f:
...     _ = f.create_dataset("w", data=w, chunks=(32, 32), **z4ai.hdf5.Z4ai(effort="max"))
>>> with h5py.File(bio, "r") as f:
...     bool((f["w"][:] == w).all()), f["w"].id.get_create_plist().get_filter(0)[0] == z4ai.hdf5.FILTER_ID
(True, True)
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Tuple, Union

import h5py

from ._dtypes import dtype_code, dtype_name, dtype_width

__all__ = ["FILTER_ID", "PLUGIN_PATH", "Z4ai", "create_dataset", "register"]

#: HDF5 filter ID of the plugin: from HDF5's testing range (256-511) until The HDF
#: Group assigns a registered one; do not publish files written with it.
FILTER_ID = 392
#: Folder holding libh5z4ai.so (for HDF5_PLUGIN_PATH).
PLUGIN_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hdf5_plugin")

_EFFORT_SLOT = {"default": 2, "fast": 1, "max": 3}


def register() -> bool:
    """Adds :data:`PLUGIN_PATH` to HDF5's plugin search path (idempotent); True when the
    filter is available afterwards."""
    if not os.path.isfile(os.path.join(PLUGIN_PATH, "libh5z4ai.so")):
        return bool(h5py.h5z.filter_avail(FILTER_ID))
    path = PLUGIN_PATH.encode()
    current = [h5py.h5pl.get(i) for i in range(h5py.h5pl.size())]
    if path not in current:
        h5py.h5pl.prepend(path)
    return bool(h5py.h5z.filter_avail(FILTER_ID))


class Z4ai(h5py.filters.FilterRefBase if hasattr(h5py, "filters") else object):  # type: ignore[misc]
    """Keyword arguments for ``create_dataset(..., **Z4ai(...))``.

    Args:
        dtype: override of the element type, e.g. ``"bf16"`` for bfloat16 stored as 16-bit
            integers; None = detected from the HDF5 type.
        effort: ``"fast"``, ``"default"`` or ``"max"``.
        checksum: per-chunk checksums.
    """

    filter_id: int = FILTER_ID

    def __init__(self, dtype: Optional[str] = None, effort: str = "default", checksum: bool = True) -> None:
        if effort not in _EFFORT_SLOT:
            raise ValueError(f"effort {effort!r}: expected one of {', '.join(sorted(_EFFORT_SLOT))}")
        try:
            code = 0 if dtype is None else dtype_code(dtype)
        except Exception as e:  # noqa: BLE001 - DtypeError, TypeError: one clear message
            raise ValueError(f"dtype {dtype!r} is not a z4ai dtype name (e.g. 'bf16', 'fp16', 'fp32'): {e}") from None
        self.dtype = None if dtype is None else dtype_name(code)
        self.filter_options: Tuple[int, ...] = (0, 0, 0, code, 0, _EFFORT_SLOT[effort], 0 if checksum else 1)

    def check_dataset(self, dtype: Any) -> None:
        """Raises ValueError when ``dtype`` (a dataset's numpy dtype) does not fit the
        ``dtype=`` override (its width must match: bf16 needs 16-bit elements), instead
        of HDF5's bare "error during user callback" at write time."""
        import numpy as np

        if self.dtype is None:
            return
        width = dtype_width(self.dtype)
        dt = np.dtype(dtype)
        if dt.itemsize != width:
            raise ValueError(
                f"z4ai dtype {self.dtype!r} is {width}-byte but the dataset's dtype {dt} is {dt.itemsize}-byte: "
                f"give a matching dtype= (e.g. 'bf16' for bfloat16 stored as uint16) or leave dtype=None to "
                "detect it from the dataset")

    # h5py < 3 compatibility: behave as the mapping FilterRefBase is
    def keys(self) -> Any:
        return ("compression", "compression_opts")

    def __getitem__(self, item: str) -> Union[int, Tuple[int, ...]]:
        if item == "compression":
            return self.filter_id
        if item == "compression_opts":
            return self.filter_options
        raise KeyError(item)

    def __repr__(self) -> str:
        return f"z4ai.hdf5.Z4ai(filter_options={self.filter_options})"


def create_dataset(group: Any, name: str, *args: Any, z4ai: Optional["Z4ai"] = None, **kwargs: Any) -> Any:
    """``group.create_dataset(name, ..., **z4ai)`` after checking that the dataset's dtype
    fits the filter's ``dtype=`` override (a clear ValueError instead of HDF5's "error
    during user callback")."""
    import numpy as np

    z = z4ai or Z4ai()
    dt = kwargs.get("dtype")
    if dt is None and "data" in kwargs:
        dt = np.asarray(kwargs["data"]).dtype
    if dt is not None:
        z.check_dataset(dt)
    return group.create_dataset(name, *args, **dict(z), **kwargs)


AVAILABLE: bool = register()
