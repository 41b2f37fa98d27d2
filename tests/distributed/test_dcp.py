"""z4ai.dcp with real torch.distributed jobs: 1 or 2 processes, gloo on 127.0.0.1.

The ranks run tests/distributed/dcp_worker.py (see its docstring for the scenarios); each
launch is bounded in time and killed whole on a timeout.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

torch = pytest.importorskip("torch")
import torch.distributed.checkpoint as dcp  # noqa: E402

import z4ai  # noqa: E402
from z4ai.dcp import Z4Reader, Z4Writer, chain_depth, dependencies, item_infos, prune  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "dcp_worker.py")
LAUNCH_TIMEOUT = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(world: int, args, env_extra=None):
    port = _free_port()
    procs = []
    for r in range(world):
        env = dict(os.environ, RANK=str(r), WORLD_SIZE=str(world), LOCAL_RANK=str(r), MASTER_ADDR="127.0.0.1",
                   MASTER_PORT=str(port), OMP_NUM_THREADS="1", GLOO_SOCKET_IFNAME="lo", **(env_extra or {}))
        procs.append(subprocess.Popen([sys.executable, WORKER, *args], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, start_new_session=True))
    return procs


def _kill(procs):
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    for p in procs:
        p.wait()


def launch(world: int, *args):
    """Runs one job; returns each rank's output; fails with all of it if a rank fails."""
    procs = _spawn(world, [str(a) for a in args])
    try:
        outs = [p.communicate(timeout=LAUNCH_TIMEOUT)[0] for p in procs]
    except subprocess.TimeoutExpired:
        _kill(procs)
        pytest.fail(f"job {args} timed out after {LAUNCH_TIMEOUT} s")
    finally:
        _kill(procs)
    bad = [(r, p.returncode) for r, p in enumerate(procs) if p.returncode != 0]
    assert not bad, f"job {args}: ranks {bad} failed:\n" + "\n".join(f"--- rank {r}\n{o[-4000:]}" for r, o in enumerate(outs))
    return outs


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """k1 (keyframe) and k2 (delta) saved by 2-rank FSDP2, 2-rank DDP and 1 process."""
    root = tmp_path_factory.mktemp("dcp")
    runs = {"fsdp": (2, root / "fsdp"), "ddp": (2, root / "ddp"), "plain": (1, root / "plain")}
    for mode, (world, d) in runs.items():
        d.mkdir()
        outs = launch(world, "train", d, mode)
        assert all(" OK " in o for o in outs), outs
    return {m: d for m, (_, d) in runs.items()}


def test_fsdp2_and_ddp_save_load_bit_identical(trained):
    # the train scenario asserted the round trips in every rank; here: the layout on disk
    for mode in ("fsdp", "ddp"):
        d = trained[mode]
        infos = item_infos(d / "k2")
        tensors = [i for i in infos.values() if i["kind"] == "tensor"]
        assert tensors and all(i["depth"] == 1 and i["ref"] == "../k1" for i in tensors), mode
        assert {i["dtype"] for i in tensors} >= {"float32", "bfloat16"}
        files = {i["file"] for i in infos.values()}
        assert len(files) == 2 if mode == "fsdp" else len(files) >= 1, files  # one file per writing rank
        assert chain_depth(d / "k1") == 0 and chain_depth(d / "k2") == 1
        assert [os.path.basename(p) for p in dependencies(d / "k2")] == ["k1"]
        k1 = sum(os.path.getsize(d / "k1" / f) for f in os.listdir(d / "k1"))
        k2 = sum(os.path.getsize(d / "k2" / f) for f in os.listdir(d / "k2"))
        assert k2 < k1, (mode, k1, k2)


def test_reshard_2_to_1_after_a_rank_was_killed_mid_save(trained):
    d = trained["fsdp"]
    before = sorted(os.listdir(d / "k1"))
    # a save over k1 in place: rank 1 dies after its second item, rank 0 is then stuck in a collective
    procs = _spawn(2, ["die", str(d), "fsdp"])
    try:
        procs[1].wait(timeout=LAUNCH_TIMEOUT)
        assert procs[1].returncode == -signal.SIGKILL, procs[1].communicate()[0]
        time.sleep(2)
    finally:
        _kill(procs)
    after = sorted(os.listdir(d / "k1"))
    assert ".metadata" in after and set(before) <= set(after)  # the old save is untouched
    # ... and k1 (keyframe) and k2 (delta against k1) load on one process: a 2 -> 1 reshard
    for ck in ("k1", "k2"):
        outs = launch(1, "load", d, "plain", ck)
        assert "OK" in outs[0], outs
    # the next complete save into k1 removes the dead save's partial files
    leftovers = set(after) - set(before)
    assert leftovers, "the killed save should have left a partial data file"


def test_ddp_checkpoint_loads_on_one_process(trained):
    outs = launch(1, "load", trained["ddp"], "plain", "k2")
    assert "OK" in outs[0]


def test_reshard_1_to_2_decodes_only_needed_ranges(trained):
    d = trained["plain"]
    for ck in ("k1", "k2"):
        outs = launch(2, "load", d, "fsdp", ck)
        assert "OK" in outs[0], outs
        total = sum(i["nbytes"] for i in item_infos(d / ck).values())
        decoded = [int(o.rsplit("decoded ", 1)[1].split()[0]) for o in outs]
        # FSDP2 gives each rank half of every dim-0 shardable tensor: each decodes about half
        for n in decoded:
            assert n < 0.6 * total, (ck, decoded, total)
        assert sum(decoded) >= total * 0.95


# ---- single process: references, prune, pickling ----------------------------------------------


def _sd(step: int):
    g = torch.Generator().manual_seed(0)
    w = torch.randn(256, 64, generator=g) * 0.02
    m = torch.randn(4096, generator=g).to(torch.bfloat16)
    return {"w": w + step * 1e-3, "m": m + step, "n": torch.arange(7) * step, "meta": {"step": step}}


def _save(path, step, **kw):
    dcp.save(_sd(step), storage_writer=Z4Writer(path, **kw), no_dist=True)


def _load(path, **kw):
    out = {"w": torch.zeros(256, 64), "m": torch.zeros(4096, dtype=torch.bfloat16),
           "n": torch.zeros(7, dtype=torch.int64), "meta": {"step": -1}}
    dcp.load(out, storage_reader=Z4Reader(path, **kw), no_dist=True)
    return out


@contextlib.contextmanager
def raises(cls, match):
    """DCP reports a rank's error as a CheckpointException (a BaseException) holding it."""
    from torch.distributed.checkpoint.api import CheckpointException

    with pytest.raises(BaseException) as info:
        yield
    e = info.value
    if isinstance(e, CheckpointException):
        e = next(iter(e.failures.values()))[0]
    assert isinstance(e, cls), repr(e)
    assert re.search(match, str(e)), str(e)


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in ("w", "m", "n")) and a["meta"] == b["meta"]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_missing_and_wrong_reference_errors(tmp_path):
    _save(tmp_path / "k1", 1)
    _save(tmp_path / "k2", 2, reference=tmp_path / "k1")
    assert _same(_load(tmp_path / "k2"), _sd(2))
    with raises(z4ai.ReferenceMissingError, match="nope' has no .metadata"):
        _save(tmp_path / "k3", 3, reference=tmp_path / "nope")
    shutil.move(tmp_path / "k1", tmp_path / "moved")
    with raises(z4ai.ReferenceMissingError, match="is a delta against .*k1"):
        _load(tmp_path / "k2")
    assert _same(_load(tmp_path / "k2", reference=tmp_path / "moved"), _sd(2))
    # another checkpoint where the reference was: its save id differs
    _save(tmp_path / "k1", 5)
    with raises(z4ai.ReferenceMismatchError, match="overwritten"):
        _load(tmp_path / "k2")
    # the same save id but other content: the frames' reference digest catches it
    md = pickle.loads((tmp_path / "k1" / ".metadata").read_bytes())
    md.storage_meta.save_id = pickle.loads((tmp_path / "moved" / ".metadata").read_bytes()).storage_meta.save_id
    (tmp_path / "k1" / ".metadata").write_bytes(pickle.dumps(md))
    with raises(z4ai.ReferenceMismatchError, match="not the one this delta was made against"):
        _load(tmp_path / "k2")
    with raises(ValueError, match="own reference"):
        _save(tmp_path / "moved", 6, reference=tmp_path / "moved")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_chain_depth_keyframes_layout_change_and_safe_prune(tmp_path):
    ks = [tmp_path / f"k{i}" for i in range(1, 6)]
    _save(ks[0], 1)
    _save(ks[1], 2, reference=ks[0])                     # delta
    _save(ks[2], 3, reference=ks[1])                     # depth bound 1: keyframe
    _save(ks[3], 4, reference=ks[2])                     # delta
    _save(ks[4], 5, reference=ks[3], max_chain_depth=2)  # depth 2 allowed
    assert [chain_depth(k) for k in ks] == [0, 1, 0, 1, 2]
    for i, k in enumerate(ks):
        assert _same(_load(k), _sd(i + 1))
    # a layout change (another shape) is a keyframe for that item only
    sd = _sd(6)
    sd["w"] = torch.zeros(128, 64)
    dcp.save(sd, storage_writer=Z4Writer(tmp_path / "k6", reference=ks[0]), no_dist=True)
    infos = item_infos(tmp_path / "k6")
    assert infos[("w", (0, 0))]["depth"] == 0 and infos[("m", (0,))]["depth"] == 1
    assert [os.path.basename(p) for p in dependencies(ks[4])] == ["k4", "k3"]
    assert prune(ks, keep=[ks[1], ks[4]], dry_run=True) == []
    removed = prune(ks, keep=[ks[4]])
    assert [os.path.basename(r) for r in removed] == ["k1", "k2"]
    assert not ks[0].exists() and not ks[1].exists()
    assert _same(_load(ks[4]), _sd(5))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_writer_pickles_and_metadata_holds_plain_values(tmp_path):
    w = Z4Writer(tmp_path / "k", reference=None, threads=2)
    w2 = pickle.loads(pickle.dumps(w))
    dcp.save(_sd(1), storage_writer=w2, no_dist=True)
    raw = (tmp_path / "k" / ".metadata").read_bytes()
    assert b"z4ai" not in raw.replace(b"z4ai_dcp", b"")  # no z4ai class (module path) in the pickle
    md = pickle.loads(raw)
    for info in md.storage_data.values():
        assert type(info) is dict and all(type(v) in (str, int, list, type(None)) for v in info.values())
    assert _same(_load(tmp_path / "k"), _sd(1))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_corrupt_or_foreign_checkpoints_fail_clearly(tmp_path):
    from torch.distributed.checkpoint import FileSystemWriter

    dcp.save(_sd(1), storage_writer=FileSystemWriter(tmp_path / "plain"), no_dist=True)
    with raises(z4ai.CorruptError, match="not written by z4ai.dcp"):
        _load(tmp_path / "plain")
    _save(tmp_path / "k", 1)
    data = [f for f in os.listdir(tmp_path / "k") if f.endswith(".z4dcp")][0]
    p = tmp_path / "k" / data
    b = bytearray(p.read_bytes())
    b[len(b) // 2] ^= 0x10
    p.write_bytes(bytes(b))
    with raises(z4ai.Error, match="item 'w'|item 'm'|item 'n'"):
        _load(tmp_path / "k")
    p.write_bytes(bytes(b[: len(b) // 3]))
    with raises(z4ai.Error, match="truncated"):
        _load(tmp_path / "k")
