"""Two-phase mark-and-sweep garbage collection without conditional writes (docs/STORE.md).

A run marks everything reachable from the roots (refs, live leases, manifests younger than
the grace period), sweeps the condemned lists older than the grace period (deleting what is
still unmarked and unchanged since it was condemned), then condemns what is unmarked now.
An object is therefore deleted only after it has been unreachable for two runs at least
``grace`` apart, and pushes that started meanwhile have had time to make their leases
visible. When unsure (a manifest that does not parse), gc deletes nothing.
"""
from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any, Dict, List, Set

from . import layout as L
from .errors import StoreError

if TYPE_CHECKING:
    from .core import Store


def collect(store: "Store", grace: float, *, dry_run: bool = False) -> Dict[str, Any]:
    from .core import manifest_keys

    store._require()
    b = store.backend
    now = time.time()
    ttl = store.lease_ttl

    objs = {}
    for prefix in ("objects/", "blobs/", "packs/", "manifests/"):
        for o in b.list(prefix):
            if L.is_data_key(o.key):
                objs[o.key] = o

    roots: Set[str] = set()
    live_started: List[float] = []
    stale_leases: List[str] = []
    for o in b.list("leases/"):
        try:
            doc = L.parse_lease(b.get(o.key), o.key)
        except StoreError as e:
            if e.missing:
                continue
            # unreadable lease: protect by its write time, name no manifests
            if o.mtime > now - ttl:
                live_started.append(o.mtime)
            continue
        started = min(float(doc["started"]), o.mtime)
        if started > now - ttl:
            live_started.append(started)
            roots.update(doc["manifests"])
        else:
            stale_leases.append(o.key)
    for _, m in store.refs():
        roots.add(m)
    for k, o in objs.items():
        if k.startswith("manifests/") and o.mtime > now - grace:
            roots.add(k[len("manifests/"):-len(".json")])

    marked: Set[str] = set()
    broken: List[str] = []
    for m in sorted(roots):
        marked.add(L.manifest_key(m))
        try:
            doc = store.manifest(m)
        except StoreError as e:
            if e.missing:
                broken.append(m)
                continue
            raise StoreError(f"gc: manifest {m[:12]} is unreadable ({e}); nothing deleted") from None
        marked |= manifest_keys(doc)

    protect_after = min([now - grace] + live_started)
    deleted: List[str] = []
    pending: Set[str] = set()

    def sweep(key: str, doc: Dict[str, Any]) -> None:
        for k, mtime in doc["objects"].items():
            cur = objs.get(k)
            if cur is None or k in marked or cur.mtime != mtime or cur.mtime >= protect_after:
                continue
            if not dry_run:
                b.delete(k)
            deleted.append(k)
            objs.pop(k, None)
        if not dry_run:
            b.delete(key)

    for o in b.list("gc/"):
        try:
            doc = L.parse_condemned(b.get(o.key), o.key)
        except StoreError as e:
            if e.missing:
                continue
            if not dry_run:
                b.delete(o.key)  # a damaged list condemns nothing; the next run lists again
            continue
        if float(doc["created"]) <= now - grace:
            sweep(o.key, doc)
        else:
            pending |= set(doc["objects"])

    condemn = {k: o.mtime for k, o in objs.items()
               if k not in marked and k not in pending and o.mtime < protect_after}
    if condemn and not dry_run:
        key = f"gc/condemned-{int(now * 1000):016d}-{uuid.uuid4().hex[:12]}.json"
        doc = {"created": now, "objects": condemn}
        b.put(key, L.condemned_doc(now, condemn))
        if grace <= 0:
            sweep(key, doc)
    if not dry_run:
        for k in stale_leases:
            b.delete(k)
    return {"marked": len(marked), "deleted": len(deleted), "condemned": 0 if grace <= 0 else len(condemn),
            "missing_manifests": broken, "stale_leases": len(stale_leases), "deleted_keys": deleted}
