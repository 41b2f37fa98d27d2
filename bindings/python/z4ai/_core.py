"""One-shot compression, ranges, NumPy arrays, checkpoint deltas and frame inspection."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from . import z4ai_swig as _n
from ._dtypes import DTypeLike, dtype_code, numpy_dtype_for, numpy_dtype_name
from ._errors import DstTooSmallError, InvalidArgumentError, ParameterError

Buffer = Any  # any object exporting the buffer protocol (bytes, bytearray, memoryview, ndarray, mmap, ...)
Effort = Union[str, int]

EFFORTS: Dict[str, int] = {"fast": _n.Z4AI_EFFORT_FAST, "default": _n.Z4AI_EFFORT_DEFAULT, "max": _n.Z4AI_EFFORT_MAX}

__all__ = [
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
    "EFFORTS",
]


def _effort_code(effort: Effort) -> int:
    if isinstance(effort, str):
        return _n.effort_from_name(effort.lower())  # the C ABI's one parser
    return int(effort)


def _make_cctx(dtype: DTypeLike = None, level: int = 0, effort: Effort = "default", threads: int = 0,
               chunk_size: int = 0, checksum: bool = True, shape: Optional[Sequence[int]] = None,
               params: Optional[Mapping[int, int]] = None) -> "_n.CCtx":
    c = _n.CCtx()
    c.set_param(_n.Z4AI_C_DTYPE, dtype_code(dtype))
    c.set_param(_n.Z4AI_C_EFFORT, _effort_code(effort))
    c.set_param(_n.Z4AI_C_THREADS, int(threads))
    if level:
        c.set_param(_n.Z4AI_C_LEVEL, int(level))
    if chunk_size:
        c.set_param(_n.Z4AI_C_CHUNK_SIZE, int(chunk_size))
    if not checksum:
        c.set_param(_n.Z4AI_C_CHECKSUM, 0)
    for k, v in (params or {}).items():
        c.set_param(int(k), int(v))
    if shape is not None:
        for d in shape:
            c.append_shape_dim(int(d))
    return c


def _make_dctx(threads: int = 0, verify_checksum: bool = True, max_memory: int = 0,
               params: Optional[Mapping[int, int]] = None) -> "_n.DCtx":
    d = _n.DCtx()
    d.set_param(_n.Z4AI_D_THREADS, int(threads))
    if not verify_checksum:
        d.set_param(_n.Z4AI_D_VERIFY_CHECKSUM, 0)
    if max_memory:
        d.set_param(_n.Z4AI_D_MAX_MEMORY, int(max_memory))
    for k, v in (params or {}).items():
        d.set_param(int(k), int(v))
    return d


def _is_array(data: Any) -> bool:
    return hasattr(data, "__array_interface__") and hasattr(data, "dtype") and hasattr(data, "shape")


def _prepare_array(arr: Any, dtype: DTypeLike, require: bool) -> Tuple[Any, DTypeLike, Optional[Tuple[int, ...]]]:
    """Contiguous little-endian array, its z4ai dtype and the shape to record."""
    import numpy as np

    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and np.little_endian is False):
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    arr = np.ascontiguousarray(arr)
    inferred = numpy_dtype_name(arr.dtype)
    if dtype is None:
        if inferred is None:
            if require:
                raise InvalidArgumentError(
                    _n.Z4AI_E_DTYPE_UNKNOWN, "Z4AI_E_DTYPE_UNKNOWN",
                    f"numpy dtype {arr.dtype} has no z4ai counterpart: pass dtype=")
            return arr, None, None
        dtype = inferred
    code = dtype_code(dtype)
    shape: Optional[Tuple[int, ...]] = tuple(int(s) for s in arr.shape)
    if _n.dtype_width(code) * arr.size != arr.nbytes or arr.ndim > 8:
        shape = None  # the element type does not tile the array (e.g. dtype="raw" on fp32)
    return arr, code, shape


def _bytes_view(arr: Any) -> Any:
    """The bytes of a C-contiguous array as a flat uint8 array (no copy); works for
    dtypes the buffer protocol cannot describe (ml_dtypes bfloat16, ...)."""
    import numpy as np

    return arr.reshape(-1).view(np.uint8)


def compress_bound(size: int) -> int:
    """Largest frame :func:`compress` can produce for ``size`` input bytes.

    >>> import z4ai
    >>> z4ai.compress_bound(1 << 20) > 1 << 20
    True
    """
    return _n.compress_bound(int(size))


def compress(data: Buffer, *, dtype: DTypeLike = None, level: int = 0, effort: Effort = "default",
             threads: int = 0, chunk_size: int = 0, checksum: bool = True,
             shape: Optional[Sequence[int]] = None, params: Optional[Mapping[int, int]] = None) -> bytes:
    """Compresses a buffer or a NumPy array into one self-describing z4ai frame.

    Args:
        data: bytes, bytearray, memoryview, mmap, array.array or any C-contiguous buffer;
            or a NumPy array, whose dtype (unless ``dtype`` is given) and shape are recorded
            in the frame. The buffer is held, never copied or modified, for the call.
        dtype: element type that decides the byte-plane split: a z4ai name or alias
            (``"bf16"``, ``"fp16"``, ``"fp32"``, ``"int8"``, ...), a code, or a numpy dtype.
            ``None`` = opaque bytes for buffers, inferred for arrays.
        level: LZ backend level 1..22 (0 = the effort tier's default).
        effort: ``"fast"`` (fastest decode), ``"default"`` or ``"max"`` (smallest).
        threads: 0 = all cores, 1 = the calling thread only, n. Frames are identical for
            every thread count.
        chunk_size: bytes per independently decodable chunk (power of two, 4 KiB..256 MiB;
            0 = tier default).
        checksum: store per-chunk content checksums (verified on decode).
        shape: tensor shape to record (product x width must equal the size).
        params: extra ``{Z4AI_C_* code: value}`` parameters.

    Returns:
        The frame as bytes. The GIL is released while compressing.

    >>> import z4ai
    >>> data = bytes(range(256)) * 1024
    >>> frame = z4ai.compress(data, dtype="bf16")
    >>> len(frame) < len(data), z4ai.decompress(frame) == data
    (True, True)
    """
    if _is_array(data):
        data, dtype, arr_shape = _prepare_array(data, dtype, require=False)
        if shape is None:
            shape = arr_shape
        data = _bytes_view(data)
    c = _make_cctx(dtype, level, effort, threads, chunk_size, checksum, shape, params)
    try:
        return c.compress_bytes(data)
    finally:
        c.close()


def _content_size(frame: Buffer) -> int:
    # z4ai_frame_content_size reads the footer of a streamed frame whose header does
    # not record the size; "unknown" is left only for a frame that is cut short.
    size = _n.frame_content_size(frame)
    if size == _n.Z4AI_SWIG_CONTENT_SIZE_UNKNOWN:
        from ._errors import TruncatedError

        raise TruncatedError(_n.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED", "input ends before the frame does")
    return size


def _decompress_streamed(frame: Buffer, **kw: Any) -> bytes:
    from ._stream import Decompressor

    d = Decompressor(**kw)
    try:
        out = d.decompress(frame)
        if not d.eof:
            from ._errors import TruncatedError

            raise TruncatedError(_n.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED", "input ends before the frame does")
        return out
    finally:
        d.close()


def decompress(frame: Buffer, *, out: Optional[Buffer] = None, threads: int = 0, verify_checksum: bool = True,
               max_memory: int = 0, reference: Optional[Buffer] = None) -> Any:
    """Decompresses exactly one complete frame.

    Args:
        frame: the frame (any buffer; held, never modified, during the call).
        out: optional writable buffer to decode into (e.g. a bytearray or a NumPy array of
            at least the content size); it is filled and returned.
        threads: decoder threads (0 = all cores).
        verify_checksum: verify stored checksums (default).
        max_memory: working-memory limit in bytes a frame may demand (0 = library default).
        reference: the reference of a delta frame (see :func:`compress_delta`).

    Returns:
        The content as bytes, or ``out``.

    >>> import z4ai
    >>> frame = z4ai.compress(b"weights" * 1000)
    >>> z4ai.decompress(frame)[:14]
    b'weightsweights'
    >>> buf = bytearray(7000)
    >>> z4ai.decompress(frame, out=buf) is buf
    True
    """
    d = _make_dctx(threads, verify_checksum, max_memory)
    try:
        if reference is not None:
            ref = memoryview(reference)  # pins the buffer for the whole call
            d.ref_reference(ref)
        if out is not None:
            d.decompress(out, frame)
            return out
        size = _n.frame_content_size(frame)
        if size == _n.Z4AI_SWIG_CONTENT_SIZE_UNKNOWN:
            return _decompress_streamed(frame, threads=threads, verify_checksum=verify_checksum,
                                        max_memory=max_memory, reference=reference)
        return d.decompress_bytes(frame, size)
    finally:
        d.close()


def decompress_into(frame: Buffer, out: Buffer, **kwargs: Any) -> int:
    """Decompresses one frame into the writable buffer ``out``; returns the bytes written.

    Raises :class:`DstTooSmallError` if ``out`` is smaller than the content. Accepts the
    keyword arguments of :func:`decompress`.

    >>> import z4ai
    >>> buf = bytearray(100)
    >>> z4ai.decompress_into(z4ai.compress(b"abc" * 10), buf)
    30
    """
    d = _make_dctx(kwargs.pop("threads", 0), kwargs.pop("verify_checksum", True), kwargs.pop("max_memory", 0))
    reference = kwargs.pop("reference", None)
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}")
    try:
        if reference is not None:
            ref = memoryview(reference)
            d.ref_reference(ref)
        return d.decompress(out, frame)
    finally:
        d.close()


def decompress_range(frame: Buffer, offset: int, length: int, *, out: Optional[Buffer] = None, threads: int = 0,
                     verify_checksum: bool = True, reference: Optional[Buffer] = None) -> Any:
    """Decodes content bytes ``[offset, offset + length)`` of a frame, touching only the
    chunks that overlap them. ``length`` is clamped to the end of the content.

    Returns bytes, or ``out`` (a writable buffer of at least the clamped length) if given.

    >>> import z4ai
    >>> data = bytes(range(256)) * 4096
    >>> frame = z4ai.compress(data, chunk_size=65536)
    >>> z4ai.decompress_range(frame, 70000, 8) == data[70000:70008]
    True
    """
    if offset < 0 or length < 0:
        raise InvalidArgumentError(_n.Z4AI_E_INVALID_ARGUMENT, "Z4AI_E_INVALID_ARGUMENT", "negative offset or length")
    d = _make_dctx(threads, verify_checksum)
    try:
        if reference is not None:
            ref = memoryview(reference)
            d.ref_reference(ref)
        if out is not None:
            d.decompress_range(out, frame, int(offset), int(length))
            return out
        size = _n.frame_content_size(frame)
        if size != _n.Z4AI_SWIG_CONTENT_SIZE_UNKNOWN:
            length = max(0, min(int(length), size - int(offset)))
        return d.decompress_range_bytes(frame, int(offset), int(length))
    finally:
        d.close()


def compress_array(arr: Any, *, dtype: DTypeLike = None, **kwargs: Any) -> bytes:
    """Compresses a NumPy array, recording its dtype and shape in the frame.

    ``dtype`` overrides the element type (e.g. ``"bf16"`` for bfloat16 bits held in a
    ``uint16`` array). Other keyword arguments are those of :func:`compress`.

    >>> import numpy as np, z4ai
    >>> w = np.arange(12, dtype=np.float32).reshape(3, 4)
    >>> back = z4ai.decompress_array(z4ai.compress_array(w))
    >>> back.dtype, back.shape, bool((back == w).all())
    (dtype('float32'), (3, 4), True)
    """
    import numpy as np

    arr = np.asarray(arr)
    arr, code, shape = _prepare_array(arr, dtype, require=True)
    if kwargs.get("shape") is None:
        kwargs["shape"] = shape
    return compress(arr, dtype=code, **kwargs)


def decompress_array(frame: Buffer, *, out: Optional[Any] = None, dtype: Any = None, **kwargs: Any) -> Any:
    """Decompresses a frame into a NumPy array with the recorded dtype and shape.

    bf16/fp8 frames give ``ml_dtypes`` arrays when that package is installed, otherwise
    ``uint16``/``uint8`` arrays of the same bits; ``dtype`` forces a numpy dtype of the
    same width. Frames without a recorded shape give a 1-D array. ``out``, a C-contiguous
    array of the right size, is filled and returned. Other keyword arguments are those of
    :func:`decompress`.

    >>> import numpy as np, z4ai
    >>> bits = np.array([0x3F80, 0x4000], dtype=np.uint16)        # bf16 1.0, 2.0
    >>> z4ai.decompress_array(z4ai.compress_array(bits, dtype="bf16"), dtype=np.uint16)
    array([16256, 16384], dtype=uint16)
    """
    import numpy as np

    code = _n.frame_dtype(frame)
    nd = _n.frame_ndim(frame)
    shape: Tuple[int, ...] = tuple(_n.frame_dim(frame, i) for i in range(nd))
    if out is not None:
        if not (isinstance(out, np.ndarray) and out.flags.c_contiguous and out.flags.writeable):
            raise TypeError("out must be a writable C-contiguous numpy array")
        written = decompress_into(frame, _bytes_view(out), **kwargs)
        if written != out.nbytes:
            raise DstTooSmallError(_n.Z4AI_E_DST_TOO_SMALL, "Z4AI_E_DST_TOO_SMALL",
                                   f"out holds {out.nbytes} bytes, the frame {written}")
        return out
    np_dtype = np.dtype(dtype) if dtype is not None else numpy_dtype_for(code)
    size = _content_size(frame)
    if not nd:
        if size % np_dtype.itemsize:
            np_dtype = np.dtype(np.uint8)
        shape = (size // np_dtype.itemsize,)
    result = np.empty(shape, dtype=np_dtype)
    if result.nbytes != size:
        raise InvalidArgumentError(_n.Z4AI_E_INVALID_ARGUMENT, "Z4AI_E_INVALID_ARGUMENT",
                                   f"dtype {np_dtype} with shape {shape} is {result.nbytes} bytes, the frame {size}")
    decompress_into(frame, _bytes_view(result), **kwargs)
    return result


def compress_delta(current: Buffer, reference: Buffer, **kwargs: Any) -> bytes:
    """Compresses ``current`` as a delta against ``reference`` (a previous checkpoint of
    the same layout). The frame records the reference's length and digest; decoding
    with another reference raises :class:`ReferenceMismatchError`. Keyword arguments are
    those of :func:`compress`; NumPy arrays are accepted for both buffers.

    >>> import numpy as np, z4ai
    >>> prev = np.random.default_rng(0).standard_normal(1 << 16).astype(np.float32)
    >>> cur = prev.copy(); cur[::100] += 1e-3                     # a training step
    >>> frame = z4ai.compress_delta(cur, prev)
    >>> len(frame) < len(z4ai.compress(cur)) / 4
    True
    >>> back = z4ai.decompress_array(frame, reference=prev)
    >>> bool((back == cur).all()), back.shape
    (True, (65536,))
    """
    if _is_array(reference):
        import numpy as np

        reference = _bytes_view(np.ascontiguousarray(reference))
    ref = memoryview(reference)  # pins the reference for the whole call
    if _is_array(current):
        current, dtype, arr_shape = _prepare_array(current, kwargs.pop("dtype", None), require=False)
        current = _bytes_view(current)
        kwargs["dtype"] = dtype
        if kwargs.get("shape") is None:
            kwargs["shape"] = arr_shape
    params = {k: kwargs.pop(k) for k in list(kwargs) if k in ("dtype", "level", "effort", "threads", "chunk_size",
                                                              "checksum", "shape", "params")}
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}")
    c = _make_cctx(**params)
    try:
        c.ref_reference(ref)
        return c.compress_bytes(current)
    finally:
        c.close()
        ref.release()


def decompress_delta(frame: Buffer, reference: Buffer, *, out: Optional[Buffer] = None, **kwargs: Any) -> Any:
    """Restores the content of a delta frame from its ``reference`` (see
    :func:`compress_delta`). Returns bytes, or ``out`` if given.

    >>> import z4ai
    >>> prev = bytes(4096); cur = bytearray(prev); cur[10] = 1
    >>> z4ai.decompress_delta(z4ai.compress_delta(cur, prev), prev) == bytes(cur)
    True
    """
    if _is_array(reference):
        import numpy as np

        reference = _bytes_view(np.ascontiguousarray(reference))
    return decompress(frame, out=out, reference=reference, **kwargs)


@dataclass(frozen=True)
class FrameInfo:
    """What a frame header says about its content."""

    dtype: str
    dtype_code: int
    shape: Optional[Tuple[int, ...]]
    content_size: Optional[int]
    frame_size: Optional[int]

    @property
    def ratio(self) -> Optional[float]:
        """content_size / frame_size (None when either is unknown)."""
        if not self.content_size or not self.frame_size:
            return None
        return self.content_size / self.frame_size


def frame_info(frame: Buffer) -> FrameInfo:
    """dtype, shape and sizes of the frame at the start of ``frame``. With only a prefix
    of a frame, ``frame_size`` is None; a streamed frame's ``content_size`` may be None.

    >>> import numpy as np, z4ai
    >>> info = z4ai.frame_info(z4ai.compress_array(np.zeros((4, 8), np.float16)))
    >>> info.dtype, info.shape, info.content_size
    ('fp16', (4, 8), 64)
    """
    code = _n.frame_dtype(frame)
    nd = _n.frame_ndim(frame)
    shape = tuple(_n.frame_dim(frame, i) for i in range(nd)) if nd else None
    size: Optional[int] = _n.frame_content_size(frame)
    if size == _n.Z4AI_SWIG_CONTENT_SIZE_UNKNOWN:
        size = None
    try:
        frame_size: Optional[int] = _n.frame_compressed_size(frame)
    except Exception:  # a prefix: the frame's end is not in the buffer
        frame_size = None
    return FrameInfo(dtype=_n.dtype_name(code), dtype_code=code, shape=shape, content_size=size,
                     frame_size=frame_size)


def describe(frame: Buffer) -> Dict[str, Any]:
    """The library's JSON description of a complete frame (header fields and a
    per-chunk breakdown of methods, backends and sizes) as a dict.

    >>> import z4ai
    >>> d = z4ai.describe(z4ai.compress(bytes(5000), dtype="fp32"))
    >>> d["content_size"], d["dtype"]
    (5000, 'fp32')
    """
    return json.loads(_n.frame_describe(frame))


def is_frame(data: Buffer) -> bool:
    """True if ``data`` starts with a readable z4ai frame header.

    >>> import z4ai
    >>> z4ai.is_frame(z4ai.compress(b"x")), z4ai.is_frame(b"not a frame")
    (True, False)
    """
    try:
        _n.frame_content_size(data)
        return True
    except Exception:
        return False
