"""z4ai.dcp and z4ai.dask on a real S3 server (s3proxy, filesystem backend, 127.0.0.1)."""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("s3fs")
import torch.distributed.checkpoint as dcp  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
from s3server import S3Server, find_s3proxy_jar  # noqa: E402

from z4ai.dcp import Z4Reader, Z4Writer, chain_depth, dependencies, prune  # noqa: E402


@pytest.fixture(scope="module")
def s3():
    if not find_s3proxy_jar():
        pytest.skip("s3proxy jar absent (scripts/setup-deps.sh fetches it into $Z4AI_CACHE/s3proxy)")
    with S3Server() as server:
        server.create_bucket("ckpt")
        yield server


def _sd(step):
    g = torch.Generator().manual_seed(3)
    return {"w": torch.randn(512, 96, generator=g) * 0.02 + step * 1e-4,
            "m": (torch.randn(2000, generator=g) * 0.1 + step).to(torch.bfloat16), "meta": {"step": step}}


def _empty():
    return {"w": torch.zeros(512, 96), "m": torch.zeros(2000, dtype=torch.bfloat16), "meta": {"step": -1}}


def test_dcp_keyframe_delta_and_prune_on_s3(s3):
    opts = s3.storage_options()
    warnings.filterwarnings("ignore")
    base = "s3://ckpt/run1"
    dcp.save(_sd(0), storage_writer=Z4Writer(f"{base}/k0", storage_options=opts), no_dist=True)
    dcp.save(_sd(1), storage_writer=Z4Writer(f"{base}/k1", storage_options=opts), no_dist=True)
    dcp.save(_sd(2), storage_writer=Z4Writer(f"{base}/k2", reference=f"{base}/k1", storage_options=opts),
             no_dist=True)
    assert chain_depth(f"{base}/k2", opts) == 1
    assert dependencies(f"{base}/k2", opts) == [f"{base}/k1"]
    for step in (1, 2):
        out = _empty()
        dcp.load(out, storage_reader=Z4Reader(f"{base}/k{step}", storage_options=opts), no_dist=True)
        want = _sd(step)
        assert torch.equal(out["w"], want["w"]) and torch.equal(out["m"], want["m"]) and out["meta"] == want["meta"]
    removed = prune([f"{base}/k0", f"{base}/k1", f"{base}/k2"], keep=[f"{base}/k2"], storage_options=opts)
    assert removed == [f"{base}/k0"]
    import s3fs

    fs = s3fs.S3FileSystem(**opts)
    fs.invalidate_cache()
    assert not fs.exists(f"{base}/k0/.metadata") and fs.exists(f"{base}/k1/.metadata")


def test_dask_zarr_on_s3(s3):
    import z4ai.dask as zd

    opts = s3.storage_options()
    a = (np.random.default_rng(0).standard_normal((600, 64)) * 0.02).astype(np.float32)
    import dask.array as da

    zd.to_zarr(da.from_array(a, chunks=(70, 64)), "s3://ckpt/z", "w", shards=(200, 64), chunks=(50, 64),
               storage_options=opts)
    back = zd.from_zarr("s3://ckpt/z", "w", storage_options=opts)
    assert back.chunks[0] == (200, 200, 200)
    assert np.array_equal(back.compute(scheduler="threads"), a)
