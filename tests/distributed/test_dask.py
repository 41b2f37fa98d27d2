"""z4ai.dask on a real distributed.LocalCluster: 2 worker processes, loopback only."""
from __future__ import annotations

import doctest
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")

from entry_points import ensure_entry_points  # noqa: E402

import z4ai.dask as zd  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    how = ensure_entry_points(str(tmp_path_factory.mktemp("entry-points")))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None)
    c = distributed.Client(cluster)
    try:
        c.entry_points_source = how
        yield c
    finally:
        c.close()
        cluster.close()


def _data(shape, seed=0, dtype=np.float32):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.02).astype(dtype)


def _worker_view():
    import importlib.metadata as md

    eps = [ep.value for ep in md.entry_points(group="zarr.codecs") if ep.name == "z4ai"]
    return eps, "z4ai.zarr" in sys.modules


def test_workers_find_the_codec_by_entry_point(client, tmp_path):
    views = client.run(_worker_view)
    assert len(views) == 2
    for eps, imported in views.values():
        assert eps == ["z4ai.zarr:Z4aiCodec"] and not imported
    a = _data((1000, 64))
    zd.to_zarr(a, str(tmp_path / "g"), "a", shards=(200, 64), chunks=(50, 64))
    # a worker decodes it knowing only the URL: zarr resolves "z4ai" through the entry point
    got = client.submit(lambda u: np.asarray(zarr.open_array(u, path="a", mode="r")[:]), str(tmp_path / "g")).result()
    assert np.array_equal(got, a)
    assert all(imported for _, imported in client.run(_worker_view).values())


@pytest.mark.parametrize("chunks", [(100, 64), (333, 50), (4096, 7)])
def test_misaligned_chunks_are_rechunked_never_wrong(client, tmp_path, chunks):
    a = _data((4096, 64), seed=1)
    x = da.from_array(a, chunks=chunks)
    url = str(tmp_path / "g")
    zd.to_zarr(x, url, "w", shards=(512, 32), chunks=(128, 32))
    back = zd.from_zarr(url, "w")
    assert back.chunks[0] == (512,) * 8
    got = back.compute()
    assert int((got != a).sum()) == 0
    assert np.array_equal(np.asarray(zarr.open_array(url, path="w", mode="r")[:]), a)
    assert zarr.open_array(url, path="w", mode="r").metadata.codecs[0].to_dict()["name"] == "sharding_indexed"


def test_misaligned_chunks_refused_when_not_rechunking(client, tmp_path):
    x = da.from_array(_data((4096, 64)), chunks=(100, 64))
    with pytest.raises(ValueError, match="falls inside a Zarr shard"):
        zd.to_zarr(x, str(tmp_path / "g"), "w", shards=(512, 64), rechunk=False)
    # aligned blocks that span several shards are fine as they are
    y = da.from_array(_data((4096, 64)), chunks=(1024, 64))
    zd.to_zarr(y, str(tmp_path / "g"), "y", shards=(512, 64), rechunk=False)
    assert np.array_equal(zd.from_zarr(str(tmp_path / "g"), "y").compute(), y.compute())


def test_shard_writer_refuses_partial_shards(tmp_path):
    zd.to_zarr(np.zeros((100, 10), np.float32), str(tmp_path / "g"), "w", shards=(50, 10), chunks=(10, 10))
    w = zd._ShardWriter(str(tmp_path / "g"), "w", None, (50, 10), (100, 10))
    with pytest.raises(ValueError, match="whole shards"):
        w[(slice(10, 60), slice(0, 10))] = np.ones((50, 10), np.float32)
    w[(slice(50, 100), slice(0, 10))] = np.ones((50, 10), np.float32)
    back = np.asarray(zarr.open_array(str(tmp_path / "g"), path="w", mode="r")[:])
    assert back[:50].sum() == 0 and back[50:].sum() == 500


def test_state_dict_round_trip_lazy_and_torch(client, tmp_path):
    torch = pytest.importorskip("torch")
    g = torch.Generator().manual_seed(0)
    sd = {"embed.weight": torch.randn(300, 64, generator=g).to(torch.bfloat16),
          "layer.0.weight": torch.randn(64, 64, generator=g), "layer.0.bias": torch.zeros(64),
          "step": torch.tensor([7], dtype=torch.int64)}
    url = str(tmp_path / "sd")
    zd.save_state_dict(sd, url, shards=None)
    lazy = zd.load_state_dict(url)
    assert set(lazy) == set(sd) and all(isinstance(v, da.Array) for v in lazy.values())
    assert lazy["embed.weight"].dtype == np.uint16
    assert zarr.open_array(url, path="embed.weight", mode="r").metadata.codecs[0].to_dict()[
        "configuration"]["codecs"][0]["configuration"]["dtype"] == "bf16"
    back = zd.load_state_dict(url, torch_tensors=True)
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k].view(-1).view(torch.uint8), v.view(-1).view(torch.uint8)), k


def test_doctests():
    result = doctest.testmod(zd, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
