"""Containers read through read-at sources and over HTTP (issue #17).

Every source kind ZstnReader takes (seekable file objects, read_at callables, file
descriptors, fsspec URLs, an HTTP server) must give the bytes a local reader gives.
The HTTP server here is a small hostile one on 127.0.0.1, started and stopped by the
fixture: it counts requests and bytes, and can fail, reset, truncate, lie about
Content-Length, ignore Range or replace the object, so the retries and checks of
z4ai.remote are exercised for real (s3proxy tests: test_s3.py).
"""
import http.server
import io
import os
import socket
import threading

import numpy as np
import pytest

import z4ai
import z4ai.remote as zr
import z4ai.safetensors as zs


def make_model(rng, n=60, rows=32, cols=48, big=None):
    tensors = {}
    for i in range(n):
        dt = np.float32 if i % 3 else np.float16
        tensors[f"layers.{i:03d}.weight"] = (rng.standard_normal((rows, cols)) * 0.02).astype(dt)
    tensors["tied.a"] = tensors["layers.001.weight"].copy()
    tensors["empty"] = np.zeros((0, 4), np.float32)
    if big:
        tensors["big"] = (rng.standard_normal(big) * 0.02).astype(np.float32)
    return tensors


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(17)
    tensors = make_model(rng)
    st = zs.serialize_numpy(tensors, metadata={"format": "pt"})
    return tensors, zs.compress(st)


class Hostile(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile"

    def log_message(self, *a):
        pass

    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.requests.append(self.headers.get("Range"))
            mode = srv.faults.pop(0) if srv.faults else srv.mode
        body, etag = srv.body, srv.etag
        if mode == "503":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
            return
        im = self.headers.get("If-Match")
        if im is not None and im != etag:
            self.send_response(412)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        rng = self.headers.get("Range")
        if mode == "full200" or rng is None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)
            return
        spec = rng.split("=", 1)[1]
        a, b = spec.split("-")
        size = len(body)
        if a == "":
            start, end = max(0, size - int(b)), size
        else:
            start, end = int(a), min(int(b) + 1, size)
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = body[start:end]
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        self.send_header("ETag", etag)
        if mode == "lying-length":
            self.send_header("Content-Length", str(len(data) + 100))
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if mode == "short":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.close_connection = True
            return
        self.wfile.write(data)
        with srv.lock:
            srv.sent += len(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, body):
        super().__init__(("127.0.0.1", 0), Hostile)
        self.lock = threading.Lock()
        self.body, self.etag = body, '"v1"'
        self.mode = "ok"
        self.faults = []
        self.requests = []
        self.sent = 0

    def reset_counts(self):
        with self.lock:
            self.requests = []
            self.sent = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/model.zstn"


@pytest.fixture
def server(model):
    srv = Server(model[1])
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    t.join(timeout=5)


def check_all(r, tensors):
    assert sorted(r.names()) == sorted(tensors)
    for name, want in tensors.items():
        got = r.read_numpy(name)
        assert got.dtype.itemsize == want.dtype.itemsize and got.shape == want.shape
        assert got.tobytes() == want.tobytes(), name


# ---- source kinds --------------------------------------------------------------
def test_seekable_file_object(model, tmp_path):
    tensors, blob = model
    with zs.ZstnReader(io.BytesIO(blob)) as r:  # the TypeError case
        check_all(r, tensors)
    p = tmp_path / "m.zstn"
    p.write_bytes(blob)
    with open(p, "rb") as f, zs.ZstnReader.open(f) as r:
        check_all(r, tensors)
        calls, nbytes = r.io_stats()
        assert nbytes < len(blob) * 1.01 + 4096


def test_read_at_callable_and_fd(model, tmp_path):
    tensors, blob = model
    seen = []

    def read_at(offset, size):
        seen.append((offset, size))
        return blob[offset:offset + size]

    with zs.ZstnReader(read_at, size=len(blob)) as r:
        assert len(seen) == 3  # prefix, trailer, index
        check_all(r, tensors)
    with pytest.raises(TypeError, match="size="):
        zs.ZstnReader(read_at)
    p = tmp_path / "m.zstn"
    p.write_bytes(blob)
    fd = os.open(p, os.O_RDONLY)
    try:
        with zs.ZstnReader(fd) as r:
            check_all(r, tensors)
    finally:
        os.close(fd)
    with pytest.raises(TypeError, match="cannot read a container"):
        zs.ZstnReader(3.5)


def test_callback_exception_becomes_io_error(model):
    tensors, blob = model
    state = {"fail": False}

    def read_at(offset, size):
        if state["fail"]:
            raise ConnectionError("simulated outage at the object store")
        return blob[offset:offset + size]

    with zs.ZstnReader(read_at, size=len(blob)) as r:
        state["fail"] = True
        with pytest.raises(z4ai.IoError, match="ConnectionError: simulated outage") as e:
            r.read_numpy("layers.003.weight")
        assert e.value.name == "Z4AI_E_IO"
        state["fail"] = False
        assert r.read_numpy("layers.003.weight").tobytes() == tensors["layers.003.weight"].tobytes()
    # a callback returning the wrong length is an error, not garbage
    with zs.ZstnReader(lambda o, n: blob[o:o + n], size=len(blob)) as r:
        pass
    with pytest.raises(z4ai.IoError, match="returned"):
        zs.ZstnReader(lambda o, n: blob[o:o + n - 1] if n > 100 else blob[o:o + n], size=len(blob))


def test_callback_from_many_threads(model):
    # Readers on one callback source used from several threads: the trampoline takes the GIL.
    tensors, blob = model
    errors = []

    def work(k):
        try:
            with zs.ZstnReader(lambda o, n: blob[o:o + n], size=len(blob), threads=2) as r:
                for name in list(tensors)[k::4]:
                    assert r.read_numpy(name).tobytes() == tensors[name].tobytes()
        except Exception as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors


def test_fsspec_urls(model, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    tensors, blob = model
    fs = fsspec.filesystem("memory")
    fs.pipe("/remote-test/model.zstn", blob)
    with zs.ZstnReader.open_url("memory://remote-test/model.zstn") as r:
        check_all(r, tensors)
        assert isinstance(r.remote, zr.FsspecObject)
    p = tmp_path / "m.zstn"
    p.write_bytes(blob)
    with zs.ZstnReader.open_url("file://" + str(p)) as r:
        check_all(r, tensors)
    got = zs.load_numpy("memory://remote-test/model.zstn", ["layers.010.weight", "empty"])
    assert sorted(got) == ["empty", "layers.010.weight"]
    assert got["layers.010.weight"].tobytes() == tensors["layers.010.weight"].tobytes()
    fs.rm("/remote-test/model.zstn")


def test_obstore_memory_store(model):
    obstore = pytest.importorskip("obstore")
    from obstore.store import MemoryStore

    tensors, blob = model
    store = MemoryStore()
    obstore.put(store, "m/model.zstn", blob)
    with zs.ZstnReader.from_obstore(store, "m/model.zstn") as r:
        check_all(r, tensors)
        got = r.read_many([f"layers.{i:03d}.weight" for i in range(50)])
        for k, v in got.items():
            assert v.tobytes() == tensors[k].tobytes()


# ---- HTTP: request counts ------------------------------------------------------
def test_http_open_one_tensor_read_many(server, model):
    tensors, blob = model
    server.reset_counts()
    with zs.ZstnReader.open_url(server.url) as r:
        opened = list(server.requests)
        assert 1 <= len(opened) <= 3, opened
        index_size = int(r.describe()["input_size"]) and None
        assert server.sent <= 8192 + 64 + len(blob) - max(r.remote._tail_at, 0)
        # one tensor = one ranged request of exactly its frame
        server.reset_counts()
        name = "layers.007.weight"
        assert r.read_numpy(name).tobytes() == tensors[name].tobytes()
        info = r.info(name)
        assert len(server.requests) == 1
        assert server.sent == info.stored_size
        # read_many of 50 tensors: <= 5 requests
        server.reset_counts()
        names = [f"layers.{i:03d}.weight" for i in range(50)]
        got = r.read_many(names)
        assert len(server.requests) <= 5, server.requests
        for k in names:
            assert got[k].tobytes() == tensors[k].tobytes()
        # a tied tensor and an empty one need nothing more than their target
        got = r.read_many(["tied.a", "empty"])
        assert got["tied.a"].tobytes() == tensors["tied.a"].tobytes() and got["empty"].size == 0


def test_http_open_cost_with_index_beyond_the_tail(rng):
    # More tensors than the 8 KiB opening suffix holds: one request more, still <= 3.
    tensors = make_model(rng, n=400, rows=4, cols=8)
    blob = zs.compress(zs.serialize_numpy(tensors))
    srv = Server(blob)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        with zs.ZstnReader.open_url(srv.url) as r:
            assert len(srv.requests) <= 3, srv.requests
            check_all(r, tensors)
    finally:
        srv.shutdown()
        srv.server_close()


# ---- HTTP: resilience ----------------------------------------------------------
def test_http_transient_failures_are_retried(server, model):
    tensors, blob = model
    with zs.ZstnReader.open_url(server.url, backoff=0.001) as r:
        for fault in ("503", "reset", "short", "lying-length"):
            server.faults = [fault, fault]
            server.reset_counts()
            name = "layers.020.weight"
            assert r.read_numpy(name).tobytes() == tensors[name].tobytes(), fault
            assert len(server.requests) == 3, (fault, server.requests)


def test_http_gives_up_with_url_and_range(server, model):
    with zs.ZstnReader.open_url(server.url, backoff=0.001, retries=2) as r:
        server.mode = "503"
        server.reset_counts()
        info = r.info("layers.020.weight")
        with pytest.raises(z4ai.IoError) as e:
            r.read_numpy("layers.020.weight")
        msg = str(e.value)
        assert server.url in msg and "after 3 attempts" in msg and "HTTP 503" in msg
        off = r._r.tensor_extent_offset(info.index)
        assert f"bytes {off}-{off + info.stored_size - 1}" in msg
        assert len(server.requests) == 3


def test_http_range_ignored_is_an_error(server, model):
    with zs.ZstnReader.open_url(server.url) as r:
        server.mode = "full200"
        with pytest.raises(z4ai.IoError, match="ignored the Range request"):
            r.read_numpy("layers.001.weight")
    server.mode = "full200"
    with pytest.raises(zr.RemoteError, match="ignored the Range request"):
        zs.ZstnReader.open_url(server.url)


def test_http_object_replaced_is_detected(server, model):
    tensors, blob = model
    with zs.ZstnReader.open_url(server.url) as r:
        other = zs.compress(zs.serialize_numpy(make_model(np.random.default_rng(99))))
        server.body, server.etag = other, '"v2"'
        with pytest.raises(z4ai.IoError, match="changed"):
            r.read_numpy("layers.004.weight")
        # a server that ignores If-Match but sends the new ETag: caught by the pinned version
        r.remote.version = r.remote.version  # unchanged pin
    with zs.ZstnReader.open_url(server.url) as r:
        assert r.read_numpy("layers.004.weight").shape == (32, 48)


def test_http_truncated_object(server, model):
    tensors, blob = model
    with zs.ZstnReader.open_url(server.url) as r:
        server.body = blob[: len(blob) // 2]  # same ETag: a lying server
        with pytest.raises(z4ai.IoError):
            for name in tensors:
                r.read_numpy(name)
    # a container cut short is refused at open (its trailer is gone)
    with pytest.raises(z4ai.Error):
        zs.ZstnReader.open_url(server.url)


def test_http_big_tensor_streams(rng):
    tensors = make_model(rng, n=3, big=3 << 20)  # a 12 MiB tensor: with overlap, decoded as it downloads
    blob = zs.compress(zs.serialize_numpy(tensors))
    srv = Server(blob)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        with zs.ZstnReader.open_url(srv.url, threads=2) as r:
            info = r.info("big")
            assert info.stored_size >= zs._STREAM_MIN
            srv.reset_counts()
            assert r.read_numpy("big", overlap=True).tobytes() == tensors["big"].tobytes()
            assert len(srv.requests) == 1 and srv.sent == info.stored_size
            srv.reset_counts()
            assert r.read_numpy("big").tobytes() == tensors["big"].tobytes()
            assert len(srv.requests) == 1 and srv.sent == info.stored_size
            srv.faults = ["short"]  # a body cut short mid-stream: an error, never partial output
            with pytest.raises(OSError, match="ended|failed|short"):
                r.read_numpy("big", overlap=True)
    finally:
        srv.shutdown()
        srv.server_close()


# ---- writing -------------------------------------------------------------------
def test_compress_file_to_fsspec_url(model, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    tensors, blob = model
    st = zs.serialize_numpy(tensors)
    src = tmp_path / "m.safetensors"
    src.write_bytes(st)
    stats = zs.compress_file(src, "memory://up/model.zstn")
    fs = fsspec.filesystem("memory")
    assert fs.cat_file("/up/model.zstn") == zs.compress(st)
    assert stats["output_size"] == len(fs.cat_file("/up/model.zstn"))
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    with pytest.raises(z4ai.Error):
        zs.compress_file(bad, "memory://up/bad.zstn")
    assert not fs.exists("/up/bad.zstn")
    fs.rm("/up/model.zstn")


def test_compress_to_writer_failure_keeps_message(model):
    tensors, _ = model
    st = zs.serialize_numpy(tensors)
    c = zs._cparams()
    pieces = []

    def write(mv):
        pieces.append(bytes(mv))
        if len(pieces) == 3:
            raise OSError("disk full on the uploader")

    with pytest.raises(z4ai.IoError, match="OSError: disk full on the uploader"):
        c.safetensors_compress_to(st, write)
    pieces.clear()
    n = c.safetensors_compress_to(st, lambda mv: pieces.append(bytes(mv)))
    c.close()
    assert b"".join(pieces) == zs.compress(st) and n == len(b"".join(pieces))
