"""z4ai.store on a real S3-compatible server (s3proxy on 127.0.0.1, tests/servers/s3server.py),
requests counted by a reverse proxy in front of it."""
import pytest
import s3server

from store_helpers import base_tensors, finetune, same_tree, write_model
from z4ai.store import Store, StoreError
from z4ai.store import layout as L


def _store(endpoint, bucket, prefix="fam"):
    return Store(f"s3://{bucket}/{prefix}", endpoint_url=endpoint, access_key_id=s3server.ACCESS_KEY,
                 secret_access_key=s3server.SECRET_KEY)


@pytest.fixture
def dirs(tmp_path, rng):
    base = base_tensors(rng)
    ft = finetune(rng, base)
    return ({"base": write_model(str(tmp_path / "base"), base), "ft": write_model(str(tmp_path / "ft"), ft)},
            base, ft)


def test_s3_round_trip_open_budget_gc_verify(tmp_path, s3_bucket, s3_proxy, dirs):
    d, base, ft = dirs
    s = _store(s3_proxy.endpoint, s3_bucket)
    s.push("fam@base", d["base"])
    r = s.push("fam@ft", d["ft"])
    assert r.delta_tensors == len(base) - 2
    for rev in ("base", "ft"):
        s.pull(f"fam@{rev}", str(tmp_path / f"o-{rev}"))
        assert same_tree(d[rev], str(tmp_path / f"o-{rev}"))
    # open + one tensor: ref, manifest, frame, base = 4 requests on the wire
    for name in ("embed.weight", "layer.1.q.bias"):
        s3_proxy.reset()
        fresh = _store(s3_proxy.endpoint, s3_bucket)
        with fresh.open("fam@ft") as m:
            assert (m.read_numpy(name) == ft[name]).all()
            method = m.info(name).method
        assert s3_proxy.count() <= 4, [(q.method, q.path) for q in s3_proxy.requests]
        assert method == "delta"
        ranged = [q for q in s3_proxy.requests if q.range]
        assert len(ranged) == 2
    assert s.verify()["errors"] == []
    assert [x["ref"] for x in s.ls()] == ["fam@base", "fam@ft"]
    s.rm("fam@base")
    s.backend.put(L.object_key("cd" * 32), b"orphan")
    g = s.gc(grace=0)
    assert L.object_key("cd" * 32) in g["deleted_keys"]
    s.pull("fam@ft", str(tmp_path / "o-ft2"))
    assert same_tree(d["ft"], str(tmp_path / "o-ft2"))
    s.rm("fam@ft")
    s.gc(grace=0)
    assert [o.key for o in s.backend.list("") if L.is_data_key(o.key)] == []


def test_s3_server_errors_are_clear(tmp_path, s3_bucket, s3_proxy, dirs):
    d, *_ = dirs
    s = _store(s3_proxy.endpoint, s3_bucket)
    s.push("fam@base", d["base"])
    s3_proxy.fail_next(50, s3server.Fault(kind="status", status=500), method="GET")
    with pytest.raises(StoreError):
        _store(s3_proxy.endpoint, s3_bucket).pull("fam@base", str(tmp_path / "o"))
    s3_proxy.reset()
    with pytest.raises(StoreError, match="no revision"):
        s.pull("fam@nope", str(tmp_path / "o"))
    s.pull("fam@base", str(tmp_path / "o"), force=True)
    assert same_tree(d["base"], str(tmp_path / "o"))
