"""Dask arrays and state dicts as Zarr v3 groups through the z4ai codec, safe on any cluster.

Zarr v3 stores a sharded array as one object per shard; two tasks writing parts of one shard
race (read-modify-write) and silently lose each other's elements (zarr-python #3514, dask
#12583). Here every write task covers whole shards: dask chunks are rechunked to shard
boundaries (``rechunk=True``, the default) or the write is refused with a ValueError naming
the dimension and the boundary (``rechunk=False``).

Workers open the arrays by URL, so they find the ``z4ai`` codec the way a fresh interpreter
does: through the installed package's ``zarr.codecs`` entry point.

>>> import numpy as np, dask.array as da, tempfile, z4ai.dask as zd
>>> x = da.from_array(np.arange(1000, dtype=np.float32).reshape(100, 10), chunks=(30, 10))
>>> d = tempfile.mkdtemp()
>>> _ = zd.to_zarr(x, d + "/g", "w", shards=(50, 10), chunks=(10, 10))   # rechunked to 50-row shards
>>> y = zd.from_zarr(d + "/g", "w")
>>> y.chunks[0], bool((y.compute() == x.compute()).all())
((50, 50), True)
"""
from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = ["to_zarr", "from_zarr", "save_state_dict", "load_state_dict", "aligned_chunks", "check_aligned"]

_ATTR = "z4ai"


def _normalize(shape: Sequence[int], unit: Optional[Sequence[int]], default: Sequence[int]) -> Tuple[int, ...]:
    if unit is None:
        unit = default
    unit = tuple(int(u) for u in unit)
    if len(unit) != len(shape):
        raise ValueError(f"shape {tuple(shape)} has {len(shape)} dims, the chunk/shard shape {unit} {len(unit)}")
    return tuple(max(1, min(u, s)) if s else max(1, u) for u, s in zip(unit, shape))


def _default_shards(shape: Sequence[int], itemsize: int, target: int = 64 << 20) -> Tuple[int, ...]:
    """About 64 MiB shards, split along the leading dims (one object per shard, large enough for
    object stores, small enough that a worker holds a few)."""
    out = [max(1, int(s)) for s in shape]
    for d in range(len(out)):
        rest = itemsize * math.prod(out[d + 1:])
        out[d] = max(1, min(out[d], target // max(1, rest)))
        if itemsize * math.prod(out) <= target:
            break
    return tuple(out)


def _default_chunks(shards: Sequence[int], itemsize: int, target: int = 1 << 20) -> Tuple[int, ...]:
    """About 1 MiB inner chunks (the unit of a lazy read), dividing the shard."""
    out = [int(s) for s in shards]
    for d in range(len(out)):
        while itemsize * math.prod(out) > target and out[d] > 1 and out[d] % 2 == 0:
            out[d] //= 2
    return tuple(out)


def check_aligned(chunks: Sequence[Sequence[int]], unit: Sequence[int], shape: Sequence[int]) -> None:
    """Raises ValueError unless every block boundary of dask ``chunks`` is a multiple of ``unit``
    (the shard shape) or the array's end."""
    for d, (cs, u, n) in enumerate(zip(chunks, unit, shape)):
        pos = 0
        for c in cs[:-1]:
            pos += int(c)
            if pos % u:
                raise ValueError(
                    f"dask chunk boundary at index {pos} of dim {d} falls inside a Zarr shard of {u} (shards "
                    f"{tuple(unit)}); two tasks would rewrite the same shard and lose elements. Rechunk to "
                    f"multiples of the shard shape (rechunk=True does) or choose shards that divide the chunks")


def aligned_chunks(chunks: Sequence[Sequence[int]], unit: Sequence[int], shape: Sequence[int]) -> Tuple[int, ...]:
    """Per dim, the multiple of the shard shape nearest the current typical chunk size."""
    out = []
    for cs, u, n in zip(chunks, unit, shape):
        typical = max(int(c) for c in cs) if cs else u
        k = max(1, round(typical / u))
        out.append(min(max(int(n), 1), k * u))
    return tuple(out)


class _ShardWriter:
    """da.store target opened on the worker by URL: the codec is found through its entry point."""

    def __init__(self, url: str, path: str, storage_options: Optional[Dict[str, Any]], unit: Tuple[int, ...],
                 shape: Tuple[int, ...]) -> None:
        self.url, self.path, self.storage_options = url, path, storage_options
        self.unit, self.shape = unit, shape
        self.dtype = None
        self._arr = None

    def __getstate__(self) -> Dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_arr"}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._arr = None

    def _array(self):
        if self._arr is None:
            import zarr

            self._arr = zarr.open_array(self.url, path=self.path, mode="r+", storage_options=self.storage_options)
        return self._arr

    def __setitem__(self, region: Tuple[slice, ...], block: np.ndarray) -> None:
        # the last line of defence: a region that does not cover whole shards is refused
        for d, s in enumerate(region):
            start, stop = s.start or 0, self.shape[d] if s.stop is None else s.stop
            if start % self.unit[d] or (stop % self.unit[d] and stop != self.shape[d]):
                raise ValueError(f"write of [{start}:{stop}) in dim {d} does not cover whole shards of {self.unit[d]}")
        self._array()[region] = block


def _as_numpy_like(x: Any) -> Tuple[Any, Optional[str], Optional[str]]:
    """dask/numpy array (bits) + the z4ai dtype + the torch dtype name to restore."""
    torch_dtype = None
    if type(x).__module__.startswith("torch"):
        import torch

        torch_dtype = str(x.dtype).rsplit(".", 1)[-1]
        t = x.detach().cpu().contiguous()
        bits = {torch.bfloat16: (torch.int16, "bf16")}.get(t.dtype)
        if bits is not None:
            return t.view(bits[0]).numpy().view(np.uint16), bits[1], torch_dtype
        return t.numpy(), None, torch_dtype
    return x, None, None


def to_zarr(x: Any, url: str, path: str, *, shards: Optional[Sequence[int]] = None,
            chunks: Optional[Sequence[int]] = None, rechunk: bool = True, dtype: Optional[str] = None,
            effort: str = "default", overwrite: bool = True, compute: bool = True,
            storage_options: Optional[Dict[str, Any]] = None, attributes: Optional[Dict[str, Any]] = None) -> Any:
    """Writes an array (dask, numpy or torch) as ``path`` in the Zarr v3 group at ``url``,
    sharded, each inner chunk one z4ai frame.

    Args:
        shards: shard shape (one object each; the unit of a write task). Default ~64 MiB.
        chunks: inner chunk shape, must divide ``shards`` (the unit of a lazy read). Default ~1 MiB.
        rechunk: rechunk a dask array whose blocks straddle shards (else refuse with ValueError).
        dtype: logical z4ai dtype (``"bf16"`` for bfloat16 bits in uint16); default: the array's.
        compute: False returns the dask ``store`` delayed object instead of writing.

    Returns:
        the zarr array (or the delayed write).
    """
    import dask.array as da
    import zarr

    from .zarr import Z4aiCodec

    x, inferred, torch_dtype = _as_numpy_like(x)
    dtype = dtype or inferred
    np_dtype = np.dtype(x.dtype)
    shape = tuple(int(s) for s in x.shape)
    shards_ = _normalize(shape, shards, _default_shards(shape, np_dtype.itemsize))
    chunks_ = _normalize(shards_, chunks, _default_chunks(shards_, np_dtype.itemsize))
    if any(s % c for s, c in zip(shards_, chunks_)):
        raise ValueError(f"inner chunks {chunks_} must divide the shard shape {shards_}")
    if not isinstance(x, da.Array):
        x = da.from_array(np.asarray(x), chunks=shards_)
    try:
        check_aligned(x.chunks, shards_, shape)
    except ValueError:
        if not rechunk:
            raise
        x = x.rechunk(aligned_chunks(x.chunks, shards_, shape))
        check_aligned(x.chunks, shards_, shape)
    group = zarr.open_group(url, mode="a", storage_options=storage_options)
    attrs = dict(attributes or {})
    if torch_dtype is not None:
        attrs[_ATTR] = {"torch_dtype": torch_dtype}
    group.create_array(path, shape=shape, dtype=np_dtype, chunks=chunks_, shards=shards_,
                       serializer=Z4aiCodec(dtype=dtype, effort=effort), compressors=None, filters=None,
                       fill_value=0, overwrite=overwrite, attributes=attrs)
    target = _ShardWriter(url, path, storage_options, shards_, shape)
    stored = da.store(x, target, lock=False, compute=compute)
    if not compute:
        return stored
    return zarr.open_array(url, path=path, mode="r", storage_options=storage_options)


def _read_block(url: str, path: str, storage_options: Optional[Dict[str, Any]], dtype: Any,
                block_info: Optional[Dict[Any, Any]] = None) -> np.ndarray:
    import zarr

    loc = block_info[None]["array-location"]
    arr = zarr.open_array(url, path=path, mode="r", storage_options=storage_options)
    out = arr[tuple(slice(a, b) for a, b in loc)]
    return np.asarray(out, dtype=dtype)


def from_zarr(url: str, path: str, *, chunks: Optional[Sequence[int]] = None,
              storage_options: Optional[Dict[str, Any]] = None) -> Any:
    """A lazy dask array of ``path`` in the group at ``url``: one task per shard (or per block of
    ``chunks``), each opening the array on its worker and decoding only its region."""
    import dask.array as da
    import zarr

    arr = zarr.open_array(url, path=path, mode="r", storage_options=storage_options)
    shape = tuple(arr.shape)
    unit = tuple(chunks) if chunks is not None else tuple(arr.shards or arr.chunks)
    dims = tuple(tuple(min(u, n - i) for i in range(0, n, u)) if n else (0,) for u, n in zip(unit, shape))
    dtype = arr.dtype.to_native_dtype() if hasattr(arr.dtype, "to_native_dtype") else np.dtype(arr.dtype)
    return da.map_blocks(_read_block, url, path, storage_options, dtype, chunks=dims, dtype=dtype,
                         meta=np.empty((0,) * len(shape), dtype=dtype), name=f"z4ai-zarr-{url}-{path}")


def save_state_dict(state_dict: Mapping[str, Any], url: str, *, storage_options: Optional[Dict[str, Any]] = None,
                    **kwargs: Any) -> Any:
    """Stores every tensor/array of a (flat) state dict as an array of the group at ``url``
    (names with dots are kept as array names; torch dtypes are restored by :func:`load_state_dict`)."""
    import dask

    import zarr

    zarr.open_group(url, mode="w", storage_options=storage_options)
    writes = [to_zarr(v, url, k, compute=False, storage_options=storage_options, **kwargs)
              for k, v in state_dict.items()]
    dask.compute(*writes)
    return zarr.open_group(url, mode="r", storage_options=storage_options)


def load_state_dict(url: str, *, torch_tensors: bool = False,
                    storage_options: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The arrays of a group written by :func:`save_state_dict`: lazy dask arrays, or (with
    ``torch_tensors=True``) computed torch tensors of the original dtypes."""
    import zarr

    group = zarr.open_group(url, mode="r", storage_options=storage_options)
    out: Dict[str, Any] = {}
    for name, arr in group.arrays():
        lazy = from_zarr(url, name, storage_options=storage_options)
        if torch_tensors:
            import torch

            value = torch.from_numpy(np.ascontiguousarray(lazy.compute()))
            want = (arr.attrs.get(_ATTR) or {}).get("torch_dtype")
            if want == "bfloat16":
                value = value.view(torch.int16).view(torch.bfloat16)
            elif want is not None:
                value = value.to(getattr(torch, want))
            out[name] = value
        else:
            out[name] = lazy
    return out
