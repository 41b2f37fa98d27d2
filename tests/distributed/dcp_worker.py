"""One rank of a real torch.distributed job (gloo on 127.0.0.1) for tests/distributed/test_dcp.py.

Usage: RANK=r WORLD_SIZE=n MASTER_ADDR=127.0.0.1 MASTER_PORT=p python dcp_worker.py SCENARIO DIR [MODE]

Scenarios
  train   MODE ddp|fsdp|plain: train a small transformer (with AdamW) 3 steps, save DIR/k1 through
          Z4Writer, load it into a fresh model+optimizer and check every tensor bit for bit; train
          2 more steps, save DIR/k2 as a delta against k1, check it the same way; rank 0 writes the
          full (unsharded) state of each step to DIR/k{1,2}.full.pt for later reshard checks.
          With MODE ddp, also DIR/k3: async_save with the process executor, a delta against k1.
  load    MODE ddp|fsdp|plain: load DIR/<ckpt> (argv[4]) into a fresh model+optimizer of this world
          size and compare the full state with DIR/<ckpt>.full.pt; prints the bytes each rank decoded.
  die     MODE fsdp: like one more save into DIR/k1 (over the existing checkpoint) but rank 1 is
          killed (SIGKILL) after compressing its first item.
"""
from __future__ import annotations

import datetime
import os
import signal
import sys

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
import torch.nn as nn
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict, set_state_dict

from z4ai.dcp import Z4Reader, Z4Writer


class TinyTransformer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(96, 64)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.0, batch_first=True) for _ in range(2))
        self.head = nn.Linear(64, 96)
        # a bf16 buffer: a second dtype through the writer
        self.register_buffer("scale", (torch.arange(64) / 64).to(torch.bfloat16))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x) * self.scale.float()
        for layer in self.layers:
            h = layer(h)
        return self.head(h)


def build(mode: str):
    torch.manual_seed(0)
    model = TinyTransformer()
    if mode == "ddp":
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model)
    elif mode == "fsdp":
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard

        mesh = init_device_mesh("cpu", (dist.get_world_size(),))
        for layer in model.layers:
            fully_shard(layer, mesh=mesh)
        fully_shard(model, mesh=mesh)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    return model, optim


def train(model, optim, steps: int, seed: int) -> None:
    g = torch.Generator().manual_seed(seed + (dist.get_rank() if dist.is_initialized() else 0))
    for _ in range(steps):
        x = torch.randint(0, 96, (4, 16), generator=g)
        loss = nn.functional.cross_entropy(model(x).reshape(-1, 96), x.roll(1, 1).reshape(-1))
        optim.zero_grad()
        loss.backward()
        optim.step()


def flat(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flat(v, f"{prefix}{k}.")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from flat(v, f"{prefix}{i}.")
    else:
        yield prefix[:-1], obj


def local(t):
    return t.to_local() if hasattr(t, "to_local") else t


def assert_identical(a, b, what: str) -> int:
    fa, fb = dict(flat(a)), dict(flat(b))
    assert fa.keys() == fb.keys(), f"{what}: keys differ: {sorted(fa.keys() ^ fb.keys())[:5]}"
    n = 0
    for k in fa:
        x, y = fa[k], fb[k]
        if isinstance(x, torch.Tensor):
            x, y = local(x), local(y)
            assert x.dtype == y.dtype and x.shape == y.shape, f"{what}: {k}: {x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)}"
            xb = x.detach().contiguous().reshape(-1).view(torch.uint8)
            yb = y.detach().contiguous().reshape(-1).view(torch.uint8)
            assert torch.equal(xb, yb), f"{what}: {k}: bits differ"
            n += 1
        else:
            assert x == y, f"{what}: {k}: {x!r} vs {y!r}"
    return n


def state(model, optim, full: bool = False):
    opts = StateDictOptions(full_state_dict=True, cpu_offload=True) if full else None
    msd, osd = get_state_dict(model, optim, options=opts)
    return {"model": msd, "optim": osd}


def clone(sd):
    if isinstance(sd, dict):
        return {k: clone(v) for k, v in sd.items()}
    if isinstance(sd, list):
        return [clone(v) for v in sd]
    if isinstance(sd, torch.Tensor):
        return sd.detach().clone()
    return sd


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def save_full(model, optim, path: str) -> None:
    full = state(model, optim, full=True)
    if rank() == 0:
        torch.save(full, path)


def load_into_fresh(mode: str, ckpt: str):
    model, optim = build(mode)
    # the optimizer state must exist before loading into it: one zero-lr step materializes it
    for g in optim.param_groups:
        g["lr"] = 0.0
    train(model, optim, 1, seed=99)
    sd = state(model, optim)
    reader = Z4Reader(ckpt, threads=2)
    dcp.load(sd, storage_reader=reader, no_dist=not dist.is_initialized())
    set_state_dict(model, optim, model_state_dict=sd["model"], optim_state_dict=sd["optim"])
    return model, optim, reader


def main() -> None:
    scenario, root = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "plain"
    torch.set_num_threads(1)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
    no_dist = not dist.is_initialized()

    if scenario == "train":
        model, optim = build(mode)
        train(model, optim, 3, seed=1)
        sd = state(model, optim)
        saved = clone(sd)
        dcp.save(sd, storage_writer=Z4Writer(f"{root}/k1", threads=2), no_dist=no_dist)
        save_full(model, optim, f"{root}/k1.full.pt")
        m2, o2, _ = load_into_fresh(mode, f"{root}/k1")
        n = assert_identical(saved, state(m2, o2), "k1 round trip")
        train(model, optim, 2, seed=2)
        sd = state(model, optim)
        saved = clone(sd)
        dcp.save(sd, storage_writer=Z4Writer(f"{root}/k2", reference=f"{root}/k1", threads=2), no_dist=no_dist)
        save_full(model, optim, f"{root}/k2.full.pt")
        m3, o3, _ = load_into_fresh(mode, f"{root}/k2")
        n += assert_identical(saved, state(m3, o3), "k2 (delta) round trip")
        if mode == "ddp":
            # DCP's async_save with a process executor: the writer is pickled into a checkpoint daemon
            from torch.distributed.checkpoint.state_dict_saver import AsyncCheckpointerType

            train(model, optim, 1, seed=4)
            sd = state(model, optim)
            saved = clone(sd)
            fut = dcp.async_save(sd, storage_writer=Z4Writer(f"{root}/k3", reference=f"{root}/k1", threads=1),
                                 async_checkpointer_type=AsyncCheckpointerType.PROCESS)
            getattr(fut, "upload_completion", fut).result(timeout=180)
            save_full(model, optim, f"{root}/k3.full.pt")
            m4, o4, _ = load_into_fresh(mode, f"{root}/k3")
            n += assert_identical(saved, state(m4, o4), "k3 (async_save, process executor) round trip")
        print(f"rank {rank()} OK {n} tensors", flush=True)
    elif scenario == "load":
        ckpt = sys.argv[4]
        model, optim, reader = load_into_fresh(mode, f"{root}/{ckpt}")
        full = state(model, optim, full=True)
        if rank() == 0:
            want = torch.load(f"{root}/{ckpt}.full.pt", weights_only=True)
            n = assert_identical(want, full, f"{ckpt} loaded on {world} rank(s) ({mode})")
            print(f"rank 0 OK {n} tensors", flush=True)
        print(f"rank {rank()} decoded {reader.decoded_bytes}", flush=True)
    elif scenario == "die":
        model, optim = build(mode)
        train(model, optim, 4, seed=3)
        sd = state(model, optim)
        writer = Z4Writer(f"{root}/k1", threads=1)
        if rank() == 1:
            encode = writer._encode_item
            count = [0]

            def encode_then_die(*a, **kw):
                out = encode(*a, **kw)
                count[0] += 1
                if count[0] == 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                return out

            writer._encode_item = encode_then_die
        dcp.save(sd, storage_writer=writer, no_dist=no_dist)
        print(f"rank {rank()} finished a save that should have failed", flush=True)
        sys.exit(3)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
