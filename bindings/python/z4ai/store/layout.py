"""Store layout version 1 (docs/STORE.md): keys, names, paths, locators, manifests, refs,
packs and tensor sketches — building them and validating what a store hands back.

Everything read from a store goes through the ``parse_*`` functions here before use: a
corrupt or hostile store gives a :class:`StoreError`, never an exception from deep inside
(KeyError, TypeError, a huge allocation) and never a path outside a pull's destination.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from typing import Any, Dict, List, Optional, Tuple

from .errors import StoreError

LAYOUT_VERSION = 1
STORE_FORMAT = "z4ai-store"
MANIFEST_FORMAT = "z4ai-store-manifest"
REF_FORMAT = "z4ai-store-ref"
PACK_FORMAT = "z4ai-store-pack"
LEASE_FORMAT = "z4ai-store-lease"
CONDEMNED_FORMAT = "z4ai-store-condemned"
PACK_MAGIC = b"Z4SPACK1"

#: frames below this go into packs (one request and one object each would dominate: MiniLM
#: has 62 tensors under 256 KiB holding < 1 % of its bytes)
PACK_THRESHOLD = 256 << 10
#: a pack closes at this size
PACK_MAX = 64 << 20
#: sampled words per tensor sketch
SKETCH_WORDS = 128
#: largest tensor, frame or file a manifest may declare (1 TiB): bounds every allocation
MAX_SIZE = 1 << 40
MAX_HEADER = 100 << 20
MAX_MANIFEST = 256 << 20

_HEX = re.compile(r"^[0-9a-f]{64}$")
_NAME_SEG = re.compile(r"^[A-Za-z0-9._-]+$")
_OBJECT_KEY = re.compile(r"^objects/([0-9a-f]{2})/([0-9a-f]{64})(?:\.([0-9a-f]{64}))?$")
_BLOB_KEY = re.compile(r"^blobs/([0-9a-f]{2})/([0-9a-f]{64})$")
_PACK_KEY = re.compile(r"^packs/([0-9a-f]{64})\.pack$")
_MANIFEST_KEY = re.compile(r"^manifests/([0-9a-f]{64})\.json$")

# safetensors dtype -> (z4ai dtype name, element width)
ST_DTYPES = {"F64": ("fp64", 8), "F32": ("fp32", 4), "F16": ("fp16", 2), "BF16": ("bf16", 2),
             "F8_E4M3": ("fp8_e4m3", 1), "F8_E5M2": ("fp8_e5m2", 1), "I64": ("int64", 8), "I32": ("int32", 4),
             "I16": ("int16", 2), "I8": ("int8", 1), "U64": ("uint64", 8), "U32": ("uint32", 4),
             "U16": ("uint16", 2), "U8": ("uint8", 1), "BOOL": ("bool", 1)}


def sha256(data: Any) -> str:
    return hashlib.sha256(data).hexdigest()


def check_hex(h: Any, what: str) -> str:
    if not isinstance(h, str) or not _HEX.match(h):
        raise StoreError(f"{what}: not a SHA-256 hex digest: {h!r}")
    return h


# ---- keys ------------------------------------------------------------------------------------
def object_key(digest: str, base: Optional[str] = None) -> str:
    return f"objects/{digest[:2]}/{digest}" + (f".{base}" if base else "")


def blob_key(digest: str) -> str:
    return f"blobs/{digest[:2]}/{digest}"


def pack_key(digest: str) -> str:
    return f"packs/{digest}.pack"


def manifest_key(digest: str) -> str:
    return f"manifests/{digest}.json"


def ref_key(name: str, rev: str) -> str:
    return f"refs/{name}@{rev}"


def is_data_key(key: str) -> bool:
    """Keys gc may collect: objects, blobs, packs, manifests."""
    return bool(_OBJECT_KEY.match(key) or _BLOB_KEY.match(key) or _PACK_KEY.match(key) or _MANIFEST_KEY.match(key))


# ---- names -----------------------------------------------------------------------------------
def parse_ref(text: str) -> Tuple[str, str]:
    """``NAME@REV`` (``NAME`` alone = ``NAME@main``) -> (name, rev), validated."""
    if not isinstance(text, str):
        raise StoreError(f"invalid ref {text!r}")
    name, _, rev = text.partition("@")
    rev = rev or "main"
    check_name(name)
    if not _NAME_SEG.match(rev) or rev in (".", "..") or len(rev) > 128:
        raise StoreError(f"invalid revision {rev!r} in {text!r} (letters, digits, '.', '_', '-')")
    return name, rev


def check_name(name: str) -> str:
    if not isinstance(name, str) or not name or len(name) > 200:
        raise StoreError(f"invalid model name {name!r}")
    for seg in name.split("/"):
        if seg in ("", ".", "..") or not _NAME_SEG.match(seg):
            raise StoreError(f"invalid model name {name!r} ('/'-separated segments of letters, digits, '.', '_', '-')")
    return name


def check_path(path: Any) -> str:
    """A manifest file path: relative, '/'-separated, no empty/'.'/'..' segment, no
    backslash, NUL or control character."""
    if not isinstance(path, str) or not path or len(path.encode("utf-8", "surrogatepass")) > 4096:
        raise StoreError(f"invalid file path {path!r} in manifest")
    if path.startswith("/") or "\\" in path or any(ord(c) < 32 for c in path):
        raise StoreError(f"unsafe file path {path!r} in manifest")
    for seg in path.split("/"):
        if seg in ("", ".", ".."):
            raise StoreError(f"unsafe file path {path!r} in manifest")
    return path


# ---- locators --------------------------------------------------------------------------------
def loc(key: str, off: int, length: int) -> Dict[str, Any]:
    return {"key": key, "off": int(off), "len": int(length)}


def check_loc(d: Any, what: str) -> Dict[str, Any]:
    if not isinstance(d, dict) or set(d) != {"key", "off", "len"}:
        raise StoreError(f"{what}: malformed locator {d!r}")
    key, off, length = d["key"], d["off"], d["len"]
    if not isinstance(key, str) or not (_OBJECT_KEY.match(key) or _BLOB_KEY.match(key) or _PACK_KEY.match(key)):
        raise StoreError(f"{what}: locator names an invalid key {key!r}")
    if not _is_int(off) or not _is_int(length) or off < 0 or not 1 <= length <= MAX_SIZE or off > MAX_SIZE:
        raise StoreError(f"{what}: locator range off={off!r} len={length!r} out of bounds")
    return d


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


# ---- JSON documents --------------------------------------------------------------------------
def dumps(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _loads(data: bytes, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise StoreError(f"{what} is not valid JSON: {e}") from None


def _check_format(doc: Any, fmt: str, what: str) -> Dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise StoreError(f"{what} is not a {fmt} document")
    v = doc.get("version")
    if not _is_int(v) or v < 1:
        raise StoreError(f"{what}: invalid version {v!r}")
    if v > LAYOUT_VERSION:
        raise StoreError(f"{what}: layout version {v} is newer than this z4ai reads ({LAYOUT_VERSION}); upgrade z4ai")
    return doc


def store_doc(grace: float, lease_ttl: float) -> bytes:
    return dumps({"format": STORE_FORMAT, "version": LAYOUT_VERSION, "gc_grace_seconds": grace,
                  "lease_ttl_seconds": lease_ttl})


def parse_store_doc(data: bytes) -> Dict[str, Any]:
    doc = _check_format(_loads(data, "z4store.json"), STORE_FORMAT, "z4store.json")
    for k in ("gc_grace_seconds", "lease_ttl_seconds"):
        if not isinstance(doc.get(k), (int, float)) or isinstance(doc.get(k), bool) or doc[k] < 0:
            raise StoreError(f"z4store.json: invalid {k} {doc.get(k)!r}")
    return doc


def ref_doc(name: str, rev: str, manifest: str, created: float) -> bytes:
    return dumps({"format": REF_FORMAT, "version": LAYOUT_VERSION, "name": name, "rev": rev, "manifest": manifest,
                  "created": created})


def parse_ref_doc(data: bytes, key: str) -> Dict[str, Any]:
    doc = _check_format(_loads(data, key), REF_FORMAT, key)
    check_hex(doc.get("manifest"), f"{key}: manifest")
    name, rev = doc.get("name"), doc.get("rev")
    if not isinstance(name, str) or not isinstance(rev, str) or ref_key(name, rev) != key:
        raise StoreError(f"{key}: names {name!r}@{rev!r}, not the ref it is stored as")
    return doc


def parse_manifest(data: bytes, digest: str) -> Dict[str, Any]:
    """Checks a manifest's digest and every field a pull or open relies on."""
    what = f"manifest {digest[:12]}"
    if len(data) > MAX_MANIFEST:
        raise StoreError(f"{what}: {len(data)} bytes, more than a manifest may hold")
    if sha256(data) != digest:
        raise StoreError(f"{what}: content does not match its digest (corrupt or replaced)")
    doc = _check_format(_loads(data, what), MANIFEST_FORMAT, what)
    files = doc.get("files")
    if not isinstance(files, list):
        raise StoreError(f"{what}: no file list")
    seen = set()
    for f in files:
        if not isinstance(f, dict):
            raise StoreError(f"{what}: malformed file entry")
        p = check_path(f.get("path"))
        if p in seen or any(p.startswith(q + "/") or q.startswith(p + "/") for q in seen):
            raise StoreError(f"{what}: path {p!r} collides with another file of the manifest")
        seen.add(p)
        _check_file_entry(f, f"{what}: {p}")
    return doc


def _check_file_entry(f: Dict[str, Any], what: str) -> None:
    size = f.get("size")
    if not _is_int(size) or not 0 <= size <= MAX_SIZE:
        raise StoreError(f"{what}: invalid size {size!r}")
    check_hex(f.get("sha256"), what)
    kind = f.get("kind")
    if kind == "blob":
        if size:
            check_loc(f.get("loc"), what)
            if not _BLOB_KEY.match(f["loc"]["key"]) and not _PACK_KEY.match(f["loc"]["key"]):
                raise StoreError(f"{what}: a blob locator must name a blob or a pack")
        return
    if kind != "safetensors":
        raise StoreError(f"{what}: unknown file kind {kind!r}")
    header = file_header(f, what)
    pos = len(header)
    tensors = f.get("tensors")
    if not isinstance(tensors, list):
        raise StoreError(f"{what}: no tensor list")
    for t in tensors:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise StoreError(f"{what}: malformed tensor entry")
        tw = f"{what}: tensor {t['name'][:200]!r}"
        b, e = t.get("begin"), t.get("end")
        if not _is_int(b) or not _is_int(e) or b != pos - len(header) or e < b:
            raise StoreError(f"{tw}: byte range [{b!r}, {e!r}) does not continue the data section")
        pos = len(header) + e
        check_hex(t.get("sha256"), tw)
        shape = t.get("shape")
        if not isinstance(shape, list) or len(shape) > 64 or not all(_is_int(s) and s >= 0 for s in shape):
            raise StoreError(f"{tw}: invalid shape {shape!r}")
        if not isinstance(t.get("dtype"), str):
            raise StoreError(f"{tw}: invalid dtype")
        if e > b:
            check_loc(t.get("loc"), tw)
            key = t["loc"]["key"]
            base = t.get("base")
            if base is not None:
                if not isinstance(base, dict) or set(base) != {"sha256", "loc"}:
                    raise StoreError(f"{tw}: malformed base")
                check_hex(base["sha256"], tw)
                check_loc(base["loc"], tw)
                m = _OBJECT_KEY.match(base["loc"]["key"])
                if (m and (m.group(2) != base["sha256"] or m.group(3))) or _BLOB_KEY.match(base["loc"]["key"]):
                    raise StoreError(f"{tw}: base locator does not name a standalone frame of its digest")
            m = _OBJECT_KEY.match(key)
            if _BLOB_KEY.match(key):
                raise StoreError(f"{tw}: a tensor locator may not name a blob")
            if m and (m.group(2) != t["sha256"] or m.group(3) != (base["sha256"] if base else None)):
                raise StoreError(f"{tw}: locator {key!r} does not match the tensor's digest and base")
    if pos != f["size"]:
        raise StoreError(f"{what}: header + tensors make {pos} bytes, the file is {f['size']}")


def file_header(f: Dict[str, Any], what: str) -> bytes:
    h = f.get("header")
    if not isinstance(h, str) or len(h) > MAX_HEADER * 4 // 3 + 4:
        raise StoreError(f"{what}: invalid safetensors header")
    try:
        return base64.b64decode(h, validate=True)
    except ValueError:
        raise StoreError(f"{what}: safetensors header is not base64") from None


def lease_doc(started: float, manifests: List[str]) -> bytes:
    return dumps({"format": LEASE_FORMAT, "version": LAYOUT_VERSION, "started": started, "manifests": manifests})


def parse_lease(data: bytes, key: str) -> Dict[str, Any]:
    doc = _check_format(_loads(data, key), LEASE_FORMAT, key)
    if not isinstance(doc.get("started"), (int, float)) or not isinstance(doc.get("manifests"), list):
        raise StoreError(f"{key}: malformed lease")
    for m in doc["manifests"]:
        check_hex(m, key)
    return doc


def condemned_doc(created: float, objects: Dict[str, float]) -> bytes:
    return dumps({"format": CONDEMNED_FORMAT, "version": LAYOUT_VERSION, "created": created, "objects": objects})


def parse_condemned(data: bytes, key: str) -> Dict[str, Any]:
    doc = _check_format(_loads(data, key), CONDEMNED_FORMAT, key)
    objs = doc.get("objects")
    if not isinstance(doc.get("created"), (int, float)) or not isinstance(objs, dict):
        raise StoreError(f"{key}: malformed condemned list")
    for k, v in objs.items():
        if not is_data_key(k) or not isinstance(v, (int, float)):
            raise StoreError(f"{key}: invalid entry {k!r}")
    return doc


# ---- packs -----------------------------------------------------------------------------------
def build_pack(frames: List[Tuple[str, bytes]]) -> Tuple[bytes, List[Tuple[str, int, int]]]:
    """frames [(frame key, bytes)] -> (pack bytes, [(frame key, off, len)])."""
    entries, parts, off = [], [], 0
    for k, fr in frames:
        entries.append((k, off, len(fr)))
        parts.append(fr)
        off += len(fr)
    index = dumps({"format": PACK_FORMAT, "version": LAYOUT_VERSION,
                   "entries": [{"key": k, "off": o, "len": n} for k, o, n in entries]})
    parts.append(index)
    parts.append(struct.pack("<Q", len(index)) + PACK_MAGIC)
    return b"".join(parts), entries


def parse_pack_index(pack: bytes, key: str) -> List[Dict[str, Any]]:
    if len(pack) < 16 or pack[-8:] != PACK_MAGIC:
        raise StoreError(f"{key}: not a pack (no footer)")
    (n,) = struct.unpack("<Q", pack[-16:-8])
    if n > len(pack) - 16:
        raise StoreError(f"{key}: pack index length {n} exceeds the pack")
    doc = _check_format(_loads(pack[len(pack) - 16 - n:-16], key), PACK_FORMAT, key)
    entries = doc.get("entries")
    if not isinstance(entries, list):
        raise StoreError(f"{key}: malformed pack index")
    limit = len(pack) - 16 - n
    for e in entries:
        if not isinstance(e, dict) or not _is_int(e.get("off")) or not _is_int(e.get("len")) or \
                e["off"] < 0 or e["len"] < 1 or e["off"] + e["len"] > limit:
            raise StoreError(f"{key}: pack index entry {e!r} out of bounds")
    return entries


# ---- sketches --------------------------------------------------------------------------------
_POSITIONS: Dict[int, Any] = {}


def sketch_positions(nelem: int) -> Any:
    """SKETCH_WORDS element indices fixed by the element count (same count -> same positions,
    so sketches of tensors of one shape compare word for word)."""
    import numpy as np

    p = _POSITIONS.get(nelem)
    if p is None:
        if nelem <= SKETCH_WORDS:
            p = np.arange(nelem, dtype=np.int64)
        else:
            p = np.sort(np.random.default_rng(nelem).choice(nelem, SKETCH_WORDS, replace=False)).astype(np.int64)
        if len(_POSITIONS) > 4096:
            _POSITIONS.clear()
        _POSITIONS[nelem] = p
    return p


_UINT = {1: "u1", 2: "<u2", 4: "<u4", 8: "<u8"}


def make_sketch(raw: Any, width: int) -> bytes:
    import numpy as np

    if width not in _UINT:
        return b""
    words = np.frombuffer(raw, dtype=_UINT[width])
    return words[sketch_positions(words.size)].tobytes()


def sketch_scores(new: bytes, cands: List[bytes], width: int) -> Any:
    """Mean leading-zero bits of new XOR candidate over the sampled words, per candidate."""
    import numpy as np

    dt = np.dtype(_UINT[width])
    a = np.frombuffer(new, dtype=dt)
    m = np.frombuffer(b"".join(cands), dtype=dt).reshape(len(cands), a.size)
    x = (m ^ a[None, :]).astype(np.uint64)
    bits = width * 8
    # bit length without float rounding: count the set prefix by halving
    n = np.zeros(x.shape, dtype=np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        hi = x >> np.uint64(s)
        nz = hi != 0
        n += np.where(nz, s, 0)
        x = np.where(nz, hi, x)
    n += (x != 0).astype(np.int64)
    return (bits - n).mean(axis=1) if a.size else np.zeros(len(cands))


def decode_sketch(s: Any) -> bytes:
    if not isinstance(s, str) or len(s) > 4 * SKETCH_WORDS * 8:
        return b""
    try:
        return base64.b64decode(s, validate=True)
    except ValueError:
        return b""
