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

from ._dtypes import dtype_code

__all__ = ["FILTER_ID", "PLUGIN_PATH", "Z4ai", "register"]

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
        code = 0 if dtype is None else dtype_code(dtype)
        self.filter_options: Tuple[int, ...] = (0, 0, 0, code, 0, _EFFORT_SLOT[effort], 0 if checksum else 1)

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


AVAILABLE: bool = register()
