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

A drop-in for safetensors: ``safe_open`` (``keys``, ``get_tensor``, ``get_tensors``,
``get_slice``, ``metadata``; ``framework="pt"|"np"``), ``save``/``load`` (bytes) and
``save_file``/``load_file(..., device=, backend=)`` take and give what
``safetensors.torch``/``safetensors.numpy`` do (torch bf16, fp8, fp4, complex64 and
every other dtype safetensors 0.8 has; NumPy arrays), with safetensors' error messages.
They write containers, except that a ``.safetensors`` name gets a plain safetensors
file unless ``container=True`` asks otherwise. Nothing here imports torch until called.

>>> import os, tempfile
>>> p = os.path.join(tempfile.mkdtemp(), "m.zstn")
>>> zs.save_file(tensors, p, metadata={"format": "np"})
>>> with zs.safe_open(p, framework="np") as f:
...     f.keys(), f.get_slice("w").get_shape(), f.metadata()
(['b', 'w'], [64, 32], {'format': 'np'})
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from . import z4ai_swig as _n
from ._core import Buffer, Effort, _make_cctx, _make_dctx
from ._dtypes import dtype_name, numpy_dtype_for, numpy_dtype_name
from ._errors import NotFoundError, NoSuchFileError

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
    "save",
    "load",
    "safe_open",
    "SafeOpen",
    "SafetensorError",
]

#: z4ai_kind codes -> names
KINDS = {0: "unknown", 1: "frame", 2: "container", 3: "model_delta", 4: "safetensors"}
#: z4ai_tensor_method codes -> names
METHODS = {0: "empty", 1: "frame", 2: "same", 3: "base_copy", 4: "base_delta", 255: "raw"}

# safetensors dtype strings <-> z4ai dtype names
_ST_DTYPES = {"F64": "fp64", "F32": "fp32", "F16": "fp16", "BF16": "bf16", "F8_E4M3": "fp8_e4m3",
              "F8_E5M2": "fp8_e5m2", "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
              "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool",
              "C64": "complex64", "F8_E8M0": "fp8_e8m0", "F8_E4M3FNUZ": "fp8_e4m3fnuz",
              "F8_E5M2FNUZ": "fp8_e5m2fnuz", "F4": "fp4_e2m1_x2"}
_ST_FOR = {v: k for k, v in _ST_DTYPES.items()}
# bytes per element for the safetensors dtypes (F4: two values per byte, see _nbytes)
_ST_WIDTH = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, "I64": 8, "I32": 4, "I16": 2,
             "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "C64": 8, "F8_E8M0": 1,
             "F8_E4M3FNUZ": 1, "F8_E5M2FNUZ": 1, "F4": 1}


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


def compress_file(src: PathLike, dst: Union[PathLike, str], *, storage_options: Optional[Mapping[str, Any]] = None,
                  part_size: int = 16 << 20, **params: Any) -> Dict[str, Any]:
    """``model.safetensors`` -> ``model.zstn`` (file to file, atomic; input read with pread).
    Returns sizes, ``ratio`` and ``saved_pct``. Keyword arguments as :func:`compress`.

    ``dst`` may be an object-store URL (``s3://bucket/key``, or another fsspec URL whose
    files upload on close): the container is uploaded while it is compressed (a multipart
    upload in ``part_size`` parts; a small one is one PUT at the end), and any failure
    aborts the upload, so no object, partial or not, appears under ``dst``."""
    from . import remote as _remote

    if not (isinstance(dst, str) and _remote.is_url(dst) and not dst.startswith("file://")):
        if isinstance(dst, str) and dst.startswith("file://"):
            dst = dst[len("file://"):]
        c = _cparams(**params)
        try:
            c.safetensors_compress_file(os.fspath(src), os.fspath(dst))
        finally:
            c.close()
        return _stats(src, dst)
    import mmap

    import fsspec

    fs, path = fsspec.core.url_to_fs(dst, **dict(storage_options or {}))
    protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
    # Object stores publish an upload only when it completes; elsewhere a temporary name
    # next to the target is renamed into place.
    direct = protocol in _COMMIT_ON_CLOSE
    target = path if direct else f"{path}.z4ai-tmp-{os.getpid()}-{os.urandom(6).hex()}"
    c = _cparams(**params)
    f = None
    try:
        with open(src, "rb") as fin:
            size = os.fstat(fin.fileno()).st_size
            with (mmap.mmap(fin.fileno(), 0, access=mmap.ACCESS_READ) if size else _Empty()) as m:
                f = fs.open(target, "wb", block_size=int(part_size))
                written = c.safetensors_compress_to(m, lambda piece: f.write(bytes(piece)))
        f.close()  # completes the upload: the object appears only now
        f = None
        if not direct:
            fs.mv(target, path)
    except BaseException:
        if f is not None:
            _discard(f)
        if not direct:
            try:
                if fs.exists(target):
                    fs.rm(target)
            except OSError:
                pass
        raise
    finally:
        c.close()
    return {"input_size": size, "output_size": written, "ratio": size / written if written else float("inf"),
            "saved_pct": 100.0 * (1 - written / size) if size else 0.0}


#: fsspec protocols whose writes become visible only when the upload completes (close).
_COMMIT_ON_CLOSE = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl"}


class _Empty(bytes):
    def __enter__(self) -> "_Empty":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def _discard(f: Any) -> None:
    """Drops an unfinished fsspec upload (s3fs: AbortMultipartUpload) without committing it."""
    try:
        if hasattr(f, "discard"):
            f.discard()
    finally:
        try:
            f.closed = True  # a later close() (or __del__) must not commit what is left
        except AttributeError:
            pass


def decompress_file(src: PathLike, dst: PathLike, *, threads: int = 0, verify_checksum: bool = True) -> int:
    """``model.zstn`` -> a byte-identical ``model.safetensors``; returns its size."""
    d = _make_dctx(threads, verify_checksum)
    try:
        return d.safetensors_decompress_file(os.fspath(src), os.fspath(dst))
    finally:
        d.close()


#: read_numpy(overlap=True) decodes frames at least this big while they download
#: (below it the one request + one decode is as fast and simpler).
_STREAM_MIN = 8 << 20
_STREAM_PIECE = 4 << 20
_STREAM_BUFFERS = 4


class _Stopped(Exception):
    """The decoding side gave up: the fetch thread stops."""


def _is_buffer(obj: Any) -> bool:
    try:
        memoryview(obj).release()
        return True
    except TypeError:
        return False


def _read_into_of(source: Any, size: Optional[int]) -> Tuple[Any, int]:
    """A read_into(offset, buf) callback and the input size for the other source kinds:
    an ``os.pread``-able file descriptor, a callable ``read_at(offset, size) -> bytes``,
    or a seekable file-like object (``readinto``/``read`` + ``seek``; a lock serialises
    its seek+read pairs, since decoder threads may read concurrently)."""
    if isinstance(source, int) and not isinstance(source, bool):
        fd = source
        n = os.fstat(fd).st_size if size is None else int(size)

        def read_fd(offset: int, buf: Any) -> None:
            got = 0
            while got < len(buf):
                b = os.pread(fd, len(buf) - got, offset + got)
                if not b:
                    raise EOFError(f"fd {fd}: end of file at {offset + got}, {len(buf) - got} bytes short")
                buf[got:got + len(b)] = b
                got += len(b)

        return read_fd, n
    if hasattr(source, "seek") and (hasattr(source, "readinto") or hasattr(source, "read")):
        lock = threading.Lock()
        with lock:
            here = source.tell() if hasattr(source, "tell") else 0
            n = source.seek(0, os.SEEK_END) if size is None else int(size)
            source.seek(here)
        if n is None:
            raise TypeError("the file object's seek() did not return a position: pass size=")

        def read_file(offset: int, buf: Any) -> None:
            with lock:
                source.seek(offset)
                got = 0
                while got < len(buf):
                    if hasattr(source, "readinto"):
                        k = source.readinto(buf[got:])
                    else:
                        b = source.read(len(buf) - got)
                        k = len(b) if b else 0
                        buf[got:got + k] = b
                    if not k:
                        raise EOFError(f"{source!r}: end of file at {offset + got}, {len(buf) - got} bytes short")
                    got += k

        return read_file, int(n)
    if callable(source):
        if size is None:
            raise TypeError("a read_at(offset, size) callable needs size= (the input's length)")

        def read_call(offset: int, buf: Any) -> None:
            b = source(offset, len(buf))
            if len(b) != len(buf):
                raise EOFError(f"read_at({offset}, {len(buf)}) returned {len(b)} bytes")
            buf[:] = b

        return read_call, int(size)
    raise TypeError(f"cannot read a container from {type(source).__name__}: give a path, a URL, a buffer, a "
                    "seekable file object, a file descriptor or a read_at(offset, size) callable (with size=)")


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

    def __init__(self, source: Any, *, base: Any = None, threads: int = 0, verify_checksum: bool = True,
                 size: Optional[int] = None, storage_options: Optional[Mapping[str, Any]] = None) -> None:
        self._r = _n.TensorReader()
        self._held: List[Any] = []
        self._remote: Any = None  # the RangedObject of a URL source
        self._threads = int(threads)
        self._verify = bool(verify_checksum)
        try:
            self._r.set_param(_n.Z4AI_D_THREADS, int(threads))
            if not verify_checksum:
                self._r.set_param(_n.Z4AI_D_VERIFY_CHECKSUM, 0)
            from . import remote as _remote

            if isinstance(source, str) and _remote.is_url(source) and not source.startswith("file://"):
                source = _remote.open_object(source, **dict(storage_options or {}))
            elif isinstance(source, str) and source.startswith("file://"):
                source = source[len("file://"):]
            if isinstance(source, (str, os.PathLike)):
                path = os.fspath(source)
                if not os.path.exists(path):
                    raise NoSuchFileError(_n.Z4AI_E_IO, "Z4AI_E_IO", f"No such file or directory: {path}")
                self._r.open_file(path)
            elif isinstance(source, _remote.RangedObject):
                self._remote = source
                self._held.append(source)
                self._r.open_source(source.read_into, source.size)
            elif _is_buffer(source):
                mv = memoryview(source).cast("B")  # pinned while the reader is open
                self._held.append(mv)
                self._r.open_memory(mv)
            else:
                read_into, n = _read_into_of(source, size)
                self._r.open_source(read_into, n)
            self._names_cache: Optional[List[str]] = None
            if base is not None:
                self.attach_base(base)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, source: Any, **kwargs: Any) -> "ZstnReader":
        """Same as the constructor (reads well in ``with ZstnReader.open(p) as r:``)."""
        return cls(source, **kwargs)

    @classmethod
    def open_url(cls, url: str, *, threads: int = 0, verify_checksum: bool = True, base: Any = None,
                 **storage_options: Any) -> "ZstnReader":
        """Opens a container at ``s3://``, ``http(s)://`` (presigned URLs too), ``gs://``,
        ``file://`` or any fsspec URL, reading only what is needed: opening costs one to
        three ranged requests (trailer + index, prefix), one tensor one ranged request of
        its frame. ``storage_options`` go to the filesystem (``endpoint_url``, ``key``,
        ...); ``retries``, ``backoff``, ``headers`` and ``timeout`` tune the reads
        (see :mod:`z4ai.remote`)."""
        from . import remote as _remote

        if url.startswith("file://") or not _remote.is_url(url):
            return cls(url[len("file://"):] if url.startswith("file://") else url, threads=threads,
                       verify_checksum=verify_checksum, base=base)
        return cls(_remote.open_object(url, **storage_options), threads=threads, verify_checksum=verify_checksum,
                   base=base)

    @classmethod
    def from_obstore(cls, store: Any, path: str, *, threads: int = 0, verify_checksum: bool = True,
                     **kwargs: Any) -> "ZstnReader":
        """Opens ``path`` of an obstore store (``obstore.store.S3Store``, ``HTTPStore``,
        ``LocalStore``, ...) with ranged ``get`` requests pinned to the object's ETag."""
        from . import remote as _remote

        return cls(_remote.from_obstore(store, path, **kwargs), threads=threads, verify_checksum=verify_checksum)

    @property
    def remote(self) -> Any:
        """The :class:`z4ai.remote.RangedObject` a URL reader reads through (None if local)."""
        return self._remote

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

    # Mapping protocol: r[name] (a NumPy array), r.keys(), r.get(name), KeyError if absent.
    def keys(self) -> List[str]:
        return self.names()

    def __getitem__(self, key: Union[str, int]) -> Any:
        return self.read_numpy(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self.read_numpy(key) if key in self else default

    def items(self) -> Iterator[Tuple[str, Any]]:
        return ((n, self.read_numpy(n)) for n in self.names())

    def values(self) -> Iterator[Any]:
        return (self.read_numpy(n) for n in self.names())

    def read_torch(self, key: Union[str, int], device: Any = "cpu") -> Any:
        """One tensor as a ``torch.Tensor`` of its dtype (bf16 as ``torch.bfloat16``, ...)."""
        return _torch_tensor(self, self._i(key), device)

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

    def read_numpy(self, key: Union[str, int], *, out: Any = None, overlap: bool = False) -> Any:
        """One tensor as a NumPy array of its dtype and shape (bf16/fp8 via ml_dtypes when
        installed, else same-width unsigned ints); ``out`` is filled and returned if given.
        Remote: one ranged request of the tensor's frame, read straight into the reader's
        buffer, then decoded. ``overlap=True`` decodes a frame of 8 MiB or more while it
        downloads instead (through the streaming decoder; slower on loopback, where the
        one-shot decode is about twice as fast as the transfer: docs/BENCHMARKS.md)."""
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
        flat = out.reshape(-1).view(np.uint8)
        if overlap and self._remote is not None and info.method == "frame" and info.stored_size >= _STREAM_MIN:
            self._read_streaming(i, info, flat)
        else:
            self._r.read_tensor(i, flat)
        return out

    def _read_streaming(self, i: int, info: "TensorInfo", flat: Any) -> None:
        # One ranged request; a fetch thread reads the body into a few recycled piece
        # buffers while this thread feeds each to the frame's streaming decoder (which
        # copies what it keeps; both threads release the GIL): decode overlaps transfer.
        import queue

        off, n = self._r.tensor_extent_offset(i), self._r.tensor_extent_size(i)
        free: "queue.Queue[Any]" = queue.Queue()
        for _ in range(_STREAM_BUFFERS):
            free.put(bytearray(_STREAM_PIECE))
        full: "queue.Queue[Any]" = queue.Queue()
        stop = threading.Event()

        def take() -> Any:
            while not stop.is_set():
                try:
                    return free.get(timeout=0.1)
                except queue.Empty:
                    continue
            raise _Stopped()

        def pull() -> None:
            try:
                self._remote.stream_pieces(off, off + n, take, lambda b, k: full.put((b, k)))
                full.put(None)
            except _Stopped:
                pass
            except BaseException as e:  # handed to the decoding thread
                full.put(e)

        d = _make_dctx(self._threads, self._verify)
        t = threading.Thread(target=pull, name="z4ai-fetch", daemon=True)
        t.start()
        made = used = 0
        remaining = 1
        try:
            while True:
                item = full.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                b, k = item
                mv = memoryview(b)[:k]
                at = 0
                while at < k and remaining != 0:
                    remaining = d.decompress_stream(flat[made:], mv[at:])
                    step, wrote = d.last_src_pos(), d.last_dst_pos()
                    at += step
                    made += wrote
                    if step == 0 and wrote == 0:
                        break
                mv.release()
                used += at
                free.put(b)
                if at < k:  # bytes past the frame's end, or a decoder that stopped
                    break
            if remaining != 0 or used != n or made != info.nbytes:
                from ._errors import error_class

                raise error_class("Z4AI_E_CORRUPT")(
                    _n.Z4AI_E_CORRUPT, "Z4AI_E_CORRUPT",
                    f"tensor {info.name!r}: its {n}-byte frame decoded to {made} of {info.nbytes} bytes "
                    f"(consumed {used}, frame {'complete' if remaining == 0 else 'incomplete'})")
        finally:
            stop.set()
            t.join()
            d.close()

    def read_many(self, keys: Optional[Iterable[Union[str, int]]] = None, *, gap: int = 1 << 20,
                  max_range: int = 64 << 20, max_workers: int = 8) -> Dict[str, Any]:
        """``{name: ndarray}`` for several tensors (all if ``keys`` is None). Remote: their
        frames' extents are merged into few ranges (neighbours within ``gap`` bytes join,
        ranges stop at ``max_range``), fetched concurrently, and each tensor is decoded as
        soon as the range holding it arrives."""
        import numpy as np

        idx = [self._i(k) for k in (range(len(self._names)) if keys is None else keys)]
        outs = {}
        for i in idx:
            outs[i] = np.empty(self.info(i).shape, dtype=numpy_dtype_for(self._r.tensor_dtype(i)))
        if self._remote is None:
            for i in idx:
                self._r.read_tensor(i, outs[i].reshape(-1).view(np.uint8))
            return {self._names[i]: outs[i] for i in idx}
        from . import remote as _remote

        ext = {i: (self._r.tensor_extent_offset(i), self._r.tensor_extent_size(i)) for i in idx}
        ranges = _remote.coalesce(ext.values(), gap=gap, max_range=max_range)
        todo = sorted((o, i) for i, (o, n) in ext.items() if n > 0)
        for i, (o, n) in ext.items():
            if n == 0:  # empty or a base copy: nothing to fetch
                self._r.read_tensor(i, outs[i].reshape(-1).view(np.uint8))
        for a, b, data in self._remote.fetch_ranges(ranges, max_workers=max_workers):
            for o, i in todo:
                n = ext[i][1]
                if a <= o and o + n <= b:
                    self._r.read_tensor_from(i, data, a, outs[i].reshape(-1).view(np.uint8))
        return {self._names[i]: outs[i] for i in idx}

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
        st = _numpy_st_dtype(name, a.dtype)
        if a.dtype.itemsize > 1 and a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        raw = np.ascontiguousarray(a).reshape(-1).view(np.uint8).tobytes()
        header[name] = {"dtype": st, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
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


def load_numpy(path: Any, names: Optional[Iterable[str]] = None, *,
               storage_options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
    """``{name: ndarray}`` from a ``.zstn`` or a plain ``.safetensors`` file, a URL
    (``s3://``, ``https://``, ... : only the tensors asked for are fetched, in few
    coalesced ranged requests) or any source :class:`ZstnReader` takes. ``names``: the
    tensors to load (default: all)."""
    with ZstnReader(path, storage_options=storage_options, **kwargs) as r:
        return r.read_many(names)


def _numpy_st_dtype(name: str, dtype: Any) -> str:
    import numpy as np

    dt = np.dtype(dtype)
    if dt.kind == "c" and dt.itemsize == 8:
        return "C64"
    zname = numpy_dtype_name(dt)
    if zname is None or zname not in _ST_FOR:
        raise TypeError(f"tensor {name!r}: dtype {dt} has no safetensors counterpart")
    return _ST_FOR[zname]


# ---- the safetensors-style API (drop-in for safetensors.torch / safetensors.numpy) ----
#
# save/load/save_file/load_file/safe_open take and give what safetensors' functions do,
# storing z4ai containers: ``save`` returns .zstn bytes; ``save_file`` writes a .zstn,
# except under a ``.safetensors`` name, which gets a plain safetensors file unless
# ``container=True`` asks for a container there explicitly (so no other reader meets a
# container it cannot read by surprise). Readers take both containers and plain files.

class SafetensorError(Exception):
    """Raised where safetensors raises ``SafetensorError`` (bad slices, closed files)."""


_TORCH_NAMES = {"fp64": "float64", "fp32": "float32", "fp16": "float16", "bf16": "bfloat16",
                "fp8_e4m3": "float8_e4m3fn", "fp8_e5m2": "float8_e5m2", "int64": "int64", "int32": "int32",
                "int16": "int16", "int8": "int8", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
                "uint64": "uint64", "bool": "bool", "complex64": "complex64", "fp8_e8m0": "float8_e8m0fnu",
                "fp8_e4m3fnuz": "float8_e4m3fnuz", "fp8_e5m2fnuz": "float8_e5m2fnuz",
                "fp4_e2m1_x2": "float4_e2m1fn_x2"}
_TORCH_DTYPES = _TORCH_NAMES  # the name this table had before
# safetensors writes torch dtypes by these names
_ST_FOR_TORCH = {t: _ST_FOR[z] for z, t in _TORCH_NAMES.items()}


def _torch_dtype(zname: str) -> Any:
    import torch

    dt = getattr(torch, _TORCH_NAMES[zname], None)
    if dt is None:
        raise TypeError(f"this torch has no {_TORCH_NAMES[zname]} (needed for {zname})")
    return dt


def _torch_shape(zname: str, shape: Tuple[int, ...]) -> Tuple[int, ...]:
    # safetensors' F4 shape counts 4-bit values; torch's float4_e2m1fn_x2 counts bytes
    if zname == "fp4_e2m1_x2" and shape:
        return tuple(shape[:-1]) + (shape[-1] // 2,)
    return tuple(shape)


def _torch_tensor(r: "ZstnReader", i: int, device: Any = "cpu") -> Any:
    import torch

    info = r.info(i)
    dt = _torch_dtype(info.dtype)
    shape = _torch_shape(info.dtype, info.shape)
    out = torch.empty(shape, dtype=dt)
    if info.nbytes:
        r._r.read_tensor(i, out.reshape(-1).view(torch.uint8).numpy())
    return out if device in ("cpu", None) else out.to(device)


def _find_shared(tensors: Mapping[str, Any]) -> List[List[str]]:
    import torch

    by_storage: Dict[Any, List[Tuple[int, int, str]]] = {}
    for k, v in tensors.items():
        if v.device == torch.device("meta"):
            continue
        try:
            st = v.untyped_storage()
            ptr, size = st.data_ptr(), st.nbytes()
        except Exception:  # noqa: BLE001 - tensors without storage cannot share it
            continue
        if ptr == 0 or size == 0:
            continue
        start = v.data_ptr()
        stop = start + v.nelement() * v.element_size()
        by_storage.setdefault((v.device, ptr, size), []).append((start, stop, k))
    shared = []
    for areas in by_storage.values():
        areas.sort()
        group = [areas[0][2]]
        last_stop = areas[0][1]
        for start, stop, name in areas[1:]:
            if start < last_stop:
                group.append(name)
            else:
                if len(group) > 1:
                    shared.append(group)
                group = [name]
            last_stop = max(last_stop, stop)
        if len(group) > 1:
            shared.append(group)
    return shared


def _torch_entries(tensors: Any) -> List[Tuple[str, str, List[int], Any]]:
    """(name, safetensors dtype, shape, bytes-like) per torch tensor, with safetensors'
    checks and messages (dict, tensors, sparse, shared, contiguous)."""
    import torch

    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    sparse = []
    for k, v in tensors.items():
        if not isinstance(v, torch.Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
        if v.layout != torch.strided:
            sparse.append(k)
    if sparse:
        raise ValueError(
            f"You are trying to save a sparse tensors: `{sparse}` which this library does not support."
            " You can make it a dense tensor before saving with `.to_dense()` but be aware this might"
            " make a much larger file than needed.")
    shared = _find_shared(tensors)
    if shared:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and potential differences "
            f"when loading them again: {shared}. A potential way to correctly save your model is to use "
            "`save_model`. More information at https://huggingface.co/docs/safetensors/torch_shared_tensors")
    out = []
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either means you"
                " are trying to save tensors which are reference of each other in which case it's recommended to"
                " save only the full tensors, and reslice at load time, or simply call `.contiguous()` on your"
                " tensor to pack it before saving.")
        name = str(v.dtype).split(".")[-1]
        if name not in _ST_FOR_TORCH:
            raise TypeError(f"tensor {k!r}: torch dtype {v.dtype} has no safetensors counterpart")
        st = _ST_FOR_TORCH[name]
        t = v.detach()
        if t.device.type != "cpu":
            t = t.to("cpu")  # a meta tensor raises torch's "Cannot copy out of meta tensor"
        shape = list(v.shape)
        if st == "F4" and shape:
            shape[-1] *= 2  # safetensors counts the 4-bit values
        data = t.reshape(-1).view(torch.uint8).numpy() if t.nelement() else b""
        out.append((k, st, shape, data))
    return out


def _numpy_entries(tensors: Any) -> List[Tuple[str, str, List[int], Any]]:
    import numpy as np

    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, np.ndarray] but received {type(tensors)}")
    out = []
    for k, v in tensors.items():
        a = np.asarray(v)
        st = _numpy_st_dtype(k, a.dtype)
        if a.dtype.itemsize > 1 and a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        out.append((k, st, list(a.shape), np.ascontiguousarray(a).reshape(-1).view(np.uint8)))
    return out


def _entries(tensors: Any) -> List[Tuple[str, str, List[int], Any]]:
    if isinstance(tensors, dict) and tensors:
        import numpy as np

        if all(isinstance(v, (np.ndarray, np.generic)) for v in tensors.values()):
            return _numpy_entries(tensors)
    if isinstance(tensors, dict) and not tensors:
        return []
    try:
        import torch  # noqa: F401

        return _torch_entries(tensors)  # raises safetensors' ValueError for a non-dict
    except ImportError:
        return _numpy_entries(tensors)


def _serialize(entries: List[Tuple[str, str, List[int], Any]], metadata: Optional[Mapping[str, str]]) -> bytes:
    """A .safetensors file as safetensors writes it: tensors by decreasing alignment, then
    name; the header padded with spaces to a multiple of 8."""
    header: Dict[str, Any] = {}
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise TypeError(f"metadata must be a dict of str -> str, not {type(metadata)}")
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f"metadata must be a dict of str -> str; got {k!r}: {v!r}")
        header["__metadata__"] = dict(metadata)
    order = sorted(entries, key=lambda e: (-_ST_WIDTH[e[1]], e[0]))
    offset = 0
    for name, st, shape, data in order:
        n = memoryview(data).nbytes
        header[name] = {"dtype": st, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    out = bytearray(len(text).to_bytes(8, "little"))
    out += text
    for _, _, _, data in order:
        out += memoryview(data).cast("B")
    return bytes(out)


def save(tensors: Any, metadata: Optional[Mapping[str, str]] = None, **params: Any) -> bytes:
    """Drop-in for ``safetensors.torch.save`` / ``safetensors.numpy.save``: the tensors
    (torch or NumPy) as ``.zstn`` container bytes. Keyword arguments as :func:`compress`."""
    return compress(_serialize(_entries(tensors), metadata), **params)


def _framework(framework: str) -> str:
    f = {"pt": "pt", "torch": "pt", "pytorch": "pt", "np": "np", "numpy": "np"}.get(str(framework))
    if f is None:
        raise ValueError(f"framework {framework!r} is not supported: use 'pt' (torch) or 'np' (numpy)")
    return f


def load(data: Buffer, framework: str = "pt") -> Dict[str, Any]:
    """Drop-in for ``safetensors.torch.load`` (``framework="np"``: ``safetensors.numpy.load``):
    ``{name: tensor}`` from ``.zstn`` or plain ``.safetensors`` bytes."""
    fw = _framework(framework)
    with ZstnReader(data) as r:
        return {n: (_torch_tensor(r, i) if fw == "pt" else _numpy_tensor(r, i)) for i, n in enumerate(r.names())}


def save_file(tensors: Any, filename: PathLike, metadata: Optional[Mapping[str, str]] = None, *,
              container: Optional[bool] = None, **params: Any) -> None:
    """Drop-in for ``safetensors.torch.save_file`` (and ``safetensors.numpy.save_file``):
    writes the tensors (torch, including bf16 and every dtype safetensors supports, or
    NumPy) as a ``.zstn`` container, atomically. Returns ``None``, as safetensors does.

    A ``.safetensors`` name gets a plain safetensors file (readable by every
    safetensors reader) unless ``container=True`` asks for a container under that name;
    ``container=False`` writes a plain file under any name. Keyword arguments as
    :func:`compress` (effort, level, threads, ...)."""
    st = _serialize(_entries(tensors), metadata)
    path = os.fspath(filename)
    if container is None:
        container = not path.endswith(".safetensors")
    blob = compress(st, **params) if container else st
    _write_atomic(path, blob)


def _write_atomic(path: str, blob: bytes) -> None:
    from ._files import write_atomic

    write_atomic(path, blob)


_BACKENDS = ("mmap", "pread")


def load_file(filename: Any, device: Any = "cpu", names: Optional[Iterable[str]] = None, *,
              backend: str = "mmap", framework: str = "pt", storage_options: Optional[Mapping[str, Any]] = None,
              **kwargs: Any) -> Dict[str, Any]:
    """Drop-in for ``safetensors.torch.load_file``: ``{name: torch.Tensor}`` (bf16 as
    ``torch.bfloat16``, ...) from a ``.zstn`` or a plain ``.safetensors`` file, or from a
    URL (``s3://``, ``https://``, ...: only the tensors in ``names`` are fetched, in few
    coalesced ranged requests). ``backend`` is accepted as safetensors takes it
    (``"mmap"`` or ``"pread"``; z4ai reads with pread either way); ``framework="np"``
    gives NumPy arrays."""
    with safe_open(filename, framework=framework, device=device, backend=backend,
                   storage_options=storage_options, **kwargs) as f:
        r = f._r()
        if r.remote is None:
            return f.get_tensors() if names is None else {n: f.get_tensor(n) for n in names}
        wanted = list(r) if names is None else list(names)
        arrays = r.read_many(wanted)
        if f._fw == "np":
            return arrays
        return {n: _torch_from_array(r, n, arrays[n], device) for n in wanted}


def _torch_from_array(r: "ZstnReader", name: str, arr: Any, device: Any) -> Any:
    import torch

    info = r.info(name)
    dt = _torch_dtype(info.dtype)
    raw = bytearray(arr.reshape(-1).view("uint8").tobytes()) if info.nbytes else bytearray()
    t = (torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)).reshape(
        _torch_shape(info.dtype, info.shape))
    return t if device in ("cpu", None) else t.to(device)


def _numpy_tensor(r: "ZstnReader", i: int) -> Any:
    import numpy as np

    info = r.info(i)
    if info.dtype == "complex64":
        out = np.empty(info.shape, dtype=np.complex64)
    elif info.dtype in ("fp8_e8m0", "fp8_e4m3fnuz", "fp8_e5m2fnuz", "fp4_e2m1_x2"):
        out = np.empty(_torch_shape(info.dtype, info.shape), dtype=np.uint8)  # bits, as safetensors.numpy
    else:
        out = np.empty(info.shape, dtype=numpy_dtype_for(r._r.tensor_dtype(i)))
    if info.nbytes:
        r._r.read_tensor(i, out.reshape(-1).view(np.uint8))
    return out


def _check_device(device: Any) -> Any:
    if device in ("cpu", None):
        return "cpu"
    import torch

    return torch.device(device) if not isinstance(device, int) else torch.device("cuda", device)


class SafeOpen:
    """What ``safetensors.safe_open`` returns: lazy, per-tensor access to a ``.zstn``
    container or a plain ``.safetensors`` file (only the tensors asked for are decoded)."""

    def __init__(self, filename: Union[PathLike, Buffer], framework: str, device: Any = "cpu",
                 backend: str = "mmap", **reader_kwargs: Any) -> None:
        self._fw = _framework(framework)
        if backend not in _BACKENDS:
            raise ValueError(f"backend {backend!r} is not supported: use one of {', '.join(_BACKENDS)}")
        self._device = device if self._fw == "pt" else "cpu"
        if self._fw == "pt" and device not in ("cpu", None):
            _check_device(device)
        self._mapped: Any = None
        if hasattr(filename, "read") and not isinstance(filename, (bytes, bytearray, memoryview)):
            filename = self._from_handle(filename)
        self._reader: Optional[ZstnReader] = ZstnReader(filename, **reader_kwargs)

    def _from_handle(self, handle: Any) -> Any:
        # An open file (any mode) or a file-like object (fsspec, ...): mapped when it has
        # a descriptor, read whole otherwise.
        try:
            import mmap

            fd = handle.fileno()
            if os.fstat(fd).st_size:
                self._mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
                return self._mapped
        except (AttributeError, OSError, ValueError):
            pass
        handle.seek(0)
        data = handle.read()
        if isinstance(data, str):
            raise TypeError("safe_open: open the file in binary mode ('rb')")
        return data

    def _r(self) -> ZstnReader:
        if self._reader is None:
            raise SafetensorError("File is closed")
        return self._reader

    def keys(self) -> List[str]:
        """Tensor names, sorted (as safetensors lists them)."""
        return sorted(self._r().names())

    def offset_keys(self) -> List[str]:
        """Tensor names in data-offset order."""
        r = self._r()
        return [t.name for t in sorted(r.tensors(), key=lambda t: t.data_offset)]

    def metadata(self) -> Optional[Dict[str, str]]:
        """The ``__metadata__`` dict (``{}`` stays ``{}``), or ``None`` if the file has none."""
        return self._r().metadata()

    def _tensor(self, name: str) -> Any:
        r = self._r()
        i = r._i(name)
        if self._fw == "np":
            return _numpy_tensor(r, i)
        return _torch_tensor(r, i, self._device)

    def get_tensor(self, name: str) -> Any:
        return self._tensor(name)

    def get_tensors(self) -> Dict[str, Any]:
        return {n: self._tensor(n) for n in self.offset_keys()}

    def get_slice(self, name: str) -> "_Slice":
        return _Slice(self, name)

    def __enter__(self) -> "SafeOpen":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._mapped is not None:
            self._mapped.close()
            self._mapped = None


def safe_open(filename: Union[PathLike, Buffer], framework: str, device: Any = "cpu", backend: str = "mmap",
              **kwargs: Any) -> SafeOpen:
    """Drop-in for ``safetensors.safe_open``: ``with safe_open(path, framework="pt") as f:``
    then ``f.keys()``, ``f.get_tensor(name)``, ``f.get_tensors()``, ``f.get_slice(name)[...]``,
    ``f.metadata()``; on ``.zstn`` containers and plain ``.safetensors`` files."""
    return SafeOpen(filename, framework, device, backend, **kwargs)


def _fmt_index(index: Any) -> str:
    def one(x: Any) -> str:
        if isinstance(x, slice):
            a = "" if x.start is None else str(x.start)
            b = "" if x.stop is None else str(x.stop)
            return f"{a}:{b}" + ("" if x.step is None else f":{x.step}")
        return str(x)

    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(one(x) for x in items) + "]"


class _Slice:
    """``f.get_slice(name)``: shape and dtype without decoding; ``[...]`` decodes the
    tensor (for a leading row range only the chunks holding those rows) and indexes it."""

    def __init__(self, f: SafeOpen, name: str) -> None:
        self._f = f
        self._info = f._r().info(name)

    def get_shape(self) -> List[int]:
        return list(self._info.shape)

    def get_dtype(self) -> str:
        return _ST_FOR[self._info.dtype]

    def __getitem__(self, index: Any) -> Any:
        shape = self.get_shape()
        items = index if isinstance(index, tuple) else (index,)
        if len(items) > len(shape):
            raise SafetensorError(f"Too many indices: {len(items)} for {len(shape)} dimensions")
        for dim, x in enumerate(items):
            if isinstance(x, list):
                if x:
                    raise SafetensorError("Non empty lists are not implemented")
                continue
            if isinstance(x, int):
                if x < -shape[dim]:
                    raise SafetensorError(f"Invalid index {x} for dimension {dim} of size {shape[dim]}")
                if x >= shape[dim]:
                    raise SafetensorError(
                        f"Error during slicing {_fmt_index(index)} with shape {shape}: index {x} out of bounds for"
                        f" tensor dimension #{dim} of size {shape[dim]}")
            elif isinstance(x, slice):
                if x.stop is not None and x.stop > shape[dim]:
                    raise SafetensorError(
                        f"Error during slicing {_fmt_index(index)} with shape {shape}: index {x.stop - 1} out of"
                        f" bounds for tensor dimension #{dim} of size {shape[dim]}")
        whole = self._f._tensor(self._info.name)
        if isinstance(index, list) and not index:
            return whole[0:0]
        items = tuple([] if isinstance(x, list) else x for x in items)
        if any(isinstance(x, list) for x in items):
            return whole[0:0]
        return whole[items if isinstance(index, tuple) else items[0]]


def __dir__() -> List[str]:  # the public names only (not json, os, typing helpers)
    return sorted(__all__)
