"""The family store: push / pull / open / ls / info / rm / gc / verify (docs/STORE.md).

>>> import os, tempfile, numpy as np, z4ai.safetensors as zs
>>> from z4ai.store import Store
>>> d = tempfile.mkdtemp(); src = os.path.join(d, "m"); os.mkdir(src)
>>> w = (np.random.default_rng(0).standard_normal((512, 512)) * 0.02).astype(np.float32)
>>> with open(os.path.join(src, "model.safetensors"), "wb") as f:
...     _ = f.write(zs.serialize_numpy({"w": w, "b": np.zeros(512, np.float32)}))
>>> s = Store(os.path.join(d, "store"))
>>> _ = s.push("demo@v1", src)
>>> w2 = w.copy(); w2[::7] += np.float32(1e-4)                 # a fine-tune
>>> with open(os.path.join(src, "model.safetensors"), "wb") as f:
...     _ = f.write(zs.serialize_numpy({"w": w2, "b": np.zeros(512, np.float32)}))
>>> r = s.push("demo@v2", src)
>>> r.delta_tensors, r.reused_tensors                           # w against v1's w, b reused
(1, 1)
>>> with s.open("demo@v2") as m:
...     bool((m.read_numpy("w") == w2).all())
True
>>> s.pull("demo@v2", os.path.join(d, "out"))["files"]
1
"""
from __future__ import annotations

import base64
import hashlib
import json
import mmap
import os
import secrets
import stat
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from . import layout as L
from .backends import Backend, open_backend
from .errors import StoreError

__all__ = ["Store", "PushResult", "StoreReader", "Index", "encode_file", "DEFAULT_GRACE", "DEFAULT_LEASE_TTL"]

DEFAULT_GRACE = 3600.0
DEFAULT_LEASE_TTL = 6 * 3600.0
#: a delta is chosen without also trying the standalone frame when the sketch score is at
#: least this (MiniLM run: consecutive fp32 checkpoints score 12-20 bits, unrelated ~1-3)
SURE_SCORE = 10.0
#: candidates below this score are not tried at all
MIN_SCORE = 3.0
#: a delta must beat the standalone frame by this factor to be kept
DELTA_GAIN = 0.9


# ---- the tensor index (what a push may reuse) -------------------------------------------------
class Index:
    """digest -> how a tensor is stored, standalone candidates per (dtype, element count), and
    whole files by digest. Built from manifests; plain data, so it pickles to Dask workers."""

    def __init__(self) -> None:
        self.tensors: Dict[str, Dict[str, Any]] = {}   # digest -> {"loc", "base"?}
        self.cands: Dict[Tuple[str, int], Dict[str, Tuple[str, bytes]]] = {}  # -> {digest: (name, sketch)}
        self.files: Dict[str, Dict[str, Any]] = {}     # file digest -> manifest file entry
        self.manifests: List[str] = []

    def add_manifest(self, digest: str, doc: Dict[str, Any], excluded: Set[str] = frozenset()) -> None:
        self.manifests.append(digest)
        for f in doc["files"]:
            self.add_file(f, excluded)

    def add_file(self, f: Dict[str, Any], excluded: Set[str] = frozenset()) -> None:
        keys = _file_keys(f)
        if keys & excluded:
            # something it uses is condemned: reuse only the tensors that are not
            for t in f.get("tensors", ()):
                if not (_tensor_keys(t) & excluded):
                    self.add_tensor(t)
            return
        entry = {k: v for k, v in f.items() if k != "path"}
        self.files.setdefault(f["sha256"], entry)
        for t in f.get("tensors", ()):
            self.add_tensor(t)

    def add_tensor(self, t: Dict[str, Any]) -> None:
        if t["end"] == t["begin"]:
            return
        d = t["sha256"]
        cur = self.tensors.get(d)
        if cur is None or (cur.get("base") and not t.get("base")):
            self.tensors[d] = {"loc": t["loc"], **({"base": t["base"]} if t.get("base") else {})}
        if t.get("base"):
            return
        dt = t["dtype"]
        w = L.ST_DTYPES.get(dt, (None, 0))[1]
        if not w:
            return
        nelem = (t["end"] - t["begin"]) // w
        sk = L.decode_sketch(t.get("sketch"))
        if len(sk) == min(nelem, L.SKETCH_WORDS) * w:
            self.cands.setdefault((dt, nelem), {})[d] = (t["name"], sk)

    def restricted(self, digests: Set[str]) -> "Index":
        """The same index with candidates limited to ``digests`` (a named base)."""
        out = Index()
        out.tensors, out.files, out.manifests = self.tensors, self.files, self.manifests
        for k, v in self.cands.items():
            sub = {d: x for d, x in v.items() if d in digests}
            if sub:
                out.cands[k] = sub
        return out


def _tensor_keys(t: Dict[str, Any]) -> Set[str]:
    out = set()
    if t.get("loc"):
        out.add(t["loc"]["key"])
    if t.get("base"):
        out.add(t["base"]["loc"]["key"])
    return out


def _file_keys(f: Dict[str, Any]) -> Set[str]:
    if f["kind"] == "blob":
        return {f["loc"]["key"]} if f.get("loc") else set()
    out: Set[str] = set()
    for t in f["tensors"]:
        out |= _tensor_keys(t)
    return out


def manifest_keys(doc: Dict[str, Any]) -> Set[str]:
    out: Set[str] = set()
    for f in doc["files"]:
        out |= _file_keys(f)
    return out


# ---- encoding one file (shared by push and the Dask tasks) ------------------------------------
@dataclass
class EncodeParams:
    effort: str = "default"
    threads: int = 0
    base: str = "auto"           # "auto" | "none" | "named" (the index is already restricted)
    pack_threshold: int = L.PACK_THRESHOLD


@dataclass
class FileStats:
    tensors: int = 0
    reused_tensors: int = 0
    delta_tensors: int = 0
    new_tensors: int = 0
    reused_files: int = 0
    bytes_in: int = 0
    bytes_written: int = 0
    written: List[str] = field(default_factory=list)

    def add(self, o: "FileStats") -> None:
        for k in ("tensors", "reused_tensors", "delta_tensors", "new_tensors", "reused_files", "bytes_in",
                  "bytes_written"):
            setattr(self, k, getattr(self, k) + getattr(o, k))
        self.written += o.written


def parse_safetensors(data: Any) -> Optional[Tuple[bytes, List[Dict[str, Any]]]]:
    """(header bytes, tensors sorted by offset) if ``data`` is a safetensors file whose tensors
    tile the data section exactly; None otherwise (the file is then stored as a blob)."""
    n = len(data)
    if n < 8:
        return None
    hlen = int.from_bytes(data[:8], "little")
    if hlen < 2 or hlen > min(L.MAX_HEADER, n - 8):
        return None
    try:
        hdr = json.loads(bytes(data[8:8 + hlen]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(hdr, dict):
        return None
    tensors = []
    for name, v in hdr.items():
        if name == "__metadata__":
            continue
        if not isinstance(v, dict) or not isinstance(v.get("dtype"), str):
            return None
        offs, shape = v.get("data_offsets"), v.get("shape")
        if not (isinstance(offs, list) and len(offs) == 2 and all(isinstance(o, int) and not isinstance(o, bool)
                                                                     for o in offs)):
            return None
        if not (isinstance(shape, list) and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                                                for s in shape)):
            return None
        b, e = offs
        if not 0 <= b <= e:
            return None
        w = L.ST_DTYPES.get(v["dtype"], (None, 0))[1]
        if w:
            nel = 1
            for s in shape:
                nel *= s
            if nel * w != e - b:
                return None
        tensors.append({"name": name, "dtype": v["dtype"], "shape": shape, "begin": b, "end": e})
    tensors.sort(key=lambda t: (t["begin"], t["end"]))
    pos = 0
    for t in tensors:
        if t["begin"] != pos:
            return None
        pos = t["end"]
    if 8 + hlen + pos != n:
        return None
    return bytes(data[:8 + hlen]), tensors


class _Writer:
    """Objects of one file: large frames as their own objects, small ones into packs."""

    def __init__(self, backend: Backend, stats: FileStats, threshold: int) -> None:
        self.backend, self.stats, self.threshold = backend, stats, threshold
        self.pending: List[Tuple[str, bytes, List[Dict[str, Any]]]] = []  # (frame key, frame, locs to fill)
        self.pending_size = 0

    def put(self, key: str, frame: bytes) -> Dict[str, Any]:
        if len(frame) >= self.threshold:
            self.backend.put(key, frame)
            self.stats.bytes_written += len(frame)
            self.stats.written.append(key)
            return L.loc(key, 0, len(frame))
        target: Dict[str, Any] = {}
        self.pending.append((key, frame, [target]))
        self.pending_size += len(frame)
        if self.pending_size >= L.PACK_MAX:
            self.flush()
        return target  # filled in by flush()

    def flush(self) -> None:
        if not self.pending:
            return
        data, entries = L.build_pack([(k, fr) for k, fr, _ in self.pending])
        key = L.pack_key(L.sha256(data))
        self.backend.put(key, data)
        self.stats.bytes_written += len(data)
        self.stats.written.append(key)
        for (_, _, targets), (_, off, n) in zip(self.pending, entries):
            for t in targets:
                t.update(L.loc(key, off, n))
        self.pending, self.pending_size = [], 0


class _FrameCache:
    """Decoded reference tensors by digest, bounded in bytes."""

    def __init__(self, limit: int = 1 << 30) -> None:
        self.limit, self.size = limit, 0
        self.items: Dict[str, bytes] = {}

    def get(self, d: str) -> Optional[bytes]:
        v = self.items.pop(d, None)
        if v is not None:
            self.items[d] = v
        return v

    def put(self, d: str, v: bytes) -> None:
        if len(v) > self.limit:
            return
        while self.items and self.size + len(v) > self.limit:
            k = next(iter(self.items))
            self.size -= len(self.items.pop(k))
        self.items[d] = v
        self.size += len(v)


def read_frame(backend: Backend, lc: Dict[str, Any]) -> bytes:
    return backend.get_range(lc["key"], lc["off"], lc["len"])


def decode_frame(frame: bytes, expect_size: int, digest: str, *, reference: Optional[bytes] = None,
                 threads: int = 0, what: str = "", check: bool = True) -> bytes:
    """Decodes a stored frame, refusing one that declares another size (no allocation a
    hostile frame picks), and checks the SHA-256 of the result."""
    import z4ai

    try:
        size = z4ai.frame_info(frame).content_size
    except Exception as e:
        raise StoreError(f"{what}: stored frame is not a z4ai frame ({e})") from None
    if size != expect_size:
        raise StoreError(f"{what}: stored frame holds {size} bytes, the manifest says {expect_size}")
    try:
        out = z4ai.decompress(frame, threads=threads, reference=reference)
    except z4ai.Error as e:
        raise StoreError(f"{what}: stored frame does not decode: {e}") from None
    if check and L.sha256(out) != digest:
        raise StoreError(f"{what}: decoded bytes do not match their SHA-256 (corrupt store)")
    return out


def _fetch_tensor(backend: Backend, d: str, info: Dict[str, Any], nbytes: int, cache: _FrameCache,
                  threads: int) -> bytes:
    got = cache.get(d)
    if got is not None:
        return got
    ref = None
    if info.get("base"):
        b = info["base"]
        ref = cache.get(b["sha256"])
        if ref is None:
            ref = decode_frame(read_frame(backend, b["loc"]), nbytes, b["sha256"], threads=threads,
                               what=f"base {b['sha256'][:12]}")
            cache.put(b["sha256"], ref)
    out = decode_frame(read_frame(backend, info["loc"]), nbytes, d, reference=ref, threads=threads,
                       what=f"tensor {d[:12]}")
    cache.put(d, out)
    return out


def _choose_base(index: Index, dtype: str, nelem: int, name: str, sketch: bytes, width: int,
                 own: str) -> Optional[Tuple[str, float]]:
    cands = index.cands.get((dtype, nelem))
    if not cands or not sketch:
        return None
    digests = [d for d in cands if d != own]
    if not digests:
        return None
    scores = L.sketch_scores(sketch, [cands[d][1] for d in digests], width)
    best = int(scores.argmax())
    # same name wins when it is within half a bit of the best (a renamed tensor still matches)
    for i, d in enumerate(digests):
        if cands[d][0] == name and scores[i] >= scores[best] - 0.5:
            best = i
            break
    if scores[best] < MIN_SCORE:
        return None
    return digests[best], float(scores[best])


def encode_tensor(raw: Any, t: Dict[str, Any], index: Index, backend: Backend, writer: _Writer,
                  params: EncodeParams, cache: _FrameCache, stats: FileStats) -> Dict[str, Any]:
    """Fills the manifest entry of tensor ``t`` (name/dtype/shape/begin/end set) from its raw
    bytes: reuse, delta against the chosen base, or a standalone frame."""
    import z4ai

    stats.tensors += 1
    d = L.sha256(raw)
    t["sha256"] = d
    zdt, width = L.ST_DTYPES.get(t["dtype"], ("raw", 0))
    nbytes = len(raw)
    if nbytes == 0:
        return t
    if width:
        t["sketch"] = base64.b64encode(L.make_sketch(raw, width)).decode()
    have = index.tensors.get(d)
    if have is not None:
        t["loc"] = have["loc"]
        if have.get("base"):
            t["base"] = have["base"]
        stats.reused_tensors += 1
        return t
    shape = t["shape"] if width else None
    kw: Dict[str, Any] = {"dtype": zdt if width else None, "shape": shape, "threads": params.threads,
                          "effort": params.effort}
    frame = None
    base = None
    choice = None
    if params.base != "none" and width:
        choice = _choose_base(index, t["dtype"], nbytes // width, t["name"], L.make_sketch(raw, width), width, d)
    if choice is not None:
        bd, score = choice
        binfo = index.tensors[bd]
        ref = _fetch_tensor(backend, bd, binfo, nbytes, cache, params.threads)
        delta = z4ai.compress_delta(raw, ref, **kw)
        if score < SURE_SCORE or len(delta) >= nbytes * DELTA_GAIN:
            alone = z4ai.compress(raw, **kw)
            if len(delta) < len(alone) * DELTA_GAIN:
                frame, base = delta, bd
            else:
                frame = alone
        else:
            frame, base = delta, bd
    if frame is None:
        frame = z4ai.compress(raw, **kw)
    if base is not None:
        t["loc"] = writer.put(L.object_key(d, base), frame)
        t["base"] = {"sha256": base, "loc": index.tensors[base]["loc"]}
        stats.delta_tensors += 1
    else:
        t["loc"] = writer.put(L.object_key(d), frame)
        stats.new_tensors += 1
        if not t["loc"]:
            cache.put(d, bytes(raw))  # packed, not written yet: a later delta in this file reads it here
    entry = dict(t)
    index.add_tensor(entry)  # later tensors of this push may reuse it or delta against it
    return t


def encode_file(backend: Backend, index: Index, rel_path: str, data: Any, params: EncodeParams,
                digest: Optional[str] = None) -> Tuple[Dict[str, Any], FileStats]:
    """One file -> (its manifest entry, what was written). Objects are written before this
    returns; nothing else (manifest, ref) is."""
    import z4ai

    stats = FileStats(bytes_in=len(data))
    fd = digest or L.sha256(data)
    have = index.files.get(fd)
    if have is not None:
        stats.reused_files += 1
        return {**have, "path": rel_path}, stats
    writer = _Writer(backend, stats, params.pack_threshold)
    cache = _FrameCache()
    entry: Dict[str, Any] = {"path": rel_path, "size": len(data), "sha256": fd}
    parsed = parse_safetensors(data) if rel_path.endswith(".safetensors") else None
    if parsed is None:
        entry["kind"] = "blob"
        if len(data):
            frame = z4ai.compress(data, threads=params.threads, effort=params.effort)
            entry["loc"] = writer.put(L.blob_key(fd), frame)
    else:
        header, tensors = parsed
        entry["kind"] = "safetensors"
        entry["header"] = base64.b64encode(header).decode()
        mv = memoryview(data)
        h = len(header)
        for t in tensors:
            encode_tensor(mv[h + t["begin"]:h + t["end"]], t, index, backend, writer, params, cache, stats)
        entry["tensors"] = tensors
    writer.flush()
    # the locators of packed frames were filled by flush(); make them plain dicts
    _plain(entry)
    index.add_file(entry)
    return entry, stats


def _plain(entry: Dict[str, Any]) -> None:
    if entry.get("loc") is not None:
        entry["loc"] = dict(entry["loc"])
    for t in entry.get("tensors", ()):
        if t.get("loc") is not None:
            t["loc"] = dict(t["loc"])
        if t.get("base"):
            t["base"] = {"sha256": t["base"]["sha256"], "loc": dict(t["base"]["loc"])}


# ---- walking a model directory ----------------------------------------------------------------
def list_model_files(root: str) -> List[Tuple[str, str]]:
    """[(relative path, absolute path)] of the regular files under ``root``; symlinks are
    followed only when they resolve inside ``root`` (a Hugging Face snapshot links into its
    blobs folder, which is checked against the cache root the snapshot sits in)."""
    root = os.path.abspath(root)
    if os.path.isfile(root):
        return [(os.path.basename(root), root)]
    if not os.path.isdir(root):
        raise StoreError(f"{root!r} is not a file or a directory")
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)))
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel.split("/")[0] in (".git", ".cache"):
                continue
            st = os.stat(full)  # follows a symlink: a HF snapshot's files are links to blobs
            if not stat.S_ISREG(st.st_mode):
                continue
            L.check_path(rel)
            out.append((rel, full))
    return out


def _read_file(path: str) -> Any:
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return b""
        return mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ)


# ---- results -------------------------------------------------------------------------------
@dataclass
class PushResult:
    ref: str
    manifest: str
    files: int
    tensors: int
    reused_files: int
    reused_tensors: int
    delta_tensors: int
    new_tensors: int
    bytes_in: int
    bytes_written: int
    seconds: float

    @property
    def ratio(self) -> float:
        return self.bytes_in / self.bytes_written if self.bytes_written else float("inf")


# ---- the store -------------------------------------------------------------------------------
class Store:
    """A family store at ``url`` (a directory, ``file://``, ``s3://bucket/prefix``).

    Args:
        url: where the store lives (or a :class:`Backend`).
        grace: gc grace period in seconds for a new store (recorded in ``z4store.json``).
        backend_options: passed to the backend (``endpoint_url=...`` for S3).
    """

    def __init__(self, url: Any, *, grace: float = DEFAULT_GRACE, lease_ttl: float = DEFAULT_LEASE_TTL,
                 **backend_options: Any) -> None:
        self.backend = open_backend(url, **backend_options)
        self.url = getattr(self.backend, "url", str(url))
        self._backend_options = backend_options
        self._new_grace, self._new_ttl = float(grace), float(lease_ttl)
        self._doc: Optional[Dict[str, Any]] = None

    # -- store document --------------------------------------------------------------------------
    def _store_doc(self, create: bool) -> Optional[Dict[str, Any]]:
        if self._doc is None:
            try:
                self._doc = L.parse_store_doc(self.backend.get("z4store.json"))
            except StoreError as e:
                if not e.missing:
                    raise
                if not create:
                    return None
                self.backend.put("z4store.json", L.store_doc(self._new_grace, self._new_ttl))
                self._doc = L.parse_store_doc(self.backend.get("z4store.json"))
        return self._doc

    def init(self) -> "Store":
        """Creates the store (its ``z4store.json``) if it does not exist yet; the first push
        does this too."""
        self._store_doc(create=True)
        return self

    def _require(self) -> Dict[str, Any]:
        doc = self._store_doc(create=False)
        if doc is None:
            raise StoreError(f"{self.url}: not a z4ai store (no z4store.json)", missing=True)
        return doc

    @property
    def grace(self) -> float:
        doc = self._store_doc(create=False)
        return float(doc["gc_grace_seconds"]) if doc else self._new_grace

    @property
    def lease_ttl(self) -> float:
        doc = self._store_doc(create=False)
        return float(doc["lease_ttl_seconds"]) if doc else self._new_ttl

    # -- refs and manifests ----------------------------------------------------------------------
    def refs(self) -> List[Tuple[str, str]]:
        """[(``name@rev``, manifest digest)] of every ref, sorted."""
        out = []
        for o in self.backend.list("refs/"):
            try:
                doc = L.parse_ref_doc(self.backend.get(o.key), o.key)
            except StoreError as e:
                if e.missing:
                    continue  # removed while listing
                raise
            out.append((f"{doc['name']}@{doc['rev']}", doc["manifest"]))
        return sorted(out)

    def resolve(self, ref: str) -> str:
        name, rev = L.parse_ref(ref)
        key = L.ref_key(name, rev)
        try:
            data = self.backend.get(key)
        except StoreError as e:
            if e.missing:
                raise StoreError(f"no revision {name}@{rev} in {self.url}", missing=True) from None
            raise
        return L.parse_ref_doc(data, key)["manifest"]

    def manifest(self, digest: str) -> Dict[str, Any]:
        L.check_hex(digest, "manifest")
        return L.parse_manifest(self.backend.get(L.manifest_key(digest)), digest)

    # -- push ------------------------------------------------------------------------------------
    def _condemned(self) -> Set[str]:
        out: Set[str] = set()
        for o in self.backend.list("gc/"):
            try:
                out |= set(L.parse_condemned(self.backend.get(o.key), o.key)["objects"])
            except StoreError as e:
                if not e.missing:
                    raise
        return out

    def begin_push(self) -> Tuple[Index, str, float]:
        """Snapshot of what may be reused + a lease protecting it: (index, lease key, start).
        Starts over if the lease took longer than grace/2 to write (docs/STORE.md, gc)."""
        self._store_doc(create=True)
        grace = self.grace
        for _ in range(5):
            t0 = time.time()
            condemned = self._condemned()
            index = Index()
            docs = []
            for _, m in self.refs():
                try:
                    docs.append((m, self.manifest(m)))
                except StoreError as e:
                    if not e.missing:
                        raise
            lease = f"leases/{uuid.uuid4().hex}.json"
            self.backend.put(lease, L.lease_doc(t0, sorted({m for m, _ in docs})))
            if time.time() - t0 <= grace / 2:
                for m, doc in docs:
                    index.add_manifest(m, doc, condemned)
                return index, lease, t0
            self.backend.delete(lease)
        raise StoreError("could not take a push lease within grace/2 five times (store too slow for its gc grace)")

    def commit(self, name: str, rev: str, files: List[Dict[str, Any]], lease: str, started: float) -> str:
        """Writes the manifest, then the ref; then drops the lease. Returns the manifest digest."""
        if time.time() - started > self.lease_ttl - max(self.grace, 1.0):
            raise StoreError(f"push of {name}@{rev} outlived its lease ({self.lease_ttl:.0f} s); nothing committed")
        files = sorted(files, key=lambda f: f["path"])
        doc = {"format": L.MANIFEST_FORMAT, "version": L.LAYOUT_VERSION, "name": name, "rev": rev, "files": files}
        data = L.dumps(doc)
        digest = L.sha256(data)
        L.parse_manifest(data, digest)  # never commit what a reader would refuse
        self.backend.put(L.manifest_key(digest), data)
        self.backend.put(L.ref_key(name, rev), L.ref_doc(name, rev, digest, time.time()))
        return digest

    def end_push(self, lease: str) -> None:
        self.backend.delete(lease)

    def _restrict_to_base(self, index: Index, base: str) -> Index:
        doc = self.manifest(self.resolve(base))
        digests: Set[str] = set()
        for f in doc["files"]:
            for t in f.get("tensors", ()):
                if t.get("base"):
                    digests.add(t["base"]["sha256"])
                else:
                    digests.add(t["sha256"])
        return index.restricted(digests)

    def push(self, ref: str, path: str, *, base: str = "auto", effort: str = "default", threads: int = 0,
             pack_threshold: int = L.PACK_THRESHOLD) -> PushResult:
        """Stores the model directory (or single file) ``path`` as ``ref`` (``NAME@REV``).

        ``base``: ``"auto"`` (the most similar tensors anywhere in the store), ``"none"``
        (dedup only) or ``"NAME@REV"`` (deltas against that revision only)."""
        t_start = time.time()
        name, rev = L.parse_ref(ref)
        files = list_model_files(path)
        index, lease, started = self.begin_push()
        try:
            mode = base
            if base not in ("auto", "none"):
                index = self._restrict_to_base(index, base)
                mode = "named"
            params = EncodeParams(effort=effort, threads=threads, base=mode, pack_threshold=pack_threshold)
            entries, total = [], FileStats()
            for rel, full in files:
                data = _read_file(full)
                try:
                    entry, st = encode_file(self.backend, index, rel, data, params)
                finally:
                    if isinstance(data, mmap.mmap):
                        data.close()
                entries.append(entry)
                total.add(st)
            digest = self.commit(name, rev, entries, lease, started)
        finally:
            self.end_push(lease)
        return PushResult(f"{name}@{rev}", digest, len(files), total.tensors, total.reused_files,
                          total.reused_tensors, total.delta_tensors, total.new_tensors, total.bytes_in,
                          total.bytes_written, time.time() - t_start)

    # -- read side -------------------------------------------------------------------------------
    def open(self, ref: str, file: Optional[str] = None, *, threads: int = 0) -> "StoreReader":
        """Lazy per-tensor reads of one revision (``names()``, ``read()``, ``read_numpy()``):
        the ref and the manifest are read here, each tensor on demand with ranged requests."""
        doc = self.manifest(self.resolve(ref))
        return StoreReader(self.backend, doc, file, threads=threads)

    def pull(self, ref: str, dest: str, *, force: bool = False, threads: int = 0) -> Dict[str, Any]:
        """Restores revision ``ref`` into directory ``dest`` byte for byte (every file's SHA-256
        checked before it is renamed into place)."""
        t0 = time.time()
        doc = self.manifest(self.resolve(ref))
        dest = os.path.abspath(dest)
        os.makedirs(dest, exist_ok=True)
        plan = []
        for f in doc["files"]:
            target = os.path.join(dest, *f["path"].split("/"))
            if os.path.lexists(target) and not force:
                raise StoreError(f"{target} exists (pass force=True / --force to replace it)")
            plan.append((f, target))
        cache = _FrameCache(512 << 20)
        nbytes = 0
        with ThreadPoolExecutor(max_workers=1) as hasher:
            for f, target in plan:
                _write_restored(self.backend, f, dest, target, cache, threads, hasher)
                nbytes += f["size"]
        return {"ref": ref, "files": len(plan), "bytes": nbytes, "seconds": time.time() - t0}

    # -- listing ---------------------------------------------------------------------------------
    def ls(self) -> List[Dict[str, Any]]:
        return [{"ref": r, "manifest": m} for r, m in self.refs()]

    def info(self, ref: str) -> Dict[str, Any]:
        digest = self.resolve(ref)
        doc = self.manifest(digest)
        files = []
        stored: Dict[str, int] = {}
        counts = {"standalone": 0, "delta": 0, "empty": 0}
        for f in doc["files"]:
            n = 0
            for t in f.get("tensors", ()):
                n += 1
                if t["end"] == t["begin"]:
                    counts["empty"] += 1
                    continue
                counts["delta" if t.get("base") else "standalone"] += 1
                stored[f"{t['loc']['key']}:{t['loc']['off']}"] = t["loc"]["len"]
            if f.get("loc"):
                stored[f"{f['loc']['key']}:{f['loc']['off']}"] = f["loc"]["len"]
            files.append({"path": f["path"], "size": f["size"], "kind": f["kind"], "tensors": n})
        size = sum(f["size"] for f in doc["files"])
        frames = sum(stored.values())
        return {"ref": ref, "manifest": digest, "files": files, "size": size, "frame_bytes": frames,
                "tensors": counts, "ratio_alone": size / frames if frames else None}

    def rm(self, ref: str) -> None:
        """Removes a ref (its data goes at the next gc runs unless shared)."""
        name, rev = L.parse_ref(ref)
        key = L.ref_key(name, rev)
        if not self.backend.exists(key):
            raise StoreError(f"no revision {name}@{rev} in {self.url}", missing=True)
        self.backend.delete(key)

    def stored_bytes(self) -> int:
        """Bytes of every object in the store (data, manifests and refs)."""
        return sum(o.size for o in self.backend.list(""))

    # -- gc and verify ---------------------------------------------------------------------------
    def gc(self, *, grace: Optional[float] = None, dry_run: bool = False) -> Dict[str, Any]:
        from .gc import collect

        return collect(self, self.grace if grace is None else float(grace), dry_run=dry_run)

    def verify(self, *, threads: int = 0) -> Dict[str, Any]:
        """Decodes every object reachable from a ref and checks every digest. Returns counts;
        ``errors`` lists every problem found (empty = the store is sound)."""
        self._require()
        errors: List[str] = []
        checked: Set[str] = set()
        frames = 0
        refs = self.refs()
        packs: Set[str] = set()
        for ref, m in refs:
            try:
                doc = self.manifest(m)
            except StoreError as e:
                errors.append(f"{ref}: {e}")
                continue
            cache = _FrameCache(256 << 20)
            for f in doc["files"]:
                try:
                    h = hashlib.sha256()
                    if f["kind"] == "blob":
                        if f.get("loc"):
                            h.update(_fetch_blob(self.backend, f, threads))
                            packs.add(f["loc"]["key"])
                    else:
                        h.update(L.file_header(f, f["path"]))
                        for t in f["tensors"]:
                            if t["end"] == t["begin"]:
                                continue
                            key = f"{t['loc']['key']}:{t['loc']['off']}"
                            raw = _fetch_tensor(self.backend, t["sha256"], t, t["end"] - t["begin"], cache, threads)
                            if key not in checked:
                                checked.add(key)
                                frames += 1
                            h.update(raw)
                            packs.add(t["loc"]["key"])
                    if h.hexdigest() != f["sha256"]:
                        errors.append(f"{ref}: {f['path']}: restored bytes do not match the file's SHA-256")
                except StoreError as e:
                    errors.append(f"{ref}: {f['path']}: {e}")
        for k in sorted(p for p in packs if p.startswith("packs/")):
            try:
                data = self.backend.get(k)
                if L.sha256(data) != k[len("packs/"):-len(".pack")]:
                    errors.append(f"{k}: content does not match its digest")
                L.parse_pack_index(data, k)
            except StoreError as e:
                errors.append(f"{k}: {e}")
        return {"refs": len(refs), "frames": frames, "errors": errors}


def _fetch_blob(backend: Backend, f: Dict[str, Any], threads: int) -> bytes:
    return decode_frame(read_frame(backend, f["loc"]), f["size"], f["sha256"], threads=threads,
                        what=f"file {f['path']}", check=False)


def _safe_parent(dest: str, target: str) -> None:
    """Creates the directories between ``dest`` and ``target``, refusing symlinks and
    anything but directories on the way (a pull never writes outside ``dest``)."""
    rel = os.path.relpath(os.path.dirname(target), dest)
    if rel.startswith(".."):
        raise StoreError(f"{target} is outside {dest}")
    cur = dest
    if rel == ".":
        return
    for seg in rel.split(os.sep):
        cur = os.path.join(cur, seg)
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            os.mkdir(cur)
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise StoreError(f"{cur} is in the way of a restored file (not a directory, or a symlink)")


def _write_restored(backend: Backend, f: Dict[str, Any], dest: str, target: str, cache: _FrameCache,
                    threads: int, hasher: ThreadPoolExecutor) -> None:
    _safe_parent(dest, target)
    d = os.path.dirname(target)
    tmp = os.path.join(d, f".z4ai-pull-{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) |
                 getattr(os, "O_CLOEXEC", 0), 0o644)
    h = hashlib.sha256()
    lock = threading.Lock()
    pending = None

    def consume(chunk: bytes) -> None:  # runs on the hasher thread, overlapped with decoding
        with lock:
            h.update(chunk)
            mv = memoryview(chunk)
            off = 0
            while off < len(mv):
                off += os.write(fd, mv[off:off + (1 << 26)])

    try:
        if f["kind"] == "blob":
            if f.get("loc"):
                pending = hasher.submit(consume, _fetch_blob(backend, f, threads))
        else:
            pending = hasher.submit(consume, L.file_header(f, f["path"]))
            for t in f["tensors"]:
                if t["end"] == t["begin"]:
                    continue
                n = t["end"] - t["begin"]
                raw = _tensor_unchecked(backend, t, n, cache, threads)
                pending.result()
                pending = hasher.submit(consume, raw)
        if pending is not None:
            pending.result()
        if h.hexdigest() != f["sha256"]:
            raise StoreError(f"{f['path']}: restored bytes do not match the file's SHA-256 (corrupt store)")
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
    except BaseException:
        if pending is not None:
            try:
                pending.result()
            except Exception:
                pass
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _tensor_unchecked(backend: Backend, t: Dict[str, Any], n: int, cache: _FrameCache, threads: int) -> bytes:
    """A tensor for pull: the whole file's SHA-256 covers it, so only bases (which may be
    cached and reused) get their own digest check."""
    ref = None
    if t.get("base"):
        b = t["base"]
        ref = cache.get(b["sha256"])
        if ref is None:
            ref = decode_frame(read_frame(backend, b["loc"]), n, b["sha256"], threads=threads,
                               what=f"base {b['sha256'][:12]}")
            cache.put(b["sha256"], ref)
    return decode_frame(read_frame(backend, t["loc"]), n, t["sha256"], reference=ref, threads=threads,
                        what=f"tensor {t['name'][:200]!r}", check=False)


# ---- open ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreTensorInfo:
    name: str
    file: str
    dtype: str            # z4ai dtype name ("raw" for dtypes z4ai does not know)
    st_dtype: str
    shape: Tuple[int, ...]
    nbytes: int
    method: str           # "frame" | "delta" | "empty"
    stored_size: int


class StoreReader:
    """Lazy reads of one stored revision, like :class:`z4ai.safetensors.ZstnReader`."""

    def __init__(self, backend: Backend, doc: Dict[str, Any], file: Optional[str], *, threads: int = 0) -> None:
        self._b, self._doc, self._threads = backend, doc, threads
        sts = [f for f in doc["files"] if f["kind"] == "safetensors"]
        if file is not None:
            sts = [f for f in sts if f["path"] == file]
            if not sts:
                raise StoreError(f"no safetensors file {file!r} in {doc['name']}@{doc['rev']}", missing=True)
        self._files = sts
        self._t: Dict[str, Tuple[Dict[str, Any], Dict[str, Any]]] = {}
        self._order: List[str] = []
        for f in sts:
            for t in f["tensors"]:
                if t["name"] in self._t:
                    raise StoreError(f"tensor {t['name']!r} is in more than one file: open one with file=")
                self._t[t["name"]] = (f, t)
                self._order.append(t["name"])
        self._cache = _FrameCache(256 << 20)

    def names(self) -> List[str]:
        return list(self._order)

    def files(self) -> List[str]:
        return [f["path"] for f in self._doc["files"]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._t

    def _get(self, name: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        try:
            return self._t[name]
        except KeyError:
            raise StoreError(f"no tensor named {name!r}", missing=True) from None

    def info(self, name: str) -> StoreTensorInfo:
        f, t = self._get(name)
        n = t["end"] - t["begin"]
        return StoreTensorInfo(name, f["path"], L.ST_DTYPES.get(t["dtype"], ("raw", 0))[0], t["dtype"],
                               tuple(t["shape"]), n, "empty" if not n else ("delta" if t.get("base") else "frame"),
                               t["loc"]["len"] if n else 0)

    def read(self, name: str) -> bytes:
        """The raw bytes of one tensor (SHA-256 checked): one ranged request, two for a delta."""
        f, t = self._get(name)
        n = t["end"] - t["begin"]
        if not n:
            return b""
        return _fetch_tensor(self._b, t["sha256"], t, n, self._cache, self._threads)

    def read_numpy(self, name: str) -> Any:
        import numpy as np

        from .._dtypes import numpy_dtype_for
        import z4ai

        info = self.info(name)
        raw = self.read(name)
        if info.dtype == "raw":
            return np.frombuffer(raw, dtype=np.uint8).copy()
        dt = numpy_dtype_for(z4ai.dtype_code(info.dtype))
        return np.frombuffer(bytearray(raw), dtype=dt).reshape(info.shape)

    def header(self) -> Dict[str, Any]:
        if len(self._files) != 1:
            raise StoreError("header(): the revision has several safetensors files; open one with file=")
        h = L.file_header(self._files[0], self._files[0]["path"])
        return json.loads(h[8:].decode("utf-8"))

    def metadata(self) -> Optional[Dict[str, str]]:
        return self.header().get("__metadata__")

    def close(self) -> None:
        self._cache = _FrameCache(0)

    def __enter__(self) -> "StoreReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
