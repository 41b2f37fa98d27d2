"""Object backends of the family store: a local directory and S3.

A backend is a flat key -> bytes map with whole-object puts (atomic: a reader sees the old
object, the new one or nothing, never a prefix), whole and ranged gets, listing with sizes
and modification times, and deletes. Nothing here needs conditional writes. Every backend
counts its requests (``stats``) so tests and benchmarks can check request budgets.
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Optional

from .errors import StoreError

__all__ = ["ObjectInfo", "Backend", "LocalBackend", "S3Backend", "open_backend"]

# Keys are ASCII paths of safe segments: the local backend maps them to files, so nothing a
# store's content names may escape the root (checked again on every call).
_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9._@-]+$")
_MAX_KEY = 1024


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY:
        raise StoreError(f"invalid object key {key!r}")
    for seg in key.split("/"):
        if seg in ("", ".", "..") or not _KEY_SEGMENT.match(seg):
            raise StoreError(f"invalid object key {key!r}")
    return key


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    mtime: float  # seconds since the epoch (the backend's clock)


class Backend:
    """Interface; see the module docstring."""

    url: str

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stats: Dict[str, int] = {"get": 0, "get_range": 0, "put": 0, "list": 0, "delete": 0, "head": 0,
                                      "bytes_in": 0, "bytes_out": 0}

    def _count(self, op: str, nbytes_in: int = 0, nbytes_out: int = 0) -> None:
        with self._lock:
            self.stats[op] += 1
            self.stats["bytes_in"] += nbytes_in
            self.stats["bytes_out"] += nbytes_out

    def reset_stats(self) -> None:
        with self._lock:
            for k in self.stats:
                self.stats[k] = 0

    @property
    def requests(self) -> int:
        return sum(v for k, v in self.stats.items() if not k.startswith("bytes"))

    # -- to implement -----------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        raise NotImplementedError

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        raise NotImplementedError

    def put(self, key: str, data: Any) -> None:
        raise NotImplementedError

    def head(self, key: str) -> Optional[ObjectInfo]:
        raise NotImplementedError

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        return self.head(key) is not None


class LocalBackend(Backend):
    """Objects as files under ``root``. Puts write a unique temporary file (O_EXCL) in the
    target directory and rename it into place; nothing follows a symlink inside the store."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = os.path.abspath(root)
        self.url = self.root

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *check_key(key).split("/"))

    def _check_no_symlink(self, path: str) -> None:
        # every directory between root and the object must be a real directory
        rel = os.path.relpath(os.path.dirname(path), self.root)
        cur = self.root
        if rel == ".":
            return
        for seg in rel.split(os.sep):
            cur = os.path.join(cur, seg)
            try:
                st = os.lstat(cur)
            except FileNotFoundError:
                return
            if not stat.S_ISDIR(st.st_mode):
                raise StoreError(f"store path {cur!r} is not a directory (a symlink?)")

    def _open_read(self, key: str) -> int:
        path = self._path(key)
        self._check_no_symlink(path)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise StoreError(f"object {key!r} is missing from the store", missing=True) from None
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise StoreError(f"object {key!r} is a symlink; refusing to follow it") from None
            raise StoreError(f"cannot read object {key!r}: {e}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise StoreError(f"object {key!r} is not a regular file")
        return fd

    def get(self, key: str) -> bytes:
        fd = self._open_read(key)
        try:
            size = os.fstat(fd).st_size
            chunks = []
            got = 0
            while got < size:
                b = os.read(fd, min(size - got, 1 << 26))
                if not b:
                    break
                chunks.append(b)
                got += len(b)
            data = b"".join(chunks)
        finally:
            os.close(fd)
        self._count("get", nbytes_in=len(data))
        return data

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        fd = self._open_read(key)
        try:
            size = os.fstat(fd).st_size
            if offset < 0 or length < 0 or offset + length > size:
                raise StoreError(f"object {key!r} holds {size} bytes, a locator asks for [{offset}, "
                                 f"{offset + length})")
            data = os.pread(fd, length, offset)
            while len(data) < length:
                more = os.pread(fd, length - len(data), offset + len(data))
                if not more:
                    raise StoreError(f"object {key!r} shrank while being read")
                data += more
        finally:
            os.close(fd)
        self._count("get_range", nbytes_in=len(data))
        return data

    def put(self, key: str, data: Any) -> None:
        path = self._path(key)
        d = os.path.dirname(path)
        self._check_no_symlink(path)
        os.makedirs(d, exist_ok=True)
        self._check_no_symlink(path)
        mv = memoryview(data).cast("B")
        tmp = os.path.join(d, f".tmp-{secrets.token_hex(8)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) |
                     getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            off = 0
            while off < mv.nbytes:
                off += os.write(fd, mv[off:off + (1 << 26)])
            os.fsync(fd)
            os.close(fd)
            fd = -1
            os.replace(tmp, path)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        self._count("put", nbytes_out=mv.nbytes)

    def head(self, key: str) -> Optional[ObjectInfo]:
        path = self._path(key)
        self._count("head")
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"object {key!r} is not a regular file")
        return ObjectInfo(key, st.st_size, st.st_mtime)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        self._count("list")
        base = self.root if not prefix else os.path.join(self.root, *prefix.rstrip("/").split("/"))
        if not os.path.isdir(base) or os.path.islink(base):
            return
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.startswith(".tmp-"):
                    continue
                full = os.path.join(dirpath, fn)
                try:
                    st = os.lstat(full)
                except FileNotFoundError:
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                key = os.path.relpath(full, self.root).replace(os.sep, "/")
                yield ObjectInfo(key, st.st_size, st.st_mtime)

    def delete(self, key: str) -> None:
        self._count("delete")
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass


class S3Backend(Backend):
    """Objects in ``s3://bucket/prefix`` through obstore (one HTTP request per call: no
    read-ahead, no coalescing of ranges). ``endpoint_url`` (or ``$AWS_ENDPOINT_URL``)
    selects an S3-compatible server; plain http is allowed for it."""

    def __init__(self, url: str, *, endpoint_url: Optional[str] = None, **options: Any) -> None:
        super().__init__()
        from obstore.store import S3Store

        m = re.match(r"^s3://([^/]+)/?(.*)$", url)
        if not m:
            raise StoreError(f"not an s3:// URL: {url!r}")
        self.bucket, prefix = m.group(1), m.group(2).strip("/")
        self.prefix = prefix + "/" if prefix else ""
        self.url = url
        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        self._endpoint = endpoint
        kw: Dict[str, Any] = {}
        if endpoint:
            kw["endpoint"] = endpoint
            kw["client_options"] = {"allow_http": True}
            kw.setdefault("virtual_hosted_style_request", False)
        if not (os.environ.get("AWS_ACCESS_KEY_ID") or options.get("access_key_id")):
            kw["skip_signature"] = True
        kw["region"] = options.pop("region", os.environ.get("AWS_REGION", "us-east-1"))
        kw.update(options)
        self._store = S3Store(self.bucket, **kw)

    def _k(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, e: Exception) -> bool:
        return type(e).__name__ == "NotFoundError" or "not found" in str(e).lower()

    def get(self, key: str) -> bytes:
        import obstore

        try:
            data = bytes(obstore.get(self._store, self._k(key)).bytes())
        except Exception as e:
            if self._missing(e):
                raise StoreError(f"object {key!r} is missing from the store", missing=True) from None
            raise StoreError(f"cannot read object {key!r}: {e}") from None
        self._count("get", nbytes_in=len(data))
        return data

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        import obstore

        if offset < 0 or length < 0:
            raise StoreError(f"invalid range [{offset}, {offset + length}) of {key!r}")
        if length == 0:
            return b""
        try:
            data = bytes(obstore.get_range(self._store, self._k(key), start=offset, length=length))
        except Exception as e:
            if self._missing(e):
                raise StoreError(f"object {key!r} is missing from the store", missing=True) from None
            raise StoreError(f"cannot read [{offset}, {offset + length}) of object {key!r}: {e}") from None
        self._count("get_range", nbytes_in=len(data))
        if len(data) != length:
            raise StoreError(f"object {key!r}: asked for {length} bytes at {offset}, got {len(data)}")
        return data

    def put(self, key: str, data: Any) -> None:
        import obstore

        mv = memoryview(data).cast("B")
        try:
            obstore.put(self._store, self._k(key), bytes(mv))
        except Exception as e:
            raise StoreError(f"cannot write object {key!r}: {e}") from None
        self._count("put", nbytes_out=mv.nbytes)

    def head(self, key: str) -> Optional[ObjectInfo]:
        import obstore

        self._count("head")
        try:
            meta = obstore.head(self._store, self._k(key))
        except Exception as e:
            if self._missing(e):
                return None
            raise StoreError(f"cannot stat object {key!r}: {e}") from None
        return ObjectInfo(key, int(meta["size"]), meta["last_modified"].timestamp())

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        import obstore

        self._count("list")
        try:
            for batch in obstore.list(self._store, prefix=self.prefix + prefix):
                for meta in batch:
                    path = meta["path"]
                    if not path.startswith(self.prefix):
                        continue
                    key = path[len(self.prefix):]
                    try:
                        check_key(key)
                    except StoreError:
                        continue  # foreign objects under the prefix are not part of the store
                    yield ObjectInfo(key, int(meta["size"]), meta["last_modified"].timestamp())
        except StoreError:
            raise
        except Exception as e:
            raise StoreError(f"cannot list {prefix!r}: {e}") from None

    def delete(self, key: str) -> None:
        # obstore deletes through the bulk API (POST ?delete with a checksum header), which
        # s3proxy and other S3-compatible servers answer 501: send one plain (presigned) DELETE
        import datetime
        import urllib.error
        import urllib.parse
        import urllib.request

        import obstore

        self._count("delete")
        path = self._k(key)
        try:
            url = obstore.sign(self._store, "DELETE", path, datetime.timedelta(minutes=10))
        except Exception:
            if not self._endpoint:
                raise StoreError(f"cannot delete object {key!r}: no way to sign the request") from None
            url = f"{self._endpoint.rstrip('/')}/{self.bucket}/{urllib.parse.quote(path)}"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=60) as r:
                r.read()
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise StoreError(f"cannot delete object {key!r}: HTTP {e.code}") from None
        except OSError as e:
            raise StoreError(f"cannot delete object {key!r}: {e}") from None


def open_backend(url: Any, **options: Any) -> Backend:
    """A backend for a store URL: a directory path, ``file:///path`` or ``s3://bucket/prefix``."""
    if isinstance(url, Backend):
        return url
    url = os.fspath(url)
    if url.startswith("s3://"):
        return S3Backend(url, **options)
    if url.startswith("file://"):
        url = url[len("file://"):]
    if "://" in url:
        raise StoreError(f"unsupported store URL {url!r} (a directory, file:// or s3://)")
    return LocalBackend(url)
