"""Containers on a real S3-compatible server (s3proxy, filesystem backend, 127.0.0.1),
behind the counting proxy of tests/servers/s3server.py: the requests and bytes every
operation costs are asserted (issue #17's targets), and faults are injected on the wire.
"""
import os
import subprocess

import numpy as np
import pytest

import z4ai
import z4ai.remote as zr
import z4ai.safetensors as zs

s3server = pytest.importorskip("s3server")
pytest.importorskip("s3fs")


def make_model(rng, n=60, rows=32, cols=48, big=0):
    t = {}
    for i in range(n):
        dt = np.float32 if i % 3 else np.float16
        t[f"layers.{i:03d}.weight"] = (rng.standard_normal((rows, cols)) * 0.02).astype(dt)
    t["tied"] = t["layers.002.weight"].copy()
    if big:
        t["big"] = (rng.standard_normal(big) * 0.02).astype(np.float32)
    return t


@pytest.fixture(scope="module")
def model():
    tensors = make_model(np.random.default_rng(23))
    st = zs.serialize_numpy(tensors, metadata={"format": "pt"})
    return tensors, st, zs.compress(st)


def index_region(r, blob):
    """Bytes after the last frame: gap frame, index and trailer."""
    end = max(r._r.tensor_extent_offset(i) + r._r.tensor_extent_size(i) for i in range(len(r)))
    return len(blob) - end


@pytest.fixture
def uploaded(s3_server, s3_bucket, model):
    tensors, st, blob = model
    s3_server.boto3().put_object(Bucket=s3_bucket, Key="model.zstn", Body=blob)
    return f"s3://{s3_bucket}/model.zstn"


def test_s3_targets(s3_server, s3_proxy, uploaded, model):
    tensors, st, blob = model
    opts = s3_server.storage_options(s3_proxy.endpoint)
    s3_proxy.reset()
    with zs.ZstnReader.open_url(uploaded, **opts) as r:
        # opening: <= 3 requests and <= 8 KiB plus the index
        assert s3_proxy.count() <= 3, s3_proxy.requests
        assert s3_proxy.bytes() <= 8192 + index_region(r, blob), (s3_proxy.bytes(), index_region(r, blob))
        # one tensor: exactly one ranged request of its frame's size
        s3_proxy.reset()
        name = "layers.011.weight"
        assert r.read_numpy(name).tobytes() == tensors[name].tobytes()
        (req,) = s3_proxy.requests
        info = r.info(name)
        assert req.method == "GET" and req.range and req.status == 206
        assert req.body_bytes == info.stored_size
        # read_many of 50 tensors: <= 5 requests
        s3_proxy.reset()
        names = [f"layers.{i:03d}.weight" for i in range(5, 55)]
        got = r.read_many(names)
        assert s3_proxy.count() <= 5, s3_proxy.requests
        for k in names:
            assert got[k].tobytes() == tensors[k].tobytes()


def test_s3_load_only_what_is_asked(s3_server, s3_proxy, uploaded, model):
    tensors, st, blob = model
    opts = s3_server.storage_options(s3_proxy.endpoint)
    s3_proxy.reset()
    got = zs.load_numpy(uploaded, ["layers.000.weight", "tied"], storage_options=opts)
    assert got["tied"].tobytes() == tensors["tied"].tobytes()
    assert s3_proxy.bytes() < len(blob) // 4
    torch = pytest.importorskip("torch")
    t = zs.load_file(uploaded, names=["layers.004.weight"], storage_options=opts)
    assert t["layers.004.weight"].dtype == torch.float32
    assert t["layers.004.weight"].numpy().tobytes() == tensors["layers.004.weight"].tobytes()
    every = zs.load_numpy(uploaded, storage_options=opts)
    assert sorted(every) == sorted(tensors)


def test_s3_faults(s3_server, s3_proxy, uploaded, model):
    tensors, st, blob = model
    opts = s3_server.storage_options(s3_proxy.endpoint)
    Fault = s3server.Fault
    with zs.ZstnReader.open_url(uploaded, backoff=0.001, **opts) as r:
        name = "layers.030.weight"
        want = tensors[name].tobytes()
        for fault in (Fault("status", 503), Fault("reset"), Fault("short", keep=10), Fault("lie_length", keep=50)):
            s3_proxy.reset()
            s3_proxy.fail_next(2, fault)
            assert r.read_numpy(name).tobytes() == want, fault
        # a Range answered with the whole object: an error, never the wrong bytes (the
        # proxy drops the signed Range header, so s3proxy refuses the signature: 403;
        # the 200-with-everything answer itself is tested in test_remote.py)
        s3_proxy.reset()
        s3_proxy.fail_next(100, Fault("full200"))
        with pytest.raises(z4ai.IoError, match="Content-Range|whole object|Range|Forbidden"):
            r.read_numpy(name)
        # the object replaced after open: detected
        s3_proxy.reset()
        other = zs.compress(zs.serialize_numpy(make_model(np.random.default_rng(5))))
        s3_server.boto3().put_object(Bucket=uploaded.split("/")[2], Key="model.zstn", Body=other)
        with pytest.raises(z4ai.IoError, match="changed"):
            r.read_numpy(name)


def test_s3_persistent_failure_names_url_and_range(s3_server, s3_proxy, uploaded):
    opts = s3_server.storage_options(s3_proxy.endpoint)
    opts["config_kwargs"] = dict(opts["config_kwargs"], retries={"max_attempts": 1})
    with zs.ZstnReader.open_url(uploaded, backoff=0.001, retries=2, **opts) as r:
        s3_proxy.reset()
        s3_proxy.fail_next(1000, s3server.Fault("status", 500))
        with pytest.raises(z4ai.IoError) as e:
            r.read_numpy("layers.001.weight")
        i = r.info("layers.001.weight").index
        off = r._r.tensor_extent_offset(i)
        assert uploaded in str(e.value) and f"bytes {off}-" in str(e.value) and "attempts" in str(e.value)
        assert s3_proxy.count() <= 3 * 3  # bounded: our retries x botocore's


def test_s3_obstore(s3_server, s3_proxy, uploaded, model):
    pytest.importorskip("obstore")
    tensors, st, blob = model
    bucket = uploaded.split("/")[2]
    s3_proxy.reset()
    with zs.ZstnReader.from_obstore(s3_server.obstore(bucket, s3_proxy.endpoint), "model.zstn") as r:
        assert s3_proxy.count() <= 3
        s3_proxy.reset()
        assert r.read_numpy("layers.009.weight").tobytes() == tensors["layers.009.weight"].tobytes()
        assert s3_proxy.count() == 1 and s3_proxy.bytes() == r.info("layers.009.weight").stored_size
        got = r.read_many()
        assert all(got[k].tobytes() == v.tobytes() for k, v in tensors.items())


def test_s3_upload_multipart_and_abort(s3_server, s3_proxy, s3_bucket, tmp_path):
    rng = np.random.default_rng(3)
    tensors = make_model(rng, n=4, big=3 << 20)  # ~12 MiB: three 5 MiB parts
    st = zs.serialize_numpy(tensors)
    src = tmp_path / "m.safetensors"
    src.write_bytes(st)
    opts = s3_server.storage_options(s3_proxy.endpoint)
    s3_proxy.reset()
    stats = zs.compress_file(src, f"s3://{s3_bucket}/up.zstn", storage_options=opts, part_size=5 << 20)
    parts = [q for q in s3_proxy.requests if q.method == "PUT" and "partNumber" in q.path]
    assert len(parts) >= 2, [(q.method, q.path) for q in s3_proxy.requests]
    body = s3_server.boto3().get_object(Bucket=s3_bucket, Key="up.zstn")["Body"].read()
    assert body == zs.compress(st) and stats["output_size"] == len(body)
    # a failure while uploading: aborted, nothing under the name, no upload left behind
    s3_proxy.reset()
    s3_proxy.fail_next(10 ** 6, s3server.Fault("status", 500), method="PUT")
    o2 = dict(opts, config_kwargs=dict(opts["config_kwargs"], retries={"max_attempts": 1}))
    with pytest.raises(Exception):
        zs.compress_file(src, f"s3://{s3_bucket}/failed.zstn", storage_options=o2, part_size=5 << 20)
    s3_proxy.reset()
    c = s3_server.boto3()
    keys = [o["Key"] for o in c.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert "failed.zstn" not in keys
    assert not c.list_multipart_uploads(Bucket=s3_bucket).get("Uploads")


def test_cli_presigned_url(s3_server, s3_proxy, uploaded, model, tmp_path):
    cli = os.environ.get("Z4AI_CLI")
    if not cli:
        pytest.skip("Z4AI_CLI not set (ctest sets it)")
    tensors, st, blob = model
    bucket = uploaded.split("/")[2]
    url = s3_server.boto3(s3_proxy.endpoint).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "model.zstn"}, ExpiresIn=600)
    ls = subprocess.run([cli, "ls", url], capture_output=True, text=True, timeout=60)
    assert ls.returncode == 0, ls.stderr
    assert "layers.059.weight" in ls.stdout
    s3_proxy.reset()
    out = tmp_path / "t.bin"
    x = subprocess.run([cli, "extract", url, "layers.013.weight", "-o", str(out)], capture_output=True, text=True,
                       timeout=60)
    assert x.returncode == 0, x.stderr
    assert out.read_bytes() == tensors["layers.013.weight"].tobytes()
    assert s3_proxy.count() <= 4  # open (<= 3) + one frame
    s3_proxy.reset()
    s3_proxy.fail_next(2, s3server.Fault("status", 503))
    out.unlink()
    x = subprocess.run([cli, "extract", url, "layers.013.weight", "-o", str(out)], capture_output=True, text=True,
                       timeout=60)
    assert x.returncode == 0, x.stderr
    assert out.read_bytes() == tensors["layers.013.weight"].tobytes()
    s3_proxy.reset()
    s3_proxy.fail_next(100, s3server.Fault("status", 503))
    x = subprocess.run([cli, "info", url], capture_output=True, text=True, timeout=120)
    assert x.returncode != 0 and "attempts" in x.stderr and "127.0.0.1" in x.stderr
