"""Containers (.zstn), model deltas (.z4dm) and random access through the Python API."""
import os

import numpy as np
import pytest

import z4ai
from conftest import weights_like

zs = pytest.importorskip("z4ai.safetensors") if hasattr(z4ai._native, "TensorReader") else None
pytestmark = pytest.mark.skipif(zs is None, reason="library built without containers")


def _model(rng, scale=0.02):
    return {
        "embed.weight": (rng.standard_normal((300, 64)) * scale).astype(np.float32),
        "layer.0.weight": (rng.standard_normal((64, 64)) * scale).astype(np.float16),
        "layer.0.bias": np.zeros(64, np.float32),
        "head.weight": None,  # tied to embed.weight below
        "steps": np.arange(10, dtype=np.int64),
        "mask": np.array([True, False, True]),
        "empty": np.zeros((0, 3), np.float32),
    }


def _tensors(rng):
    t = _model(rng)
    t["head.weight"] = t["embed.weight"].copy()
    return t


def test_serialize_compress_roundtrip_and_reader(rng, tmp_path):
    t = _tensors(rng)
    st = zs.serialize_numpy(t, metadata={"source": "test"})
    assert zs.detect_kind(st) == "safetensors"
    blob = zs.compress(st, effort="max")
    assert zs.detect_kind(blob) == "container" and len(blob) < len(st)
    assert zs.decompress(blob) == st
    with zs.ZstnReader(blob) as r:
        assert r.kind == "container" and sorted(r.names()) == sorted(t) and len(r) == len(t)
        assert r.metadata() == {"source": "test"} and r.file_size == len(st)
        for name, a in t.items():
            info = r.info(name)
            assert info.shape == a.shape and info.nbytes == a.nbytes
            b = r.read_numpy(name)
            assert b.dtype == a.dtype and np.array_equal(a, b)
            assert r.read(name) == a.tobytes()
        assert r.info("head.weight").method == "same" or r.info("embed.weight").method == "same"
        e = r.read_elements("embed.weight", 1000, 17)
        assert np.array_equal(e, t["embed.weight"].reshape(-1)[1000:1017])
        with pytest.raises(z4ai.NotFoundError):
            r.read("nope")
        assert r.restore() == st
        r.restore(tmp_path / "restored.safetensors")
        assert (tmp_path / "restored.safetensors").read_bytes() == st
        assert "tensors" in r.describe() or r.describe()


def test_files_and_lazy_reads(rng, tmp_path):
    t = _tensors(rng)
    src = tmp_path / "m.safetensors"
    src.write_bytes(zs.serialize_numpy(t))
    stats = zs.compress_file(src, tmp_path / "m.zstn")
    assert stats["ratio"] > 1 and stats["output_size"] == os.path.getsize(tmp_path / "m.zstn")
    with zs.ZstnReader.open(tmp_path / "m.zstn") as r:
        calls0, bytes0 = r.io_stats()
        r.read_numpy("layer.0.weight")
        calls1, bytes1 = r.io_stats()
        assert bytes1 - bytes0 < os.path.getsize(tmp_path / "m.zstn") / 2  # only that tensor's frame
    assert zs.decompress_file(tmp_path / "m.zstn", tmp_path / "back.safetensors") == src.stat().st_size
    assert (tmp_path / "back.safetensors").read_bytes() == src.read_bytes()
    loaded = zs.load_numpy(tmp_path / "m.zstn")
    assert all(np.array_equal(loaded[k], t[k]) for k in t)
    plain = zs.load_numpy(src)  # a plain .safetensors opens too
    assert all(np.array_equal(plain[k], t[k]) for k in t)
    zs.save_numpy(t, tmp_path / "s.zstn")
    assert zs.decompress((tmp_path / "s.zstn").read_bytes()) == src.read_bytes()


def test_invalid_inputs_raise(rng):
    with pytest.raises(z4ai.Error) as e:
        zs.compress(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    assert e.value.name.startswith("Z4AI_E_")
    blob = bytearray(zs.compress(zs.serialize_numpy(_tensors(rng))))
    blob[len(blob) // 3] ^= 0xFF
    with pytest.raises(z4ai.Error):
        zs.decompress(bytes(blob))
    with pytest.raises(z4ai.Error):
        zs.ZstnReader(b"garbage" * 20)


def test_model_delta(rng, tmp_path):
    import z4ai.model_delta as md

    base = _tensors(rng)
    tuned = {k: v.copy() for k, v in base.items()}
    tuned["layer.0.weight"][::7] += np.float16(0.001)
    b, t = zs.serialize_numpy(base), zs.serialize_numpy(tuned)
    blob = md.compress(t, b)
    assert zs.detect_kind(blob) == "model_delta"
    assert md.decompress(blob, b) == t
    assert len(blob) < len(zs.compress(t)) / 2
    wrong = zs.serialize_numpy({k: (v + 1 if v.dtype.kind == "f" else v) for k, v in base.items()})
    with pytest.raises(z4ai.ReferenceMismatchError):
        md.decompress(blob, wrong)
    (tmp_path / "b.safetensors").write_bytes(b)
    (tmp_path / "t.safetensors").write_bytes(t)
    stats = md.compress_file(tmp_path / "t.safetensors", tmp_path / "b.safetensors", tmp_path / "t.z4dm")
    assert stats["ratio"] > 2
    with zs.ZstnReader(tmp_path / "t.z4dm", base=tmp_path / "b.safetensors") as r:
        assert r.kind == "model_delta"
        assert r.info("embed.weight").method == "base_copy"
        assert np.array_equal(r.read_numpy("layer.0.weight"), tuned["layer.0.weight"])
    with zs.ZstnReader(tmp_path / "t.z4dm") as r, pytest.raises(z4ai.ReferenceMissingError):
        r.names()  # nothing can be listed or read before the base is attached
    assert md.decompress_file(tmp_path / "t.z4dm", tmp_path / "b.safetensors", tmp_path / "t2.safetensors") == len(t)
    assert (tmp_path / "t2.safetensors").read_bytes() == t


def test_torch_save_load_file(rng, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    state = {"w": (torch.randn(256, 128) * 0.02).to(torch.bfloat16), "b": torch.zeros(128)}
    assert zs.save_file(state, tmp_path / "m.zstn", metadata={"format": "pt"}) is None  # as safetensors
    assert os.path.getsize(tmp_path / "m.zstn") < 256 * 128 * 2 + 128 * 4
    back = zs.load_file(tmp_path / "m.zstn")
    assert set(back) == {"w", "b"} and torch.equal(back["w"], state["w"]) and back["w"].dtype == torch.bfloat16
