"""Real servers for the object-storage tests, on 127.0.0.1 only, bounded in time.

``S3Server`` runs s3proxy (Maven Central, fetched by scripts/setup-deps.sh) with its
filesystem backend: a real S3 implementation (SigV2/V4 parsing, multipart uploads,
ranged GETs answered with 206), not a mock library. ``CountingProxy`` sits in front of
any HTTP server and records every request it forwards (method, path, Range, status,
body bytes), so a test can assert how many requests and bytes a read cost; it can also
misbehave on purpose (5xx, connection reset, short body, a full 200 for a Range request,
a lying Content-Length) to test the clients' resilience.

    with S3Server() as s3, CountingProxy(s3.endpoint) as proxy:
        s3.create_bucket("b")
        ... point the client at proxy.endpoint ...
        assert proxy.count(method="GET") == 1

Both stop on ``close()``/context exit and at interpreter exit; every wait is bounded.
"""
from __future__ import annotations

import atexit
import glob
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional

S3PROXY_VERSION = "2.7.0"
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCESS_KEY = "z4ai-test"
SECRET_KEY = "z4ai-test-secret"
REGION = "us-east-1"


def find_s3proxy_jar() -> Optional[str]:
    """The s3proxy jar: $Z4AI_S3PROXY_JAR, else the cache setup-deps.sh fills."""
    env = os.environ.get("Z4AI_S3PROXY_JAR")
    if env:
        return env if os.path.isfile(env) else None
    caches = [os.environ.get("Z4AI_CACHE"), os.path.join(_REPO, ".cache")]
    for cache in caches:
        if not cache:
            continue
        hits = sorted(glob.glob(os.path.join(cache, "s3proxy", "s3proxy-*-jar-with-dependencies.jar")))
        if hits:
            return hits[-1]
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, deadline: float, proc: Optional[subprocess.Popen] = None) -> None:
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


class S3Server:
    """s3proxy with the filesystem backend in a private directory, on 127.0.0.1."""

    def __init__(self, jar: Optional[str] = None, start_timeout: float = 60.0):
        self.jar = jar or find_s3proxy_jar()
        if not self.jar:
            raise FileNotFoundError(
                "s3proxy jar not found: run scripts/setup-deps.sh (or set Z4AI_S3PROXY_JAR)")
        java = shutil.which("java")
        if not java:
            raise FileNotFoundError("java not found (scripts/setup-deps.sh installs default-jdk-headless)")
        self.dir = tempfile.mkdtemp(prefix="z4ai-s3proxy-")
        self.data_dir = os.path.join(self.dir, "data")
        os.mkdir(self.data_dir)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        props = os.path.join(self.dir, "s3proxy.properties")
        with open(props, "w") as f:
            f.write(
                "s3proxy.authorization=aws-v2-or-v4\n"
                f"s3proxy.identity={ACCESS_KEY}\n"
                f"s3proxy.credential={SECRET_KEY}\n"
                f"s3proxy.endpoint={self.endpoint}\n"
                "jclouds.provider=filesystem\n"
                f"jclouds.filesystem.basedir={self.data_dir}\n"
            )
        self.log_path = os.path.join(self.dir, "s3proxy.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [java, "-Xmx512m", "-jar", self.jar, "--properties", props],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        atexit.register(self.close)
        try:
            _wait_listening(self.port, time.monotonic() + start_timeout, self.proc)
        except Exception:
            self.close()
            raise

    # --- clients ---------------------------------------------------------------
    def client_kwargs(self) -> dict:
        """Keyword arguments for boto3.client("s3", **kw)."""
        from botocore.config import Config

        return dict(endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                    aws_secret_access_key=SECRET_KEY, region_name=REGION,
                    # s3proxy rejects botocore's default flexible-checksum headers.
                    config=Config(request_checksum_calculation="when_required",
                                  response_checksum_validation="when_required",
                                  s3={"addressing_style": "path"}))

    def boto3(self, endpoint: Optional[str] = None):
        import boto3

        kw = self.client_kwargs()
        if endpoint:
            kw["endpoint_url"] = endpoint
        return boto3.client("s3", **kw)

    def storage_options(self, endpoint: Optional[str] = None) -> dict:
        """fsspec/s3fs storage options (``fsspec.open("s3://b/k", **opts)``)."""
        return {
            "key": ACCESS_KEY, "secret": SECRET_KEY,
            "client_kwargs": {"endpoint_url": endpoint or self.endpoint, "region_name": REGION},
            "config_kwargs": {"request_checksum_calculation": "when_required",
                              "response_checksum_validation": "when_required",
                              "s3": {"addressing_style": "path"}},
        }

    def obstore(self, bucket: str, endpoint: Optional[str] = None):
        """An obstore S3Store for ``bucket``."""
        from obstore.store import S3Store

        return S3Store(bucket, endpoint=endpoint or self.endpoint, access_key_id=ACCESS_KEY,
                       secret_access_key=SECRET_KEY, region=REGION,
                       client_options={"allow_http": True}, virtual_hosted_style_request=False)

    def create_bucket(self, name: str) -> None:
        self.boto3().create_bucket(Bucket=name)

    # --- lifetime ----------------------------------------------------------------
    def close(self) -> None:
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if getattr(self, "_log", None) is not None and not self._log.closed:
            self._log.close()
        if getattr(self, "dir", None) and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- counting (and misbehaving) reverse proxy -------------------------------------

@dataclass
class Request:
    method: str
    path: str  # path + query as sent
    range: Optional[str]
    status: int = 0
    body_bytes: int = 0  # response body bytes sent to the client


@dataclass
class Fault:
    """What the proxy does instead of forwarding faithfully.

    kind: "status" (answer ``status`` with an empty body), "reset" (close the
    connection without an answer), "short" (forward, but send only ``keep`` body bytes
    and close), "full200" (forward without the Range header and answer 200 with the whole
    object), "lie_length" (forward, but announce ``keep`` body bytes more than sent).
    """

    kind: str
    status: int = 503
    keep: int = 0


FaultRule = Callable[[Request], Optional[Fault]]


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "z4ai-counting-proxy"

    def log_message(self, *args):  # quiet
        pass

    def _forward(self) -> None:
        proxy: CountingProxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(self.command, self.path, self.headers.get("Range"))
        fault = proxy._fault_for(req)
        if fault is not None and fault.kind == "reset":
            req.status = -1
            proxy._record(req)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault is not None and fault.kind == "status":
            req.status = fault.status
            proxy._record(req)
            self.send_response(fault.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        headers["Host"] = self.headers.get("Host", proxy.upstream_host)  # keeps SigV4 valid
        if fault is not None and fault.kind == "full200":
            headers.pop("Range", None)
            headers.pop("range", None)
        conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        sent = data
        announced = len(data)
        if fault is not None and fault.kind == "short":
            sent = data[: fault.keep]
        if fault is not None and fault.kind == "lie_length":
            announced = len(data) + fault.keep
        req.status = resp.status
        req.body_bytes = len(sent) if self.command != "HEAD" else 0
        proxy._record(req)
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            self.send_header(k, v)
        if self.command == "HEAD":
            self.send_header("Content-Length", resp.getheader("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(announced))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(sent)
        if len(sent) != announced:
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward


class CountingProxy:
    """A reverse proxy on 127.0.0.1 that records (and can disturb) every request."""

    def __init__(self, upstream: str):
        assert upstream.startswith("http://127.0.0.1:") or upstream.startswith("http://localhost:"), upstream
        hostport = upstream.split("://", 1)[1].rstrip("/")
        self.upstream_host, port = hostport.rsplit(":", 1)
        self.upstream_port = int(port)
        self.requests: list[Request] = []
        self.rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self.httpd.daemon_threads = True
        self.httpd.proxy = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def _record(self, req: Request) -> None:
        with self._lock:
            self.requests.append(req)

    def _fault_for(self, req: Request) -> Optional[Fault]:
        with self._lock:
            rules = list(self.rules)
        for rule in rules:
            f = rule(req)
            if f is not None:
                return f
        return None

    def fail_next(self, n: int, fault: Fault, method: str = "GET") -> None:
        """Disturb the next ``n`` requests of ``method`` with ``fault``."""
        left = [n]

        def rule(req: Request) -> Optional[Fault]:
            if req.method == method and left[0] > 0:
                left[0] -= 1
                return fault
            return None

        with self._lock:
            self.rules.append(rule)

    def reset(self) -> None:
        """Forget recorded requests and fault rules."""
        with self._lock:
            self.requests.clear()
            self.rules.clear()

    def count(self, method: Optional[str] = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if method is None or r.method == method)

    def bytes(self, method: Optional[str] = None) -> int:
        with self._lock:
            return sum(r.body_bytes for r in self.requests if method is None or r.method == method)

    def close(self) -> None:
        httpd = getattr(self, "httpd", None)
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            self.httpd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
