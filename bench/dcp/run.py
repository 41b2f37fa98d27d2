#!/usr/bin/env python3
"""DCP and Dask benchmarks of issue 19, one command, same checkpoints in one run.

    PYTHONPATH=build/python python3 bench/dcp/run.py [--out docs-table.md] [--dask-gb 1.0]

1. Trains a small byte-level transformer from scratch on the license texts every Debian system
   ships (/usr/share/common-licenses), once in fp32 and once in bf16 (params and AdamW moments
   in that dtype), and takes the training state (model + optimizer) at step --steps (A) and
   --gap steps later (B).
2. Saves B with torch.distributed.checkpoint (one process, no_dist) through plain
   FileSystemWriter, FileSystemWriter + the ZStandard stream extension, z4ai.dcp.Z4Writer
   (keyframe), and Z4Writer(reference=A) (delta); sizes, save and load wall times (median of
   --reps, writers interleaved), every loaded tensor checked bit for bit.
3. Dask: a >= --dask-gb GB float32 array written through z4ai.dask by a LocalCluster of 1 and of
   2 worker processes (threads_per_worker=1); wall times and wrong elements (read back).

The load average is printed next to every timing: the machine may be shared.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
import torch.distributed.checkpoint as dcp
import torch.nn as nn
from torch.distributed.checkpoint import FileSystemReader, FileSystemWriter
from torch.distributed.checkpoint._extension import ZStandard

from z4ai.dcp import Z4Reader, Z4Writer

warnings.filterwarnings("ignore")


def load_avg() -> str:
    return "%.2f" % os.getloadavg()[0]


def corpus_bytes() -> bytes:
    files = sorted(glob.glob("/usr/share/common-licenses/*"))
    data = b"".join(open(f, "rb").read() for f in files if os.path.isfile(f))
    if len(data) < 100_000:
        raise SystemExit("need /usr/share/common-licenses (Debian base-files) as training text")
    return data


class ByteLM(nn.Module):
    def __init__(self, d: int, layers: int, seq: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(256, d)
        self.pos = nn.Parameter(torch.zeros(seq, d))
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(d, 4, 4 * d, dropout=0.0, batch_first=True, norm_first=True)
            for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 256)
        self.register_buffer("mask", torch.triu(torch.full((seq, seq), float("-inf")), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x) + self.pos[: x.shape[1]]
        for b in self.blocks:
            h = b(h, src_mask=self.mask.to(h.dtype), is_causal=True)
        return self.head(self.norm(h))


def train_states(dtype: torch.dtype, args):
    torch.manual_seed(0)
    text = torch.frombuffer(bytearray(corpus_bytes()), dtype=torch.uint8).long()
    model = ByteLM(args.d, args.layers, args.seq).to(dtype)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, foreach=False)
    g = torch.Generator().manual_seed(1)
    snaps, losses = [], []
    t0 = time.perf_counter()
    for step in range(1, args.steps + args.gap + 1):
        idx = torch.randint(0, len(text) - args.seq - 1, (args.batch,), generator=g)
        x = torch.stack([text[i:i + args.seq] for i in idx])
        y = torch.stack([text[i + 1:i + args.seq + 1] for i in idx])
        loss = nn.functional.cross_entropy(model(x).float().reshape(-1, 256), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
        if step in (args.steps, args.steps + args.gap):
            snaps.append({"model": {k: v.detach().clone() for k, v in model.state_dict().items()},
                          "optim": _clone(opt.state_dict())})
    n = sum(p.numel() for p in model.parameters())
    print(f"# trained {dtype} {n/1e6:.2f}M params, {args.steps + args.gap} steps in {time.perf_counter()-t0:.0f} s, "
          f"loss {losses[0]:.2f} -> {losses[-1]:.2f} [load {load_avg()}]", flush=True)
    return snaps, n, losses[-1]


def _clone(obj):
    if isinstance(obj, dict):
        return {k: _clone(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clone(v) for v in obj]
    return obj.detach().clone() if isinstance(obj, torch.Tensor) else obj


def _zeros_like(obj):
    if isinstance(obj, dict):
        return {k: _zeros_like(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_zeros_like(v) for v in obj]
    return torch.zeros_like(obj) if isinstance(obj, torch.Tensor) else obj


def _tensors(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _tensors(v, f"{prefix}{k}.")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _tensors(v, f"{prefix}{i}.")
    elif isinstance(obj, torch.Tensor):
        yield prefix, obj


def _state_bytes(sd) -> int:
    return sum(t.numel() * t.element_size() for _, t in _tensors(sd))


def _identical(a, b) -> bool:
    ta, tb = dict(_tensors(a)), dict(_tensors(b))
    return ta.keys() == tb.keys() and all(
        ta[k].dtype == tb[k].dtype and torch.equal(ta[k].contiguous().view(-1).view(torch.uint8),
                                                   tb[k].contiguous().view(-1).view(torch.uint8)) for k in ta)


def dir_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def bench_dcp(dtype_name: str, dtype: torch.dtype, args, root: str):
    (a, b), nparams, loss = train_states(dtype, args)
    raw = _state_bytes(b)
    d = os.path.join(root, dtype_name)
    os.makedirs(d)
    z4_ref = os.path.join(d, "z4-A")
    dcp.save(a, storage_writer=Z4Writer(z4_ref, threads=args.threads), no_dist=True)
    writers = {
        "plain": lambda p: FileSystemWriter(p),
        "zstd": lambda p: FileSystemWriter(p, _extensions=[ZStandard()]),
        "z4-key": lambda p: Z4Writer(p, threads=args.threads),
        "z4-delta": lambda p: Z4Writer(p, reference=z4_ref, threads=args.threads),
    }
    readers = {"plain": FileSystemReader, "zstd": FileSystemReader,
               "z4-key": lambda p: Z4Reader(p, threads=args.threads),
               "z4-delta": lambda p: Z4Reader(p, threads=args.threads)}
    save_t = {k: [] for k in writers}
    load_t = {k: [] for k in writers}
    sizes = {}
    loads = []
    for rep in range(args.reps):
        order = list(writers) if rep % 2 == 0 else list(reversed(writers))
        for name in order:
            p = os.path.join(d, f"{name}-{rep}")
            t0 = time.perf_counter()
            dcp.save(b, storage_writer=writers[name](p), no_dist=True)
            save_t[name].append(time.perf_counter() - t0)
            sizes[name] = dir_size(p)
        for name in order:
            p = os.path.join(d, f"{name}-{rep}")
            target = _zeros_like(b)
            t0 = time.perf_counter()
            dcp.load(target, storage_reader=readers[name](p), no_dist=True)
            load_t[name].append(time.perf_counter() - t0)
            if not _identical(target, b):
                raise SystemExit(f"{dtype_name} {name}: loaded state differs")
        loads.append(load_avg())
        for name in writers:
            if rep < args.reps - 1:
                shutil.rmtree(os.path.join(d, f"{name}-{rep}"))
    med = {k: statistics.median(v) for k, v in save_t.items()}
    medl = {k: statistics.median(v) for k, v in load_t.items()}
    return {"dtype": dtype_name, "params": nparams, "raw": raw, "sizes": sizes, "save": med, "load": medl,
            "loads": loads, "loss": loss}


def _make_source(path: str, gb: float) -> np.ndarray:
    rows = int(gb * (1 << 30) / (4 * 4096)) + 1
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, 4096))
    rng = np.random.default_rng(0)
    step = 4096
    for i in range(0, rows, step):
        n = min(step, rows - i)
        arr[i:i + n] = (rng.standard_normal((n, 4096), dtype=np.float32) * 0.02)
    arr.flush()
    return arr


def _dask_write(url: str, src: str, workers: int, shard_rows: int):
    import dask.array as da
    import distributed

    import z4ai.dask as zd

    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        mm = np.load(src, mmap_mode="r")
        # blocks read the memory-mapped source on the workers (np.load in each task)
        x = da.map_blocks(_read_src, src, chunks=((shard_rows,) * (mm.shape[0] // shard_rows)
                                                  + ((mm.shape[0] % shard_rows,) if mm.shape[0] % shard_rows else ()),
                                                  (mm.shape[1],)), dtype=np.float32)
        client.run(lambda: None)
        la = load_avg()
        t0 = time.perf_counter()
        zd.to_zarr(x, url, "w", shards=(shard_rows, mm.shape[1]), chunks=(shard_rows // 8, mm.shape[1]))
        dt = time.perf_counter() - t0
        back = zd.from_zarr(url, "w")
        wrong = int(da.map_blocks(_count_wrong, back, src, dtype=np.int64, chunks=((1,) * back.numblocks[0], (1,)))
                    .sum().compute())
        return dt, la, load_avg(), wrong
    finally:
        client.close()
        cluster.close()


def _read_src(src, block_info=None):
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    return np.array(np.load(src, mmap_mode="r")[r0:r1, c0:c1])


def _count_wrong(block, src, block_info=None):
    (r0, r1), (c0, c1) = block_info[0]["array-location"]
    ref = np.load(src, mmap_mode="r")[r0:r1, c0:c1]
    return np.array([[int((block.view(np.uint32) != ref.view(np.uint32)).sum())]], dtype=np.int64)


def bench_dask(args, root: str):
    # workers resolve the codec through the package's entry points: a build tree has none
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "distributed"))
    from entry_points import ensure_entry_points

    print(f"# z4ai entry points: {ensure_entry_points(os.path.join(root, 'entry-points'))}", flush=True)
    src = os.path.join(root, "dask-src.npy")
    t0 = time.perf_counter()
    mm = _make_source(src, args.dask_gb)
    print(f"# dask source {mm.nbytes/1e9:.2f} GB in {time.perf_counter()-t0:.0f} s", flush=True)
    out = []
    for workers in (1, 2, 1, 2)[: 2 * args.dask_reps]:
        url = os.path.join(root, f"dask-{workers}.zarr")
        shutil.rmtree(url, ignore_errors=True)
        dt, la0, la1, wrong = _dask_write(url, src, workers, args.shard_rows)
        size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(url) for f in fs)
        print(f"# dask {workers} worker(s): {dt:.1f} s, {mm.nbytes/dt/1e6:.0f} MB/s, ratio {mm.nbytes/size:.3f}, "
              f"{wrong} wrong [load {la0}->{la1}]", flush=True)
        out.append((workers, dt, la0, la1, wrong, mm.nbytes / size))
        shutil.rmtree(url, ignore_errors=True)
    return mm.nbytes, out


def report(results, dask, args) -> str:
    lines = ["| state | raw MB | plain DCP | DCP+ZStandard | z4ai keyframe | z4ai delta | key vs zstd | delta vs zstd |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        s = r["sizes"]
        mb = lambda n: f"{n/1e6:.2f}"  # noqa: E731
        lines.append(
            f"| {r['dtype']} ({r['params']/1e6:.2f}M params + AdamW) | {mb(r['raw'])} | {mb(s['plain'])} | "
            f"{mb(s['zstd'])} ({s['plain']/s['zstd']:.3f}x) | {mb(s['z4-key'])} ({s['plain']/s['z4-key']:.3f}x) | "
            f"{mb(s['z4-delta'])} ({s['plain']/s['z4-delta']:.3f}x) | **{s['zstd']/s['z4-key']:.3f}x** | "
            f"**{s['zstd']/s['z4-delta']:.3f}x** |")
    lines += ["", "| state | save plain | save zstd | save z4 key | save z4 delta | z4 key / plain | "
              "load plain | load zstd | load z4 key | load z4 delta | z4 key / plain | z4 delta / plain | load avg |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        sv, ld = r["save"], r["load"]
        ms = lambda t: f"{t*1e3:.0f} ms"  # noqa: E731
        lines.append(
            f"| {r['dtype']} | {ms(sv['plain'])} | {ms(sv['zstd'])} | {ms(sv['z4-key'])} | {ms(sv['z4-delta'])} | "
            f"**{sv['z4-key']/sv['plain']:.2f}** | {ms(ld['plain'])} | {ms(ld['zstd'])} | {ms(ld['z4-key'])} | "
            f"{ms(ld['z4-delta'])} | **{ld['z4-key']/ld['plain']:.2f}** | **{ld['z4-delta']/ld['plain']:.2f}** | "
            f"{', '.join(r['loads'])} |")
    if dask:
        nbytes, runs = dask
        lines += ["", f"| Dask write of {nbytes/1e9:.2f} GB fp32 (z4ai.dask.to_zarr) | wall | MB/s | ratio | "
                  "wrong elements | load avg before→after |", "|---|---|---|---|---|---|"]
        for w, dt, la0, la1, wrong, ratio in runs:
            lines.append(f"| {w} worker process(es) | {dt:.1f} s | {nbytes/dt/1e6:.0f} | {ratio:.3f} | {wrong} | "
                         f"{la0}→{la1} |")
        one = min(dt for w, dt, *_ in runs if w == 1)
        two = min(dt for w, dt, *_ in runs if w == 2)
        lines.append(f"\n2 workers vs 1 (best of each): **{one/two:.2f}x**")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=60, help="steps before checkpoint A")
    ap.add_argument("--gap", type=int, default=50, help="steps between A and B")
    ap.add_argument("--d", type=int, default=192)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="z4ai threads per rank (default min(4, cores))")
    ap.add_argument("--dask-gb", type=float, default=1.0)
    ap.add_argument("--dask-reps", type=int, default=1, help="1: one run each of 1 and 2 workers; 2: twice")
    ap.add_argument("--shard-rows", type=int, default=2048, help="rows of 4096 fp32 per shard (32 MiB)")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--dir", default=None, help="scratch directory (default: a temporary one under /tmp)")
    ap.add_argument("--out", default=None, help="also write the tables to this file")
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    root = tempfile.mkdtemp(prefix="z4ai-dcp-bench-", dir=args.dir)
    print(f"# {os.cpu_count()} cores, torch {torch.__version__}, load {load_avg()}, scratch {root}", flush=True)
    try:
        results = [bench_dcp("fp32", torch.float32, args, root), bench_dcp("bf16", torch.bfloat16, args, root)]
        dask = None if args.no_dask else bench_dask(args, root)
        text = report(results, dask, args)
        print(text)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text + "\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
