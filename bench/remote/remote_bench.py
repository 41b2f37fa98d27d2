#!/usr/bin/env python3
"""Remote containers (issue #17), one command:

    PYTHONPATH=build/python python3 bench/remote/remote_bench.py [--runs N] [--no-s3] [--doc]

1. Throughput: a >= 100 MB fp32 tensor made of real trained weights (the corpus's
   MiniLM-L6-v2, PP-OCRv4 rec/det and Silero VAD fp32 arrays concatenated) in a .zstn
   served by nginx on 127.0.0.1. Timed side by side, best of N: a plain ranged GET of the
   tensor's frame bytes (http.client, readinto a preallocated buffer: the transfer alone)
   vs ``ZstnReader.open_url(url).read_numpy(name)`` (one ranged GET into the reader's
   buffer, then the one-shot decode) and ``read_numpy(name, overlap=True)`` (the streaming
   decoder fed while the body arrives). Target: z4ai >= 80% of the plain GET.
2. Request counts against s3proxy behind the counting proxy (tests/servers/s3server.py) on
   the real MiniLM-L6-v2 container: open, one tensor, read_many of 50 tensors.

Prints Markdown tables; --doc also writes them into docs/BENCHMARKS.md and
docs/CONTAINERS.md between <!-- remote-bench:begin/end --> markers (bench/report.py keeps
that block when it regenerates BENCHMARKS.md).
"""
import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "servers"))

import z4ai  # noqa: E402
import z4ai.safetensors as zs  # noqa: E402

REAL = ["minilm-l6-v2.f32", "ppocrv4-rec.f32", "ppocrv4-det.f32", "silero-vad-v5.f32"]


def corpus() -> str:
    cache = os.environ.get("Z4AI_CACHE", os.path.join(ROOT, ".cache"))
    path = os.path.join(cache, "corpus", "real")
    missing = [f for f in REAL if not os.path.isfile(os.path.join(path, f))]
    if missing:
        sys.exit(f"corpus files missing under {path}: {missing} (run bench/corpus/fetch.sh)")
    return path


def start_nginx(root: str, tmp: str):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    for _ in range(5):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        os.makedirs(os.path.join(tmp, "logs"), exist_ok=True)
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off; master_process off; worker_processes 1;
error_log {tmp}/logs/error.log; pid {tmp}/nginx.pid;
events {{ worker_connections 64; }}
http {{ access_log off; sendfile on; client_body_temp_path {tmp}/b; proxy_temp_path {tmp}/p;
  fastcgi_temp_path {tmp}/f; uwsgi_temp_path {tmp}/u; scgi_temp_path {tmp}/s;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
        proc = subprocess.Popen([nginx, "-p", tmp, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return proc, port
            except OSError:
                time.sleep(0.05)
        proc.kill()
        proc.wait()
    sys.exit("nginx did not start")


def plain_get(port: int, path: str, start: int, end: int, buf: bytearray) -> None:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", path, headers={"Range": f"bytes={start}-{end - 1}"})
    r = c.getresponse()
    assert r.status == 206
    mv = memoryview(buf)
    got = 0
    while got < len(buf):
        n = r.readinto(mv[got:])
        if not n:
            raise IOError("short body")
        got += n
    c.close()


OUT = []


def emit(line: str = "") -> None:
    OUT.append(line)
    print(line)


def interleaved(fns, runs: int):
    """Best time of each function, the runs interleaved (a, b, c, a, b, c, ...) so that a
    change in the machine's load hits every row alike."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for k, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t)
    return best


def throughput(runs: int) -> None:
    path = corpus()
    raw = b"".join(open(os.path.join(path, f), "rb").read() for f in REAL)
    raw = raw[: len(raw) // 4 * 4]
    big = np.frombuffer(raw, dtype=np.float32)
    st = zs.serialize_numpy({"weights": big})
    blob = zs.compress(st, threads=0)
    tmp = tempfile.mkdtemp(prefix="z4ai-remote-bench-")
    www = os.path.join(tmp, "www")
    os.mkdir(www)
    with open(os.path.join(www, "big.zstn"), "wb") as f:
        f.write(blob)
    proc, port = start_nginx(www, tmp)
    try:
        url = f"http://127.0.0.1:{port}/big.zstn"
        with zs.ZstnReader.open_url(url, threads=0) as r:
            info = r.info("weights")
            off, n = r._r.tensor_extent_offset(0), r._r.tensor_extent_size(0)
            buf = bytearray(n)
            out = np.empty(big.shape, np.float32)
            frame = blob[off:off + n]
            for kw in ({}, {"overlap": True}):  # each timed path checked on its own first
                out.fill(0)
                r.read_numpy("weights", out=out, **kw)
                assert out.tobytes() == raw, kw
            load0 = os.getloadavg()[0]
            t_plain, t_z4ai, t_overlap, t_decode = interleaved([
                lambda: plain_get(port, "/big.zstn", off, off + n, buf),
                lambda: r.read_numpy("weights", out=out),
                lambda: r.read_numpy("weights", out=out, overlap=True),
                lambda: r._r.read_tensor_from(0, frame, off, out.reshape(-1).view(np.uint8)),
            ], runs)
            load1 = os.getloadavg()[0]
            assert bytes(buf) == blob[off:off + n]
            assert out.tobytes() == raw
        mb = len(raw) / 1e6
        emit(f"### Reading one {mb:.0f} MB tensor over HTTP (nginx, 127.0.0.1; best of {runs}, interleaved)")
        emit()
        emit(f"Tensor: {len(raw):,} bytes of real fp32 weights ({', '.join(f[:-4] for f in REAL)} concatenated), "
             f"frame {n:,} bytes (ratio {len(raw) / n:.3f}); {os.cpu_count()} cores, threads=0, load average "
             f"{load0:.1f} -> {load1:.1f} during the run.")
        emit()
        emit("| read | time (ms) | MB/s of tensor | vs plain GET |")
        emit("|---|---:|---:|---:|")
        emit(f"| plain ranged GET of the frame bytes (no decode) | {t_plain * 1e3:.0f} | {mb / t_plain:.0f} | 100% |")
        emit(f"| z4ai `read_numpy` (one GET into the reader's buffer, then decode) | {t_z4ai * 1e3:.0f} | "
             f"{mb / t_z4ai:.0f} | **{100 * t_plain / t_z4ai:.0f}%** |")
        emit(f"| z4ai `read_numpy(overlap=True)` (streaming decode during the GET) | {t_overlap * 1e3:.0f} | "
             f"{mb / t_overlap:.0f} | {100 * t_plain / t_overlap:.0f}% |")
        emit(f"| decode alone (`read_tensor_from`, bytes in memory) | {t_decode * 1e3:.0f} | {mb / t_decode:.0f} | - |")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def s3_counts() -> None:
    import s3server

    path = os.path.join(corpus(), "minilm-l6-v2.safetensors")
    st = open(path, "rb").read()
    blob = zs.compress(st, threads=0)
    with s3server.S3Server() as s3, s3server.CountingProxy(s3.endpoint) as proxy:
        s3.create_bucket("bench")
        s3.boto3().put_object(Bucket="bench", Key="minilm.zstn", Body=blob)
        opts = s3.storage_options(proxy.endpoint)
        proxy.reset()
        with zs.ZstnReader.open_url("s3://bench/minilm.zstn", **opts) as r:
            open_req, open_bytes = proxy.count(), proxy.bytes()
            end = max(r._r.tensor_extent_offset(i) + r._r.tensor_extent_size(i) for i in range(len(r)))
            index = len(blob) - end
            names = sorted(r.names(), key=lambda k: r.info(k).stored_size)
            one = names[len(names) // 2]
            proxy.reset()
            r.read_numpy(one)
            one_req, one_bytes, frame = proxy.count(), proxy.bytes(), r.info(one).stored_size
            fifty = [k for k in r.names() if r.info(k).stored_size][:50]
            proxy.reset()
            r.read_many(fifty)
            many_req, many_bytes = proxy.count(), proxy.bytes()
            need = sum(r._r.tensor_extent_size(r.info(k).index) for k in fifty)
        emit()
        emit(f"### Requests against s3proxy (counting proxy), real MiniLM-L6-v2 .zstn ({len(blob):,} bytes, "
             f"{len(names)} tensors)")
        emit()
        emit("| operation | target | requests | bytes received |")
        emit("|---|---|---:|---:|")
        emit(f"| open (`ZstnReader.open_url`) | <= 3 requests, <= 8 KiB + index ({index:,} B) | {open_req} | "
              f"{open_bytes:,} |")
        emit(f"| one tensor (`read_numpy`, frame {frame:,} B) | exactly 1 ranged GET of the frame | {one_req} | "
              f"{one_bytes:,} |")
        emit(f"| `read_many` of 50 tensors (frames {need:,} B) | <= 5 requests | {many_req} | {many_bytes:,} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-s3", action="store_true")
    ap.add_argument("--doc", action="store_true", help="write the tables into docs/BENCHMARKS.md and CONTAINERS.md")
    a = ap.parse_args()
    throughput(a.runs)
    if not a.no_s3:
        s3_counts()
    if a.doc:
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        block = ("<!-- remote-bench:begin -->\n## Remote containers (issue #17)\n\n"
                 f"`PYTHONPATH=build/python python3 bench/remote/remote_bench.py --doc` ({stamp}).\n\n"
                 + "\n".join(l.replace("### ", "### ") for l in OUT) + "\n<!-- remote-bench:end -->\n")
        for doc in ("BENCHMARKS.md", "CONTAINERS.md"):
            path = os.path.join(ROOT, "docs", doc)
            text = open(path).read()
            a_, b_ = text.find("<!-- remote-bench:begin -->"), text.find("<!-- remote-bench:end -->")
            if a_ >= 0 and b_ > a_:
                text = text[:a_] + block + text[b_ + len("<!-- remote-bench:end -->\n"):]
            else:
                text = text.rstrip("\n") + "\n\n" + block
            open(path, "w").write(text)
            print(f"[remote_bench] wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
