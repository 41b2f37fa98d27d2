"""torch.distributed.checkpoint (DCP) storage through z4ai: compressed, delta-coded, resharding.

:class:`Z4Writer` and :class:`Z4Reader` are DCP ``StorageWriter`` / ``StorageReader``s built on
DCP's fsspec file system layer, so local paths and ``s3://`` (any fsspec URL) work alike::

    import torch.distributed.checkpoint as dcp
    from z4ai.dcp import Z4Writer, Z4Reader

    dcp.save(state, storage_writer=Z4Writer("ckpt/step-100"))
    dcp.save(state, storage_writer=Z4Writer("ckpt/step-200", reference="ckpt/step-100"))
    dcp.load(state, storage_reader=Z4Reader("ckpt/step-200"))

Every tensor item (``TENSOR``/``SHARD``) is one dtype-aware z4ai frame in its rank's file;
``BYTE_IO`` items are frames of opaque bytes. ``Metadata.storage_data`` maps each item to a
plain ``dict`` of ``str``/``int``/``list`` (no z4ai class is pickled into ``.metadata``). With
``reference=`` every item is delta-coded against the item of the same FQN and chunk offsets in
the reference checkpoint (the frame records the reference's digest), or stored as a keyframe
where the layout changed or the chain would grow beyond ``max_chain_depth``. Loading on another
number of ranks decodes only the element ranges each rank needs. The layout is specified in
docs/DCP.md (layout version :data:`LAYOUT_VERSION`).
"""
from __future__ import annotations

import io
import os
import pickle
import posixpath
import re
import queue
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.distributed.checkpoint.filesystem import CURRENT_DCP_VERSION
from torch.distributed.checkpoint.fsspec_filesystem import FsspecReader, FsspecWriter
from torch.distributed.checkpoint.metadata import Metadata
from torch.distributed.checkpoint.planner import (
    LoadItemType,
    LoadPlan,
    LoadPlanner,
    SavePlan,
    SavePlanner,
    WriteItem,
    WriteItemType,
)
from torch.distributed.checkpoint.storage import WriteResult
from torch.futures import Future

from ._core import compress, compress_delta, decompress_into, decompress_range, frame_info
from ._errors import CorruptError, Error, ReferenceMismatchError, ReferenceMissingError

__all__ = ["Z4Writer", "Z4Reader", "LAYOUT_VERSION", "dependencies", "chain_depth", "prune", "item_infos"]

#: Version of the checkpoint layout (docs/DCP.md); readers refuse items of a newer one.
LAYOUT_VERSION = 1

_METADATA = ".metadata"
_DATA_SUFFIX = ".z4dcp"
_DATA_NAME = re.compile(r"^__[0-9]+_[0-9a-f]{12}\.z4dcp$")

# torch dtype -> z4ai dtype name: the element type picks the byte-plane split and the delta's
# word width. Types z4ai has no name for (complex, ...) are stored as opaque bytes.
_Z4_DTYPE = {
    torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16", torch.float64: "fp64",
    torch.int8: "int8", torch.int16: "int16", torch.int32: "int32", torch.int64: "int64",
    torch.uint8: "uint8", torch.bool: "bool",
}
for _name, _z in (("uint16", "uint16"), ("uint32", "uint32"), ("uint64", "uint64"),
                  ("float8_e4m3fn", "fp8_e4m3"), ("float8_e5m2", "fp8_e5m2")):
    if hasattr(torch, _name):
        _Z4_DTYPE[getattr(torch, _name)] = _z


def _torch_dtype(name: str) -> torch.dtype:
    dt = getattr(torch, name, None)
    if not isinstance(dt, torch.dtype):
        raise CorruptError(-4, "Z4AI_E_CORRUPT", f"checkpoint item has unknown torch dtype {name!r}")
    return dt


def _dtype_str(dt: torch.dtype) -> str:
    return str(dt).rsplit(".", 1)[-1]


def _as_bytes(t: torch.Tensor) -> np.ndarray:
    """The bytes of a C-contiguous CPU tensor as a flat uint8 array (no copy)."""
    return t.reshape(-1).view(torch.uint8).numpy()


def _default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _split_url(path: str) -> Tuple[str, str]:
    path = os.fspath(path)
    if "://" in path:
        scheme, rest = path.split("://", 1)
        return scheme + "://", rest
    return "", path


def _relative_reference(path: str, reference: str) -> str:
    """How a checkpoint records its reference: relative to itself when both live on the same
    file system (a directory of checkpoints can be moved or copied whole), else absolute."""
    s1, p1 = _split_url(path)
    s2, p2 = _split_url(reference)
    if s1 != s2:
        return os.fspath(reference)
    if not s1:
        return os.path.relpath(os.path.abspath(p2), os.path.abspath(p1))
    if p1.split("/", 1)[0] != p2.split("/", 1)[0]:  # another bucket
        return os.fspath(reference)
    return posixpath.relpath(p2, p1)


def _resolve_reference(path: str, recorded: str) -> str:
    s, p = _split_url(path)
    rs, _ = _split_url(recorded)
    if rs or os.path.isabs(recorded):
        return recorded
    if not s:
        return os.path.normpath(os.path.join(p, recorded))
    return s + posixpath.normpath(posixpath.join(p, recorded))


def _fs_for(path: str, storage_options: Optional[Dict[str, Any]] = None):
    from fsspec.core import url_to_fs

    fs, _ = url_to_fs(os.fspath(path), **(storage_options or {}))
    return fs


def _join(path: str, name: str) -> str:
    return posixpath.join(os.fspath(path), name) if "://" in os.fspath(path) else os.path.join(path, name)


def _key(index: Any) -> Tuple[str, Tuple[int, ...]]:
    return (index.fqn, tuple(int(o) for o in (index.offset or ())))


def _check_info(index: Any, info: Any) -> Dict[str, Any]:
    if not isinstance(info, dict) or "z4ai_dcp" not in info:
        raise CorruptError(-4, "Z4AI_E_CORRUPT",
                           f"item {index.fqn!r} was not written by z4ai.dcp.Z4Writer "
                           f"(storage data {type(info).__name__}); load it with DCP's FileSystemReader")
    if int(info["z4ai_dcp"]) > LAYOUT_VERSION:
        raise Error(-6, "Z4AI_E_VERSION_UNSUPPORTED",
                    f"item {index.fqn!r} has z4ai DCP layout {info['z4ai_dcp']}; this z4ai reads up to "
                    f"{LAYOUT_VERSION}")
    # the data file is a plain name inside the checkpoint, never a path that leaves it
    name = info.get("file")
    if not isinstance(name, str) or not _DATA_NAME.match(name):
        raise CorruptError(-4, "Z4AI_E_CORRUPT", f"item {index.fqn!r}: bad data file name {name!r}")
    for k in ("offset", "length", "nbytes"):
        if not isinstance(info.get(k), int) or info[k] < 0:
            raise CorruptError(-4, "Z4AI_E_CORRUPT", f"item {index.fqn!r}: bad {k} {info.get(k)!r}")
    return info


def _check_frame(frame: bytes, info: Dict[str, Any], path: str, fqn: str) -> None:
    """The frame must hold exactly what the metadata says (before anything is allocated for it)."""
    try:
        size = frame_info(frame).content_size
    except Error as e:
        raise type(e)(e.status, e.name, f"{path!r} item {fqn!r}: {e.detail}") from None
    want = int(info["nbytes"])
    if info.get("kind") == "tensor":
        n = 1
        for d in info.get("shape", ()):
            n *= int(d)
        if n * torch._utils._element_size(_torch_dtype(info["dtype"])) != want:
            raise CorruptError(-4, "Z4AI_E_CORRUPT", f"{path!r} item {fqn!r}: shape and dtype disagree with nbytes")
    if size is not None and size != want:
        raise CorruptError(-4, "Z4AI_E_CORRUPT",
                           f"{path!r} item {fqn!r}: the frame holds {size} bytes, the metadata says {want}")


class _Checkpoint:
    """A saved checkpoint opened for decoding whole items (references of deltas)."""

    def __init__(self, path: str, storage_options: Optional[Dict[str, Any]] = None,
                 metadata: Optional[Metadata] = None, fs: Any = None) -> None:
        self.path = os.fspath(path)
        self.storage_options = storage_options
        self.fs = fs if fs is not None else _fs_for(self.path, storage_options)
        if metadata is None:
            md_path = _join(self.path, _METADATA)
            try:
                with self.fs.open(md_path, "rb") as f:
                    metadata = pickle.load(f)
            except FileNotFoundError:
                raise ReferenceMissingError(
                    -14, "Z4AI_E_REFERENCE_MISSING",
                    f"checkpoint {self.path!r} has no {_METADATA} (missing, or its save never finished)") from None
        self.metadata = metadata
        self.items: Dict[Tuple[str, Tuple[int, ...]], Dict[str, Any]] = {}
        for index, info in (metadata.storage_data or {}).items():
            self.items[_key(index)] = _check_info(index, info)
        self.save_id = getattr(metadata.storage_meta, "save_id", None) if metadata.storage_meta else None
        self._refs: Dict[str, "_Checkpoint"] = {}
        self._lock = threading.Lock()

    def references(self) -> List[str]:
        """Resolved paths of the checkpoints this one's delta items depend on."""
        seen: Dict[str, None] = {}
        for info in self.items.values():
            if info.get("ref") is not None:
                seen.setdefault(_resolve_reference(self.path, info["ref"]), None)
        return list(seen)

    def depth(self) -> int:
        return max((int(i.get("depth", 0)) for i in self.items.values()), default=0)

    def reference_of(self, info: Dict[str, Any], override: Optional[str] = None) -> "_Checkpoint":
        path = override if override is not None else _resolve_reference(self.path, info["ref"])
        with self._lock:
            ck = self._refs.get(path)
            if ck is None:
                try:
                    ck = _Checkpoint(path, self.storage_options)
                except ReferenceMissingError as e:
                    raise ReferenceMissingError(
                        -14, "Z4AI_E_REFERENCE_MISSING",
                        f"checkpoint {self.path!r} is a delta against {path!r}, which cannot be opened: "
                        f"{e.detail}. Restore it or pass reference= with its new location") from None
                want = info.get("ref_save_id")
                if want is not None and ck.save_id is not None and want != ck.save_id:
                    raise ReferenceMismatchError(
                        -13, "Z4AI_E_REFERENCE_MISMATCH",
                        f"checkpoint {self.path!r} is a delta against save {want} at {path!r}, but that path now "
                        f"holds save {ck.save_id} (overwritten?); pass reference= with the original checkpoint")
                self._refs[path] = ck
        return ck

    def read_frame(self, info: Dict[str, Any], stream: Any = None) -> bytes:
        if stream is not None:
            stream.seek(int(info["offset"]))
            data = stream.read(int(info["length"]))
        else:
            with self.fs.open(_join(self.path, info["file"]), "rb") as f:
                f.seek(int(info["offset"]))
                data = f.read(int(info["length"]))
        if len(data) != int(info["length"]):
            raise CorruptError(-4, "Z4AI_E_CORRUPT",
                               f"{_join(self.path, info['file'])}: item at offset {info['offset']} is truncated "
                               f"({len(data)} of {info['length']} bytes)")
        return data

    def decode_item(self, key: Tuple[str, Tuple[int, ...]], reference: Optional[str] = None,
                    threads: int = 1) -> bytes:
        """The whole content of one item (following its delta chain)."""
        info = self.items.get(key)
        if info is None:
            raise ReferenceMismatchError(-13, "Z4AI_E_REFERENCE_MISMATCH",
                                         f"checkpoint {self.path!r} has no item {key[0]!r} at offsets {key[1]}")
        frame = self.read_frame(info)
        _check_frame(frame, info, self.path, key[0])
        ref = None
        if info.get("ref") is not None:
            ref = self.reference_of(info, reference).decode_item(key, threads=threads)
        out = bytearray(int(info["nbytes"]))
        _decode(frame, out, 0, len(out), ref, self.path, key[0], threads)
        return bytes(out)


def _decode(frame: bytes, out: Any, offset: int, length: int, ref: Optional[bytes], path: str, fqn: str,
            threads: int) -> None:
    try:
        if offset == 0 and length == len(out) and length == frame_info(frame).content_size:
            written = decompress_into(frame, out, threads=threads, reference=ref)
        else:
            decompress_range(frame, offset, length, out=out, threads=threads, reference=ref)
            written = length
    except ReferenceMismatchError as e:
        raise ReferenceMismatchError(e.status, e.name,
                                     f"{path!r} item {fqn!r}: the reference checkpoint's item is not the one this "
                                     f"delta was made against ({e.detail})") from None
    except Error as e:
        raise type(e)(e.status, e.name, f"{path!r} item {fqn!r}: {e.detail}") from None
    if written != length:
        raise CorruptError(-4, "Z4AI_E_CORRUPT", f"{path!r} item {fqn!r}: decoded {written} bytes, expected {length}")


class Z4Writer(FsspecWriter):
    """DCP storage writer: one file per rank of z4ai frames, optionally delta-coded.

    Args:
        path: checkpoint directory (local path or fsspec URL such as ``s3://bucket/ckpt/step-100``).
        reference: a previous checkpoint written by Z4Writer; items of the same FQN and chunk
            offsets (and the same dtype and shape) are stored as deltas against it.
        max_chain_depth: longest chain of deltas a checkpoint may end (default 1: a delta
            is always against a keyframe, so with ``reference=`` the previous checkpoint each
            time, every second checkpoint is a keyframe). 0 disables deltas.
        effort: ``"fast"``, ``"default"`` or ``"max"``.
        threads: compression threads per rank (they overlap with the file writes); None =
            min(4, cores).
        chunk_size: z4ai chunk size (0 = the effort tier's; smaller chunks make reshard reads
            decode less).
        sync_files: fsync data and metadata (local files).
        storage_options: passed to fsspec (e.g. ``{"client_kwargs": {"endpoint_url": ...}}``).
    """

    def __init__(self, path: str | os.PathLike, *, reference: Optional[str | os.PathLike] = None,
                 max_chain_depth: int = 1, effort: str = "default", threads: Optional[int] = None,
                 chunk_size: int = 0, sync_files: bool = True, overwrite: bool = True,
                 storage_options: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(os.fspath(path), sync_files=sync_files, overwrite=overwrite, **(storage_options or {}))
        self.reference = None if reference is None else os.fspath(reference)
        if max_chain_depth < 0:
            raise ValueError("max_chain_depth must be >= 0")
        self.max_chain_depth = int(max_chain_depth)
        self.effort = effort
        self.compress_threads = _default_threads() if threads is None else max(1, int(threads))
        self.chunk_size = int(chunk_size)
        self.storage_options = dict(storage_options or {})
        self._token = uuid.uuid4().hex[:12]

    def reset(self, checkpoint_id: str | os.PathLike | None = None) -> None:
        super().reset(checkpoint_id)
        self._token = uuid.uuid4().hex[:12]

    def _same_place(self, a: str, b: str) -> bool:
        sa, pa = _split_url(a)
        sb, pb = _split_url(b)
        if sa != sb:
            return False
        if not sa:
            return os.path.realpath(pa) == os.path.realpath(pb)
        return posixpath.normpath(pa) == posixpath.normpath(pb)

    def prepare_local_plan(self, plan: SavePlan) -> SavePlan:
        if self.reference is not None:
            if self._same_place(self.path, self.reference):
                raise ValueError(f"reference {self.reference!r} is the checkpoint being written: a delta cannot "
                                 "overwrite its own reference")
            _Checkpoint(self.reference, self.storage_options)  # a missing reference fails here, on every rank
        return super().prepare_local_plan(plan)

    def write_data(self, plan: SavePlan, planner: SavePlanner) -> Future[List[WriteResult]]:
        prefix = plan.storage_data.prefix
        file_name = f"{prefix}{self._token}{_DATA_SUFFIX}"
        ref = _Checkpoint(self.reference, self.storage_options) if self.reference is not None else None
        ref_recorded = _relative_reference(self.path, self.reference) if ref is not None else None
        results: List[WriteResult] = []
        path = self.fs.concat_path(self.path, file_name)
        pool = ThreadPoolExecutor(self.compress_threads, thread_name_prefix="z4ai-dcp")
        # Compression runs on the pool while this thread writes finished frames in order;
        # the bound keeps at most ~2x threads items in memory.
        pending: "queue.Queue" = queue.Queue()
        try:
            with self.fs.create_stream(path, "wb") as stream:
                offset = 0

                def drain(limit: int) -> None:
                    nonlocal offset
                    while pending.qsize() > limit:
                        item, fut = pending.get()
                        frame, info = fut.result()
                        stream.write(frame)
                        info.update(file=file_name, offset=offset, length=len(frame))
                        offset += len(frame)
                        results.append(WriteResult(index=item.index, size_in_bytes=len(frame), storage_data=info))

                # tensors largest first so the pool stays busy; byte items are small
                items = sorted(plan.items, key=lambda wi: -_item_nbytes(wi))
                for item in items:
                    data = planner.resolve_data(item)
                    pending.put((item, pool.submit(self._encode_item, item, data, ref, ref_recorded)))
                    drain(2 * self.compress_threads)
                drain(0)
                if self.sync_files:
                    stream.flush()
                    try:
                        os.fsync(stream.fileno())
                    except (AttributeError, OSError, io.UnsupportedOperation):
                        pass  # object stores: the object exists once the stream closes
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        fut: Future[List[WriteResult]] = Future()
        fut.set_result(results)
        return fut

    def _encode_item(self, item: WriteItem, data: Any, ref: Optional[_Checkpoint],
                     ref_recorded: Optional[str]) -> Tuple[bytes, Dict[str, Any]]:
        info: Dict[str, Any] = {"z4ai_dcp": LAYOUT_VERSION}
        if item.type == WriteItemType.BYTE_IO:
            raw = data.getbuffer() if isinstance(data, io.BytesIO) else memoryview(bytes(data))
            info.update(kind="bytes", nbytes=len(raw), depth=0)
            return compress(raw, effort=self.effort, threads=1, chunk_size=self.chunk_size), info
        t = data.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        t = t.contiguous()
        dtype = _dtype_str(t.dtype)
        shape = [int(s) for s in t.shape]
        info.update(kind="tensor", dtype=dtype, shape=shape, nbytes=t.numel() * t.element_size(), depth=0)
        z4dtype = _Z4_DTYPE.get(t.dtype, "raw")
        raw = _as_bytes(t)
        rec_shape = shape if (z4dtype != "raw" and 0 < len(shape) <= 8) else None
        kw = dict(dtype=z4dtype, effort=self.effort, threads=1, chunk_size=self.chunk_size, shape=rec_shape)
        if ref is not None:
            key = _key(item.index)
            rinfo = ref.items.get(key)
            if (rinfo is not None and rinfo.get("kind") == "tensor" and rinfo.get("dtype") == dtype
                    and list(rinfo.get("shape", ())) == shape and int(rinfo.get("depth", 0)) < self.max_chain_depth):
                base = ref.decode_item(key)
                info.update(ref=ref_recorded, ref_save_id=ref.save_id, depth=int(rinfo.get("depth", 0)) + 1)
                return compress_delta(raw, base, **kw), info
        return compress(raw, **kw), info

    def finish(self, metadata: Metadata, results: List[List[WriteResult]]) -> None:
        metadata.version = CURRENT_DCP_VERSION
        storage_md: Dict[Any, Any] = {}
        for wr_list in results:
            storage_md.update({wr.index: wr.storage_data for wr in wr_list})
        metadata.storage_data = storage_md
        metadata.storage_meta = self.storage_meta()
        payload = pickle.dumps(metadata)
        md_path = os.fspath(self.fs.concat_path(self.path, _METADATA))
        _, local = _split_url(md_path)
        if "://" not in md_path or md_path.startswith("file://"):
            # Local: a unique temporary file, fsynced, renamed over the old metadata (atomic).
            from ._files import write_atomic

            write_atomic(os.fspath(local), payload, fsync=self.sync_files)
        else:
            # Object stores: one PUT is atomic; the old object stays until it succeeds.
            with self.fs.create_stream(md_path, "wb") as f:
                f.write(payload)
        self._remove_stale_files({info["file"] for info in storage_md.values()})

    def _remove_stale_files(self, keep: Iterable[str]) -> None:
        """Data files of earlier (or interrupted) saves into this directory, now unreferenced."""
        keep = set(keep)
        try:
            if hasattr(self.fs.fs, "invalidate_cache"):
                self.fs.fs.invalidate_cache(os.fspath(self.path))  # object stores cache listings
            names = [posixpath.basename(os.fspath(p).rstrip("/")) for p in self.fs.ls(self.path)]
        except (OSError, NotImplementedError):
            return
        for name in names:
            if name.startswith("__") and name.endswith(_DATA_SUFFIX) and name not in keep:
                try:
                    # one DeleteObject per file (not fsspec rm's bulk DeleteObjects, which some
                    # S3 implementations lack)
                    self.fs.fs.rm_file(os.fspath(self.fs.concat_path(self.path, name)))
                except OSError:
                    pass


def _item_nbytes(wi: WriteItem) -> int:
    if wi.tensor_data is None:
        return 0
    n = 1
    for s in wi.tensor_data.size:
        n *= int(s)
    return n * torch._utils._element_size(wi.tensor_data.properties.dtype)


def _runs(shape: Sequence[int], offsets: Sequence[int], lengths: Sequence[int]) -> Tuple[int, List[int]]:
    """A box of a row-major array as contiguous element runs: (run length, run starts)."""
    nd = len(shape)
    k = nd - 1
    while k > 0 and offsets[k] == 0 and lengths[k] == shape[k]:
        k -= 1
    inner = 1
    for s in shape[k + 1:]:
        inner *= int(s)
    run = int(lengths[k]) * inner if nd else 1
    strides = [1] * nd
    for d in range(nd - 2, -1, -1):
        strides[d] = strides[d + 1] * int(shape[d + 1])
    starts = [int(offsets[k]) * strides[k] if nd else 0]
    for d in range(k - 1, -1, -1):
        starts = [s + (int(offsets[d]) + i) * strides[d] for i in range(int(lengths[d])) for s in starts]
    return run, sorted(starts)


class Z4Reader(FsspecReader):
    """DCP storage reader of checkpoints written by :class:`Z4Writer`.

    Args:
        path: checkpoint directory or fsspec URL.
        reference: where the reference checkpoint of a delta now lives, if it moved (the
            recorded, relative location is used otherwise). Frames verify the reference's digest.
        threads: decoding threads per rank (None = min(4, cores)).
        storage_options: passed to fsspec.
    """

    def __init__(self, path: str | os.PathLike, *, reference: Optional[str | os.PathLike] = None,
                 threads: Optional[int] = None, storage_options: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(os.fspath(path), **(storage_options or {}))
        self.reference = None if reference is None else os.fspath(reference)
        self.decode_threads = _default_threads() if threads is None else max(1, int(threads))
        self.storage_options = dict(storage_options or {})
        self._ckpt: Optional[_Checkpoint] = None
        #: content bytes the last read_data decoded from this checkpoint's items (a reshard decodes
        #: only the ranges it needs) and from reference items of deltas (whole: the digest covers them)
        self.decoded_bytes = 0
        self.reference_bytes = 0

    def set_up_storage_reader(self, metadata: Metadata, is_coordinator: bool, *args: Any, **kwargs: Any) -> None:
        super().set_up_storage_reader(metadata, is_coordinator, *args, **kwargs)
        self._ckpt = _Checkpoint(self.path, self.storage_options, metadata=metadata, fs=self.fs.fs)

    def read_data(self, plan: LoadPlan, planner: LoadPlanner) -> Future[None]:
        ck = self._ckpt
        assert ck is not None, "set_up_storage_reader was not called"
        per_file: Dict[str, List[Any]] = {}
        for req in plan.items:
            info = _check_info(req.storage_index, self.storage_data[req.storage_index])
            per_file.setdefault(info["file"], []).append((req, info))
        ref_cache: Dict[Tuple[str, Tuple[int, ...]], bytes] = {}
        ref_users: Dict[Tuple[str, Tuple[int, ...]], int] = {}  # requests still to use each cached reference
        for req in plan.items:
            if self.storage_data[req.storage_index].get("ref") is not None:
                k = _key(req.storage_index)
                ref_users[k] = ref_users.get(k, 0) + 1
        ref_lock = threading.Lock()
        decoded = [0]
        decoded_ref = [0]
        stat_lock = threading.Lock()

        def count(n: int) -> None:
            with stat_lock:
                decoded[0] += n

        def reference_bytes(key: Tuple[str, Tuple[int, ...]], info: Dict[str, Any]) -> bytes:
            # A delta item decodes against its reference item's whole content (the digest covers
            # all of it); several requests of one item share it.
            with ref_lock:
                b = ref_cache.get(key)
                if b is None:
                    b = ck.reference_of(info, self.reference).decode_item(key, threads=1)
                    ref_cache[key] = b
                    decoded_ref[0] += len(b)
                return b

        def release_reference(key: Tuple[str, Tuple[int, ...]]) -> None:
            with ref_lock:
                ref_users[key] -= 1
                if ref_users[key] == 0:
                    ref_cache.pop(key, None)

        def decode_tensor(req: Any, info: Dict[str, Any], frame: bytes, target: torch.Tensor) -> None:
            dtype = _torch_dtype(info["dtype"])
            shape = [int(s) for s in info["shape"]]
            if target.dtype != dtype:
                raise CorruptError(-4, "Z4AI_E_CORRUPT",
                                   f"item {req.storage_index.fqn!r} holds {dtype}, the target is {target.dtype}")
            width = torch._utils._element_size(dtype)
            key = _key(req.storage_index)
            if info.get("ref") is None:
                decode_range(req, info, frame, target, dtype, shape, width, key, None)
                return
            try:
                decode_range(req, info, frame, target, dtype, shape, width, key, reference_bytes(key, info))
            finally:
                release_reference(key)

        def decode_range(req: Any, info: Dict[str, Any], frame: bytes, target: torch.Tensor, dtype: torch.dtype,
                         shape: List[int], width: int, key: Tuple[str, Tuple[int, ...]], ref: Optional[bytes]) -> None:
            offsets = [int(o) for o in req.storage_offsets]
            lengths = [int(n) for n in req.lengths]
            if len(offsets) != len(shape) or any(o + n > s for o, n, s in zip(offsets, lengths, shape)):
                raise CorruptError(-4, "Z4AI_E_CORRUPT",
                                   f"item {req.storage_index.fqn!r}: request {offsets}+{lengths} outside {shape}")
            run, starts = _runs(shape, offsets, lengths)
            if target.numel() == 0:
                return
            contiguous_target = target.is_contiguous()
            if len(starts) == 1 and contiguous_target:
                _decode(frame, _as_bytes(target), starts[0] * width, run * width, ref, ck.path, key[0], 1)
                count(run * width)
                return
            tmp = torch.empty(lengths, dtype=dtype)
            flat = _as_bytes(tmp)
            if len(starts) <= 64:
                for i, s in enumerate(starts):
                    _decode(frame, flat[i * run * width:(i + 1) * run * width], s * width, run * width, ref,
                            ck.path, key[0], 1)
                count(len(starts) * run * width)
            else:  # many short runs: decode the span that covers them, then narrow
                lo, hi = starts[0], starts[-1] + run
                span = torch.empty(hi - lo, dtype=dtype)
                _decode(frame, _as_bytes(span), lo * width, (hi - lo) * width, ref, ck.path, key[0], 1)
                count((hi - lo) * width)
                idx = torch.tensor([s - lo for s in starts], dtype=torch.int64)
                gather = idx[:, None] + torch.arange(run, dtype=torch.int64)[None, :]
                tmp.view(-1).copy_(span[gather.reshape(-1)])
            target.copy_(tmp)

        pool = ThreadPoolExecutor(self.decode_threads, thread_name_prefix="z4ai-dcp")
        try:
            tensor_jobs = []
            for rel, reqs in per_file.items():
                reqs.sort(key=lambda r: int(r[1]["offset"]))
                with self.fs.create_stream(self.fs.concat_path(self.path, rel), "rb") as stream:
                    for req, info in reqs:
                        frame = ck.read_frame(info, stream)
                        _check_frame(frame, info, ck.path, req.storage_index.fqn)
                        if req.type == LoadItemType.BYTE_IO:
                            if info.get("kind") != "bytes":
                                raise CorruptError(-4, "Z4AI_E_CORRUPT",
                                                   f"item {req.storage_index.fqn!r} is not a byte item")
                            out = bytearray(int(info["nbytes"]))
                            _decode(frame, out, 0, len(out), None, ck.path, req.storage_index.fqn, 1)
                            count(len(out))
                            planner.load_bytes(req, io.BytesIO(bytes(out)))
                            continue
                        if info.get("kind") != "tensor":
                            raise CorruptError(-4, "Z4AI_E_CORRUPT",
                                               f"item {req.storage_index.fqn!r} is not a tensor item")
                        target = planner.resolve_tensor(req).detach()
                        if list(target.shape) != [int(n) for n in req.lengths]:
                            raise CorruptError(-4, "Z4AI_E_CORRUPT",
                                               f"req {req.storage_index} size {list(req.lengths)} vs target "
                                               f"{list(target.shape)}")
                        tensor_jobs.append((req, target, pool.submit(decode_tensor, req, info, frame, target)))
                        if len(tensor_jobs) > 4 * self.decode_threads:
                            self._commit(planner, tensor_jobs.pop(0))
            for job in tensor_jobs:
                self._commit(planner, job)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        self.decoded_bytes = decoded[0]
        self.reference_bytes = decoded_ref[0]
        fut: Future = Future()
        fut.set_result(None)
        return fut

    @staticmethod
    def _commit(planner: LoadPlanner, job: Tuple[Any, torch.Tensor, Any]) -> None:
        req, target, fut = job
        fut.result()
        planner.commit_tensor(req, target)


# ---- checkpoint collections: dependencies and a safe prune ---------------------------------------


def item_infos(path: str | os.PathLike, storage_options: Optional[Dict[str, Any]] = None) -> Dict[Tuple[str, Tuple[int, ...]], Dict[str, Any]]:
    """The per-item storage records of a checkpoint: ``{(fqn, offsets): dict}``."""
    return dict(_Checkpoint(os.fspath(path), storage_options).items)


def dependencies(path: str | os.PathLike, storage_options: Optional[Dict[str, Any]] = None) -> List[str]:
    """Every checkpoint ``path`` needs to load (its references, theirs, ...), nearest first."""
    out: List[str] = []
    todo = [os.fspath(path)]
    while todo:
        ck = _Checkpoint(todo.pop(0), storage_options)
        for r in ck.references():
            if r not in out:
                out.append(r)
                todo.append(r)
    return out


def chain_depth(path: str | os.PathLike, storage_options: Optional[Dict[str, Any]] = None) -> int:
    """Longest delta chain among the checkpoint's items (0 = a keyframe)."""
    return _Checkpoint(os.fspath(path), storage_options).depth()


def _canon(p: str) -> str:
    s, rest = _split_url(p)
    return s + posixpath.normpath(rest) if s else os.path.realpath(rest)


def prune(checkpoints: Sequence[str | os.PathLike], keep: Sequence[str | os.PathLike], *, dry_run: bool = False,
          storage_options: Optional[Dict[str, Any]] = None) -> List[str]:
    """Deletes the checkpoints of ``checkpoints`` that neither are in ``keep`` nor are needed
    (directly or through a chain) by one that is; returns the deleted ones.

    Only files a Z4Writer writes (``.metadata`` and ``__*.z4dcp``) are removed, then the
    directory if it is empty. A kept checkpoint whose dependency cannot be opened raises
    before anything is deleted.
    """
    keep_c = {_canon(os.fspath(k)) for k in keep}
    needed = set(keep_c)
    for k in keep:
        for d in dependencies(k, storage_options):
            needed.add(_canon(d))
    doomed = [os.fspath(c) for c in checkpoints if _canon(os.fspath(c)) not in needed]
    if dry_run:
        return doomed
    for c in doomed:
        fs = _fs_for(c, storage_options)
        names = [posixpath.basename(os.fspath(p).rstrip("/")) for p in fs.ls(c, detail=False)]
        # metadata first: a half-pruned directory is an unloadable checkpoint, never a wrong one
        for name in sorted(names, key=lambda n: n != _METADATA):
            if name == _METADATA or (name.startswith("__") and name.endswith(_DATA_SUFFIX)):
                fs.rm_file(_join(c, name))
        try:
            if not fs.ls(c, detail=False):
                fs.rmdir(c)
        except (OSError, NotImplementedError):
            pass
    return doomed
