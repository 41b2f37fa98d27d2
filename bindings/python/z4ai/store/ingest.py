"""Ingestion of many model revisions on Dask distributed (docs/STORE.md, "Ingestion").

One task per file: a file URL in, its objects written and its manifest entry (a fragment)
out. Tasks are pure and idempotent: the same file against the same index snapshot writes
the same keys with the same bytes and returns the same fragment, so a task retried after
its worker died does no harm. Each task makes its own backend and z4ai contexts and runs
z4ai with ``threads=1`` (the workers are the parallelism). The driver alone writes the
lease, the manifests and the refs, and only once every fragment of a revision is back: a
worker killed mid-task leaves orphan objects at most, which ``gc`` collects.

>>> from distributed import Client, LocalCluster           # doctest: +SKIP
>>> with LocalCluster(n_workers=2, threads_per_worker=1) as c, Client(c) as client:
...     ingest("s3://bucket/models", [("minilm@base", "base/"), ("minilm@ft1", "ft1/")], client,
...            waves=[["minilm@base"], ["minilm@ft1"]], endpoint_url="http://127.0.0.1:9000")
"""
from __future__ import annotations

import hashlib
import mmap
import os
import time
from dataclasses import asdict
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import layout as L
from .backends import Backend, open_backend
from .core import EncodeParams, FileStats, Index, PushResult, Store, encode_file, list_model_files
from .errors import StoreError

__all__ = ["ingest", "encode_file_task"]


def _copy_index(index: Index) -> Index:
    # tasks on one worker may share a deserialized snapshot: never mutate it in place
    out = Index()
    out.tensors = dict(index.tensors)
    out.cands = {k: dict(v) for k, v in index.cands.items()}
    out.files = dict(index.files)
    out.manifests = list(index.manifests)
    return out


def _read_url(url: str) -> Any:
    path = url[len("file://"):] if url.startswith("file://") else (url if "://" not in url else None)
    if path is not None:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            return mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ) if size else b""
    import fsspec

    with fsspec.open(url, "rb") as f:
        return f.read()


def encode_file_task(store_url: Any, backend_options: Dict[str, Any], file_url: str, rel_path: str,
                     index: Index, params: Dict[str, Any],
                     backend_factory: Optional[Callable[..., Backend]] = None) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The Dask task: encode one file into the store -> (manifest entry, stats)."""
    backend = (backend_factory or open_backend)(store_url, **backend_options)
    data = _read_url(file_url)
    try:
        entry, st = encode_file(backend, _copy_index(index), rel_path, data, EncodeParams(**params))
    finally:
        if isinstance(data, mmap.mmap):
            data.close()
    return entry, asdict(st)


def _task_key(store_url: Any, file_url: str, rel: str, index: Index, params: Dict[str, Any]) -> str:
    h = hashlib.sha256()
    for part in (str(store_url), file_url, rel, repr(sorted(params.items())), ",".join(index.manifests),
                 str(len(index.tensors))):
        h.update(part.encode())
        h.update(b"\0")
    return "z4ai-store-encode-" + h.hexdigest()[:32]


def ingest(store: Any, items: Sequence[Tuple[str, str]], client: Any = None, *,
           waves: Optional[Sequence[Sequence[str]]] = None, base: str = "auto", effort: str = "default",
           backend_factory: Optional[Callable[..., Backend]] = None, **backend_options: Any) -> List[PushResult]:
    """Pushes many revisions ``[(NAME@REV, directory or file URL), ...]`` through a
    ``distributed.Client`` (``None``: the same tasks run in this process, one by one).

    ``waves``: lists of refs; every wave is encoded against everything before it (a
    fine-tune family: ``[[base], [fine-tunes...]]``). Default: one wave. ``base`` as in
    :meth:`Store.push` (``"auto"`` or ``"none"``; a named base per item is :meth:`Store.push`'s).
    Returns one :class:`PushResult` per revision, in commit order."""
    if base not in ("auto", "none"):
        raise StoreError("ingest: base must be 'auto' or 'none' (push names bases one revision at a time)")
    st = store if isinstance(store, Store) else Store(store, **backend_options)
    if isinstance(store, Store):
        backend_options = dict(st._backend_options)
    store_url = st.url  # tasks make their own backend from the URL
    refs = {}
    for ref, src in items:
        name, rev = L.parse_ref(ref)
        refs[f"{name}@{rev}"] = src
    if waves is None:
        waves = [list(refs)]
    order = [L.parse_ref(r) for w in waves for r in w]
    if sorted(f"{n}@{r}" for n, r in order) != sorted(refs):
        raise StoreError("ingest: waves must name every item exactly once")
    params = asdict(EncodeParams(effort=effort, threads=1, base=base))
    results: List[PushResult] = []
    index, lease, started = st.begin_push()
    try:
        for wave in waves:
            t0 = time.time()
            jobs: List[Tuple[str, str, str]] = []  # (ref, rel, url)
            for r in wave:
                name, rev = L.parse_ref(r)
                src = refs[f"{name}@{rev}"]
                if "://" in src and not src.startswith("file://"):
                    jobs.append((f"{name}@{rev}", src.rstrip("/").rsplit("/", 1)[-1], src))
                else:
                    path = src[len("file://"):] if src.startswith("file://") else src
                    for rel, full in list_model_files(path):
                        jobs.append((f"{name}@{rev}", rel, "file://" + full))
            if client is None:
                outs = [encode_file_task(store_url, backend_options, url, rel, index, params, backend_factory)
                        for _, rel, url in jobs]
            else:
                # the snapshot travels with each task (not scattered: a killed worker would take
                # scattered data with it, and the retry could not run)
                snap = index
                futs = [client.submit(encode_file_task, store_url, backend_options, url, rel, snap, params,
                                      backend_factory, key=_task_key(store_url, url, rel, index, params), pure=True)
                        for _, rel, url in jobs]
                outs = client.gather(futs)  # raises if any task failed for good: nothing is committed
            per_ref: Dict[str, Tuple[List[Dict[str, Any]], FileStats]] = {}
            for (ref, _, _), (entry, sd) in zip(jobs, outs):
                entries, stats = per_ref.setdefault(ref, ([], FileStats()))
                entries.append(entry)
                stats.add(FileStats(**sd))
            for r in wave:
                name, rev = L.parse_ref(r)
                ref = f"{name}@{rev}"
                entries, stats = per_ref.get(ref, ([], FileStats()))
                digest = st.commit(name, rev, entries, lease, started)
                for e in entries:
                    index.add_file(e)
                results.append(PushResult(ref, digest, len(entries), stats.tensors, stats.reused_files,
                                          stats.reused_tensors, stats.delta_tensors, stats.new_tensors,
                                          stats.bytes_in, stats.bytes_written, time.time() - t0))
    finally:
        st.end_push(lease)
    return results
