"""z4ai.safetensors as a drop-in for safetensors (torch and NumPy), tested the way
safetensors' own tests use it; the full upstream suite runs in
tests/bindings/python/upstream/run_safetensors_tests.py."""
import os

import numpy as np
import pytest

import z4ai

zs = pytest.importorskip("z4ai.safetensors") if hasattr(z4ai._native, "TensorReader") else None
if zs is None:
    pytest.skip("built without containers", allow_module_level=True)
torch = pytest.importorskip("torch")


def _bits(t):
    return t.reshape(-1).view(torch.uint8) if t.nelement() else t.reshape(-1)


def test_every_safetensors_08_dtype_round_trips(tmp_path):
    rng = torch.Generator().manual_seed(0)
    state = {
        "bf16": torch.randn(8, 4, generator=rng).to(torch.bfloat16),
        "f16": torch.randn(3, generator=rng).half(),
        "f32": torch.randn(5, 2, generator=rng),
        "f64": torch.randn(2, generator=rng).double(),
        "c64": torch.randn(3, 2, dtype=torch.complex64, generator=rng),
        "i64": torch.arange(6).reshape(2, 3),
        "u16": torch.arange(4, dtype=torch.int32).to(torch.uint16),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "zero2": torch.zeros((2, 0)),
        "zero3": torch.zeros((1, 0, 3)),
    }
    for name in ("float8_e4m3fn", "float8_e5m2", "float8_e8m0fnu", "float8_e4m3fnuz", "float8_e5m2fnuz",
                 "float4_e2m1fn_x2"):
        state[name] = torch.randint(0, 255, (2, 3), dtype=torch.uint8, generator=rng).view(getattr(torch, name))
    path = tmp_path / "m.zstn"
    assert zs.save_file(state, path, metadata={"format": "pt"}) is None
    assert zs.detect_kind(path) == "container"
    back = zs.load_file(path)
    assert set(back) == set(state)
    for k, v in state.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        assert torch.equal(_bits(back[k]), _bits(v)), k
    # bytes API, and plain .safetensors bytes written by safetensors itself read too
    blob = zs.save(state)
    assert blob[:4] == b"Z4ST"
    assert all(torch.equal(_bits(zs.load(blob)[k]), _bits(v)) for k, v in state.items())
    st = pytest.importorskip("safetensors.torch")
    plain = st.save({"bf16": state["bf16"], "zero2": state["zero2"]})
    assert torch.equal(zs.load(plain)["bf16"], state["bf16"]) and zs.load(plain)["zero2"].shape == (2, 0)


def test_safetensors_name_is_plain_unless_asked(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    state = {"w": torch.randn(16, 16).to(torch.bfloat16)}
    zs.save_file(state, tmp_path / "m.safetensors")
    assert torch.equal(st.load_file(tmp_path / "m.safetensors")["w"], state["w"])  # any reader can read it
    zs.save_file(state, tmp_path / "c.safetensors", container=True)
    assert open(tmp_path / "c.safetensors", "rb").read(4) == b"Z4ST"
    assert torch.equal(zs.load_file(tmp_path / "c.safetensors")["w"], state["w"])
    zs.save_file(state, tmp_path / "p.bin", container=False)
    assert torch.equal(st.load_file(tmp_path / "p.bin")["w"], state["w"])


def test_safe_open_keys_slices_metadata_backend(tmp_path):
    a = torch.arange(50, dtype=torch.float32).reshape(10, 5)
    path = tmp_path / "m.zstn"
    zs.save_file({"a": a, "b": torch.ones(3)}, path, metadata={})
    with zs.safe_open(path, framework="pt", device="cpu", backend="pread") as f:
        assert f.keys() == ["a", "b"] and f.metadata() == {}  # {} stays {}
        assert torch.equal(f.get_tensor("a"), a)
        sl = f.get_slice("a")
        assert sl.get_shape() == [10, 5] and sl.get_dtype() == "F32"
        assert torch.equal(sl[2:, -1], a[2:, -1]) and torch.equal(sl[:2], a[:2]) and sl[[]].shape == (0, 5)
        with pytest.raises(zs.SafetensorError, match="Invalid index -6 for dimension 1 of size 5"):
            sl[2:, -6]
        assert set(f.get_tensors()) == {"a", "b"}
    with pytest.raises(zs.SafetensorError):
        f.keys()  # closed
    with zs.safe_open(path, framework="np") as f:
        assert isinstance(f.get_tensor("a"), np.ndarray)
    with pytest.raises(ValueError):
        zs.safe_open(path, framework="pt", backend="not_a_backend")
    with pytest.raises(FileNotFoundError, match="^No such file or directory: notafile$"):
        zs.safe_open("notafile", framework="pt")
    with open(path, "rb") as handle:  # an open file, as safetensors' _safe_open_handle takes
        with zs.safe_open(handle, framework="pt") as f:
            assert torch.equal(f.get_tensor("b"), torch.ones(3))


def test_upstream_errors(tmp_path):
    with pytest.raises(ValueError, match=r"^Expected a dict of \[str, torch.Tensor\] but received <class 'str'>$"):
        zs.save_file("notadict", tmp_path / "x.zstn")
    with pytest.raises(ValueError, match="Key `test` is invalid"):
        zs.save_file({"test": {"some": "thing"}}, tmp_path / "x.zstn")
    a = torch.zeros((10, 10))
    with pytest.raises(RuntimeError):
        zs.save_file({"a": a, "b": a}, tmp_path / "x.zstn")
    with pytest.raises(ValueError, match="non contiguous"):
        zs.save_file({"t": a.t()}, tmp_path / "x.zstn")
    zs.save_file({"x": a[1:], "y": a[:1]}, tmp_path / "disjoint.zstn")  # disjoint views are fine
    assert not os.path.exists(tmp_path / "x.zstn")


def test_reader_is_a_mapping_with_builtin_exceptions(tmp_path):
    arrays = {"w": np.arange(12, dtype=np.float32).reshape(3, 4), "s": np.array(7, dtype=np.int64)}
    zs.save_file(arrays, tmp_path / "n.zstn")
    with zs.ZstnReader(tmp_path / "n.zstn") as r:
        assert r.keys() == ["s", "w"] and (r["w"] == arrays["w"]).all()
        assert r["s"].shape == () and int(r["s"]) == 7  # 0-d stays 0-d
        with pytest.raises(KeyError):
            r["nope"]
        assert isinstance(r.read_torch("w"), torch.Tensor)
    with pytest.raises(FileNotFoundError):
        zs.ZstnReader(tmp_path / "missing.zstn")


def test_bf16_is_bf16_everywhere(tmp_path):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    w = torch.randn(4, 4).to(torch.bfloat16)
    zs.save_file({"w": w}, tmp_path / "b.zstn")
    with zs.ZstnReader(tmp_path / "b.zstn") as r:
        assert r["w"].dtype == np.dtype(ml_dtypes.bfloat16)
    assert zs.load_file(tmp_path / "b.zstn")["w"].dtype == torch.bfloat16


def test_clean_namespaces():
    public = [n for n in dir(z4ai) if not n.startswith("_")]
    for leaked in ("annotations", "z4ai_swig", "json", "os", "Any"):
        assert leaked not in public, leaked
    assert "z4ai_swig" not in z4ai.__all__
    for leaked in ("json", "os", "Any", "annotations", "dataclass"):
        assert leaked not in dir(zs), leaked
    assert {"safe_open", "save", "load", "save_file", "load_file"} <= set(zs.__all__)


def test_z4ai_open_on_a_container_says_what_it_is(tmp_path):
    zs.save_file({"w": np.zeros(8, np.float32)}, tmp_path / "c.zstn")
    with pytest.raises(z4ai.WrongKindError, match="a .zstn container.*safe_open"):
        with z4ai.open(tmp_path / "c.zstn") as f:
            f.read()
