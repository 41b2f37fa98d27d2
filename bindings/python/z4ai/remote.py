"""Containers on object storage and HTTP servers: ranged reads with retries, version pinning
and coalescing, for :class:`z4ai.safetensors.ZstnReader` and ``compress_file``.

One object is read through a :class:`RangedObject`: ``fetch(start, end)`` returns exactly
those bytes or raises :class:`RemoteError` naming the URL and the range. Every backend:

* opens with one suffix request (the last ``TAIL_BYTES``: the container's trailer and, for
  most files, its whole index), which also gives the size and the ETag; later requests
  carry ``If-Match`` with that ETag and every response's ETag is compared with it, so an
  object replaced between requests fails the read (never bytes of two versions mixed);
* retries transient failures (HTTP 5xx/429, connection reset or refused, timeouts, a body
  shorter than announced) ``retries`` times with exponential backoff, then raises;
* checks every response: ``206`` with a ``Content-Range`` equal to the range asked for and
  a body of exactly that length. A server that ignores ``Range`` (``200`` with the whole
  object), a lying ``Content-Length`` or a truncated object raise; nothing is decoded
  from such a response.

Backends: ``http(s)://`` (any server honouring ranges, presigned S3 URLs included; the
standard library's http.client, since fsspec's HTTP file hides the status and headers
these checks need), ``s3://`` through s3fs (``storage_options`` go to
``fsspec.filesystem("s3", ...)``: ``endpoint_url``, ``key``, ``secret``, ...), an obstore
store (:func:`from_obstore`), and any other fsspec URL (``gs://``, ``file://``,
``memory://``, ...) through ``fs.info`` + ``fs.cat_file`` (size and version from
``fs.info``: one request more to open, and the version is checked only when opening).
"""
from __future__ import annotations

import concurrent.futures as _cf
import http.client
import os
import re
import socket
import ssl
import threading
import time
import urllib.parse
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

__all__ = ["RemoteError", "RangedObject", "open_object", "from_obstore", "is_url", "coalesce", "TAIL_BYTES"]

#: Bytes the opening suffix request asks for: the 24-byte trailer plus the index of a
#: container with a few dozen tensors; a bigger index costs one request more.
TAIL_BYTES = 8192 - 64
#: Retries after the first attempt, and the first backoff (doubling, capped at 2 s).
RETRIES = 4
BACKOFF = 0.05


class RemoteError(OSError):
    """A ranged read failed for good (after the retries, or a non-transient answer)."""


class _Transient(Exception):
    """One attempt failed in a way worth retrying."""


class _Changed(RemoteError):
    pass


class _BodyError(RemoteError):
    """A streamed body failed after bytes arrived (a whole-range read retries it)."""


def is_url(s: Any) -> bool:
    """True for ``scheme://...`` strings other than plain paths (Windows drives aside)."""
    return isinstance(s, str) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+://", s) is not None


def _range_text(start: int, end: int) -> str:
    return f"bytes {start}-{end - 1}" if end > start else f"bytes {start}-(empty)"


class RangedObject:
    """One remote object read by byte ranges (thread-safe). Subclasses implement
    ``_get(start, end, suffix)`` -> ``(data, total_size, version)`` for one request."""

    url: str
    size: int
    version: Optional[str]

    def __init__(self, url: str, *, retries: int = RETRIES, backoff: float = BACKOFF,
                 tail_bytes: int = TAIL_BYTES) -> None:
        self.url = url
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.version = None
        self.requests = 0  # requests issued (attempts included)
        self.bytes = 0  # body bytes received
        self._lock = threading.Lock()
        self._tail_at = 0
        self._tail = b""
        self._open(int(tail_bytes))

    # -- backend hooks
    def _get(self, start: int, end: int, suffix: int = 0) -> Tuple[bytes, int, Optional[str]]:
        raise NotImplementedError

    def _open(self, tail_bytes: int) -> None:
        data, total, version = self._attempts(lambda: self._get(0, 0, suffix=tail_bytes), "the last "
                                              f"{tail_bytes} bytes")
        self.size, self.version = total, version
        if len(data) != min(tail_bytes, total):
            raise RemoteError(f"{self.url}: suffix request for {tail_bytes} bytes of a {total}-byte object "
                              f"returned {len(data)} bytes")
        self._tail_at, self._tail = total - len(data), data

    # -- the one retry loop
    def _attempts(self, call: Any, what: str, count: bool = True) -> Any:
        # count=False: call() issues (and counts) its own requests
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                if count:
                    with self._lock:
                        self.requests += 1
                return call()
            except _Transient as e:
                if attempt == self.retries:
                    raise RemoteError(f"{self.url}: reading {what} failed after {attempt + 1} attempts: {e}") from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    def _check_version(self, version: Optional[str], start: int, end: int) -> None:
        if version and self.version and version != self.version:
            raise _Changed(f"{self.url}: the object changed while it was being read (ETag {self.version} when "
                           f"opened, {version} reading {_range_text(start, end)})")

    def fetch(self, start: int, end: int) -> bytes:
        """Exactly bytes ``[start, end)`` of the object (one ranged request)."""
        if start < 0 or end > self.size or start > end:
            raise RemoteError(f"{self.url}: {_range_text(start, end)} lies outside the {self.size}-byte object")
        if end == start:
            return b""
        if start >= self._tail_at:
            return self._tail[start - self._tail_at: end - self._tail_at]

        def once() -> bytes:
            data, total, version = self._get(start, end)
            self._check_version(version, start, end)
            if total != self.size:
                raise _Changed(f"{self.url}: the object is {total} bytes now, {self.size} when opened")
            if len(data) != end - start:
                raise _Transient(f"short read: {len(data)} of {end - start} bytes")
            with self._lock:
                self.bytes += len(data)
            return data

        return self._attempts(once, _range_text(start, end))

    def read_into(self, offset: int, buf: Any) -> Optional[str]:
        """The read-at callback of a native reader: fills ``buf`` from ``offset``."""
        n = len(buf)
        buf[:] = self.fetch(offset, offset + n)
        return self.version

    def fetch_ranges(self, ranges: Sequence[Tuple[int, int]], *, max_workers: int = 8
                     ) -> Iterator[Tuple[int, int, bytes]]:
        """Fetches ranges concurrently; yields ``(start, end, data)`` as each arrives."""
        if len(ranges) <= 1:
            for a, b in ranges:
                yield a, b, self.fetch(a, b)
            return
        with _cf.ThreadPoolExecutor(max_workers=min(max_workers, len(ranges))) as pool:
            futures = {pool.submit(self.fetch, a, b): (a, b) for a, b in ranges}
            try:
                for f in _cf.as_completed(futures):
                    a, b = futures[f]
                    yield a, b, f.result()
            finally:
                for f in futures:
                    f.cancel()

    def stream_pieces(self, start: int, end: int, take: Any, give: Any) -> None:
        """Bytes ``[start, end)`` in one request, piece by piece as they arrive: each piece
        is read into a buffer from ``take()`` (a writable buffer; its length is the piece
        size) and handed on with ``give(buffer, nbytes)``. A backend without streaming
        fetches the range at once. A failure after the first bytes is not retried."""
        data = memoryview(self.fetch(start, end))
        at = 0
        while at < len(data):
            b = take()
            k = min(len(b), len(data) - at)
            b[:k] = data[at:at + k]
            at += k
            give(b, k)

    def close(self) -> None:
        pass


def _parse_content_range(value: Optional[str]) -> Tuple[int, int, int]:
    m = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+)\s*", value or "")
    if not m:
        raise RemoteError(f"bad or missing Content-Range {value!r}")
    a, b, total = (int(g) for g in m.groups())
    if b < a or b >= total:
        raise RemoteError(f"impossible Content-Range {value!r}")
    return a, b + 1, total


def _check_span(url: str, got: Tuple[int, int, int], start: int, end: int, suffix: int) -> None:
    a, b, total = got
    want = (max(0, total - suffix), total) if suffix else (start, end)
    if (a, b) != want:
        raise RemoteError(f"{url}: asked for {_range_text(*want)}, the server sent {_range_text(a, b)}")


class HttpObject(RangedObject):
    """``http(s)://`` URL read with ``Range`` requests over keep-alive connections (one per
    thread). ``headers`` are added to every request (e.g. an Authorization)."""

    def __init__(self, url: str, *, headers: Optional[Dict[str, str]] = None, timeout: float = 30.0,
                 **kwargs: Any) -> None:
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self._u = u
        self._target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        self._headers = dict(headers or {})
        self._timeout = timeout
        self._local = threading.local()
        super().__init__(url, **kwargs)

    def _conn(self) -> http.client.HTTPConnection:
        c = getattr(self._local, "conn", None)
        if c is None:
            port = self._u.port
            if self._u.scheme == "https":
                c = http.client.HTTPSConnection(self._u.hostname, port, timeout=self._timeout,
                                                context=ssl.create_default_context())
            else:
                c = http.client.HTTPConnection(self._u.hostname, port, timeout=self._timeout)
            self._local.conn = c
        return c

    def _drop(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def _request(self, start: int, end: int, suffix: int) -> http.client.HTTPResponse:
        h = dict(self._headers)
        h["Range"] = f"bytes=-{suffix}" if suffix else f"bytes={start}-{end - 1}"
        if self.version and not self.version.startswith("W/"):
            h["If-Match"] = self.version
        try:
            c = self._conn()
            c.request("GET", self._target, headers=h)
            return c.getresponse()
        except (OSError, http.client.HTTPException) as e:  # reset, refused, timeout, bad status line
            self._drop()
            raise _Transient(f"{type(e).__name__}: {e}") from None

    def _get(self, start: int, end: int, suffix: int = 0) -> Tuple[bytes, int, Optional[str]]:
        r = self._request(start, end, suffix)
        what = f"the last {suffix} bytes" if suffix else _range_text(start, end)
        try:
            if r.status == 206:
                got = _parse_content_range(r.getheader("Content-Range"))
                _check_span(self.url, got, start, end, suffix)
                n = got[1] - got[0]
                cl = r.getheader("Content-Length")
                if cl is not None and cl.strip() != str(n):
                    self._drop()
                    raise _Transient(f"Content-Length {cl} does not match Content-Range ({n} bytes)")
                self._check_version(r.getheader("ETag"), got[0], got[1])
                try:
                    data = r.read(n)
                except (OSError, http.client.HTTPException) as e:
                    self._drop()
                    raise _Transient(f"{type(e).__name__} reading the body: {e}") from None
                if len(data) != n:
                    self._drop()
                    raise _Transient(f"short read: {len(data)} of {n} bytes")
                return data, got[2], r.getheader("ETag")
            r.read()  # drain for the keep-alive connection
            if r.status == 200:
                raise RemoteError(f"{self.url}: the server ignored the Range request for {what} (200 with "
                                  "the whole object): it does not support ranged reads")
            if r.status == 412:
                raise _Changed(f"{self.url}: the object changed since it was opened (412 Precondition "
                               f"Failed on If-Match {self.version}) reading {what}")
            if r.status == 416:
                raise RemoteError(f"{self.url}: {what} is not satisfiable (416): the object is shorter "
                                  "than expected (truncated or replaced)")
            if r.status >= 500 or r.status == 429:
                raise _Transient(f"HTTP {r.status} {r.reason}")
            raise RemoteError(f"{self.url}: HTTP {r.status} {r.reason} reading {what}")
        except (OSError, http.client.HTTPException) as e:
            if isinstance(e, RemoteError):
                raise
            self._drop()
            raise _Transient(f"{type(e).__name__}: {e}") from None

    def stream_pieces(self, start: int, end: int, take: Any, give: Any) -> None:
        if end <= start:
            return
        if start >= self._tail_at:
            super().stream_pieces(start, end, take, give)
            return

        # The first attempt is retried like fetch(); once bytes flowed, a failure is final.
        def opened() -> http.client.HTTPResponse:
            r = self._request(start, end, 0)
            if r.status != 206:
                r.read()
                if r.status >= 500 or r.status == 429:
                    raise _Transient(f"HTTP {r.status} {r.reason}")
                if r.status == 412:
                    raise _Changed(f"{self.url}: the object changed since it was opened (412 Precondition "
                                   f"Failed on If-Match {self.version}) reading {_range_text(start, end)}")
                raise RemoteError(f"{self.url}: HTTP {r.status} {r.reason} reading {_range_text(start, end)}"
                                  + (" (the server ignored the Range request)" if r.status == 200 else ""))
            got = _parse_content_range(r.getheader("Content-Range"))
            _check_span(self.url, got, start, end, 0)
            if got[2] != self.size:
                raise _Changed(f"{self.url}: the object is {got[2]} bytes now, {self.size} when opened")
            cl = r.getheader("Content-Length")
            if cl is not None and cl.strip() != str(end - start):
                self._drop()
                raise _Transient(f"Content-Length {cl} does not match Content-Range ({end - start} bytes)")
            self._check_version(r.getheader("ETag"), start, end)
            return r

        r = self._attempts(opened, _range_text(start, end))
        n = end - start
        got = 0
        try:
            while got < n:
                buf = take()
                b = memoryview(buf)
                want = min(len(b), n - got)
                filled = 0
                while filled < want:
                    k = r.readinto(b[filled:want])
                    if not k:
                        raise _BodyError(f"{self.url}: the body of {_range_text(start, end)} ended "
                                         f"{n - got - filled} bytes early")
                    filled += k
                got += filled
                with self._lock:
                    self.bytes += filled
                b.release()
                give(buf, filled)
        except (OSError, http.client.HTTPException) as e:
            self._drop()
            if isinstance(e, RemoteError):
                raise
            raise _BodyError(f"{self.url}: reading {_range_text(start, end)} failed: {type(e).__name__}: {e}"
                             ) from None
        finally:
            if got < n:
                self._drop()

    def read_into(self, offset: int, buf: Any) -> Optional[str]:
        # Straight into the reader's buffer (no intermediate bytes object); a body that
        # fails midway is fetched again, within the same retry budget.
        n = len(buf)
        if n == 0 or offset >= self._tail_at:
            return super().read_into(offset, buf)
        if offset + n > self.size:
            raise RemoteError(f"{self.url}: {_range_text(offset, offset + n)} lies outside the {self.size}-byte "
                              "object")
        mv = memoryview(buf)

        def once() -> None:
            pos = [0]
            try:
                self.stream_pieces(offset, offset + n, lambda: mv[pos[0]:], lambda b, k: pos.__setitem__(0, pos[0] + k))
            except _BodyError as e:
                raise _Transient(str(e)) from None

        try:
            self._attempts(once, _range_text(offset, offset + n), count=False)
            return self.version
        finally:
            mv.release()

    def close(self) -> None:
        self._drop()


class S3Object(RangedObject):
    """``s3://bucket/key`` through s3fs (``get_object`` with ``Range`` and ``IfMatch``)."""

    def __init__(self, fs: Any, path: str, **kwargs: Any) -> None:
        self._fs = fs
        self._bucket, self._key, _ = fs.split_path(path)
        super().__init__(f"s3://{self._bucket}/{self._key}", **kwargs)

    async def _aget(self, kw: Dict[str, Any]) -> Tuple[Dict[str, Any], bytes]:
        resp = await self._fs._call_s3("get_object", **kw)
        body = resp["Body"]
        try:
            if resp.get("ContentRange") is None:
                return resp, b""  # refused below, without reading a whole object
            try:
                data = await body.read()
            except Exception as e:  # botocore's IncompleteReadError, aiohttp payload errors
                raise _Transient(f"{type(e).__name__} reading the body: {e}") from None
            return resp, data
        finally:
            body.close()

    def _get(self, start: int, end: int, suffix: int = 0) -> Tuple[bytes, int, Optional[str]]:
        from fsspec.asyn import sync

        kw: Dict[str, Any] = {"Bucket": self._bucket, "Key": self._key,
                              "Range": f"bytes=-{suffix}" if suffix else f"bytes={start}-{end - 1}"}
        if self.version:
            kw["IfMatch"] = self.version
        what = f"the last {suffix} bytes" if suffix else _range_text(start, end)
        try:
            resp, data = sync(self._fs.loop, self._aget, kw)
        except _Transient:
            raise
        except FileNotFoundError:
            raise RemoteError(f"{self.url}: no such object") from None
        except PermissionError as e:
            raise RemoteError(f"{self.url}: access denied reading {what}: {e}") from None
        except OSError as e:
            text = str(e)
            if "precondition" in text.lower() or "412" in text:
                raise _Changed(f"{self.url}: the object changed since it was opened (If-Match {self.version} "
                               f"failed) reading {what}") from None
            if "InvalidRange" in text or "416" in text:
                raise RemoteError(f"{self.url}: {what} is not satisfiable: the object is shorter than "
                                  "expected") from None
            raise _Transient(f"{type(e).__name__}: {e}") from None
        except Exception as e:  # botocore errors s3fs does not translate
            raise _Transient(f"{type(e).__name__}: {e}") from None
        cr = resp.get("ContentRange")
        if cr is None:
            raise RemoteError(f"{self.url}: no Content-Range in the answer to a ranged GET of {what}: the "
                              "server ignored the Range request")
        got = _parse_content_range(cr)
        _check_span(self.url, got, start, end, suffix)
        self._check_version(resp.get("ETag"), got[0], got[1])
        if len(data) != got[1] - got[0]:
            raise _Transient(f"short read: {len(data)} of {got[1] - got[0]} bytes")
        return data, got[2], resp.get("ETag")


class ObstoreObject(RangedObject):
    """An object of an obstore store (S3, GCS, Azure, HTTP, local, memory)."""

    def __init__(self, store: Any, path: str, **kwargs: Any) -> None:
        import obstore

        self._ob = obstore
        self._store = store
        self._path = path
        super().__init__(f"{type(store).__name__}:{path}", **kwargs)

    def _get(self, start: int, end: int, suffix: int = 0) -> Tuple[bytes, int, Optional[str]]:
        opts: Dict[str, Any] = {"range": {"suffix": suffix} if suffix else (start, end)}
        if self.version:
            opts["if_match"] = self.version
        what = f"the last {suffix} bytes" if suffix else _range_text(start, end)
        exc = getattr(self._ob, "exceptions", None)
        try:
            r = self._ob.get(self._store, self._path, options=opts)
            data = bytes(r.bytes())
        except Exception as e:
            name = type(e).__name__
            if exc is not None and isinstance(e, getattr(exc, "NotFoundError", ())):
                raise RemoteError(f"{self.url}: no such object") from None
            if "Precondition" in name or "NotModified" in name:
                raise _Changed(f"{self.url}: the object changed since it was opened (If-Match {self.version} "
                               f"failed) reading {what}") from None
            raise _Transient(f"{name}: {e}") from None
        meta = r.meta
        total = int(meta["size"])
        a, b = r.range
        _check_span(self.url, (a, b, total), start, end, suffix)
        version = meta.get("e_tag") or meta.get("version")
        self._check_version(version, a, b)
        if len(data) != b - a:
            raise _Transient(f"short read: {len(data)} of {b - a} bytes")
        return data, total, version


class FsspecObject(RangedObject):
    """Any fsspec filesystem: size and version from ``fs.info`` (checked at open only),
    bytes from ``fs.cat_file``."""

    def __init__(self, fs: Any, path: str, **kwargs: Any) -> None:
        self._fs = fs
        self._path = path
        proto = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
        super().__init__(f"{proto}://{path}" if "://" not in path else path, **kwargs)

    def _open(self, tail_bytes: int) -> None:
        try:
            info = self._fs.info(self._path)
        except FileNotFoundError:
            raise RemoteError(f"{self.url}: no such object") from None
        self.size = int(info["size"])
        v = next((info[k] for k in ("ETag", "etag", "generation", "md5Hash", "mtime", "created") if info.get(k)),
                 None)
        self.version = str(v) if v is not None else None
        n = min(tail_bytes, self.size)
        self._tail_at, self._tail = self.size, b""  # nothing cached while fetching the tail
        tail = self.fetch(self.size - n, self.size)
        self._tail_at, self._tail = self.size - n, tail

    def _get(self, start: int, end: int, suffix: int = 0) -> Tuple[bytes, int, Optional[str]]:
        try:
            data = self._fs.cat_file(self._path, start=start, end=end)
        except FileNotFoundError:
            raise RemoteError(f"{self.url}: no such object") from None
        except OSError as e:
            raise _Transient(f"{type(e).__name__}: {e}") from None
        return data, self.size, None


def open_object(url: str, **storage_options: Any) -> RangedObject:
    """The :class:`RangedObject` for a URL. ``retries``, ``backoff``, ``tail_bytes`` and
    (http) ``headers``/``timeout`` are taken from ``storage_options``; the rest go to
    ``fsspec.filesystem(protocol, ...)``."""
    own = {k: storage_options.pop(k) for k in ("retries", "backoff", "tail_bytes") if k in storage_options}
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("http", "https"):
        http_kw = {k: storage_options.pop(k) for k in ("headers", "timeout") if k in storage_options}
        return HttpObject(url, **http_kw, **own)
    import fsspec

    fs, path = fsspec.core.url_to_fs(url, **storage_options)
    if scheme in ("s3", "s3a"):
        return S3Object(fs, path, **own)
    return FsspecObject(fs, path, **own)


def from_obstore(store: Any, path: str, **kwargs: Any) -> RangedObject:
    return ObstoreObject(store, path, **kwargs)


def coalesce(extents: Iterable[Tuple[int, int]], *, gap: int = 1 << 20, max_range: int = 64 << 20
             ) -> List[Tuple[int, int]]:
    """Merges ``(offset, size)`` extents into few ``(start, end)`` ranges: neighbours closer
    than ``gap`` bytes join (the bytes between are read and dropped), and a range stops
    growing past ``max_range`` so big reads still run in parallel."""
    spans = sorted({(o, o + n) for o, n in extents if n > 0})
    out: List[Tuple[int, int]] = []
    for a, b in spans:
        if out and (a < out[-1][1] or (a - out[-1][1] <= gap and b - out[-1][0] <= max_range)):
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
