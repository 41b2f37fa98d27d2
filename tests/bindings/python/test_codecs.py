"""numcodecs and Zarr v3 codecs with the real numcodecs / zarr packages (skipped when
not installed; scripts/test-wheel.sh installs them)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import z4ai
from conftest import weights_like

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def _installed():
    try:
        from importlib.metadata import PackageNotFoundError, distribution
        try:
            distribution("z4ai")
            return True
        except PackageNotFoundError:
            return False
    except ImportError:
        return False


needs_install = pytest.mark.skipif(not _installed(), reason="entry points need the installed distribution")


# ---- numcodecs
def test_numcodecs_roundtrip_config_and_out(rng):
    pytest.importorskip("numcodecs")
    from z4ai.numcodecs import Z4ai

    codec = Z4ai(dtype="float16", effort="max")
    cfg = codec.get_config()
    assert cfg == {"id": "z4ai", "dtype": "fp16", "effort": "max", "checksum": True}
    a = weights_like(rng, 10000, np.float16)
    enc = codec.encode(a)
    assert z4ai.frame_info(enc).dtype == "fp16"
    assert np.frombuffer(codec.decode(enc), np.float16).tobytes() == a.tobytes()
    out = np.empty_like(a)
    assert codec.decode(enc, out=out) is out and np.array_equal(out, a)
    with pytest.raises(z4ai.Error):
        codec.decode(enc, out=np.empty(9999, np.float16))
    assert Z4ai.from_config(cfg) == codec
    inferred = Z4ai()
    assert z4ai.frame_info(inferred.encode(np.zeros(8, np.int32))).dtype == "int32"
    with pytest.raises(ValueError):
        Z4ai(effort="turbo")


@needs_install
def test_numcodecs_entry_point_in_fresh_interpreter():
    pytest.importorskip("numcodecs")
    code = ("import sys, numcodecs, numpy as np; c = numcodecs.get_codec({'id': 'z4ai', 'dtype': 'bf16'}); "
            "x = np.arange(100, dtype=np.uint16); assert (np.frombuffer(c.decode(c.encode(x)), np.uint16) == x).all(); "
            "print(type(c).__module__, c.get_config()['dtype'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["z4ai.numcodecs", "bf16"]


def test_numcodecs_golden_fixtures():
    pytest.importorskip("numcodecs")
    from z4ai.numcodecs import Z4ai

    root = os.path.join(FIXTURES, "numcodecs")
    cases = sorted(d for d in os.listdir(root) if d.startswith("codec."))
    assert cases
    for case in cases:
        d = os.path.join(root, case)
        cfg = json.load(open(os.path.join(d, "config.json")))
        codec = Z4ai.from_config(cfg)
        expected = np.load(os.path.join(d, "array.npy"))
        enc = open(os.path.join(d, "encoded.dat"), "rb").read()
        dec = codec.decode(enc)
        assert np.asarray(dec).tobytes() == expected.tobytes(), case
        assert z4ai.frame_info(enc).dtype == (cfg["dtype"] or z4ai.dtype_name(expected.dtype))


def test_zarr_v2_with_numcodecs(tmp_path, rng):
    zarr = pytest.importorskip("zarr")
    pytest.importorskip("numcodecs")
    from z4ai.numcodecs import Z4ai

    a = weights_like(rng, 64 * 80).reshape(64, 80)
    z = zarr.create_array(str(tmp_path / "v2.zarr"), shape=a.shape, chunks=(32, 32), dtype="float32",
                          zarr_format=2, compressors=Z4ai(dtype="fp32"))
    z[:] = a
    meta = json.load(open(tmp_path / "v2.zarr" / ".zarray"))
    assert meta["compressor"]["id"] == "z4ai" and meta["compressor"]["dtype"] == "fp32"
    if _installed():
        code = (f"import zarr, numpy as np; z = zarr.open_array({str(tmp_path / 'v2.zarr')!r}, mode='r'); "
                "print(z[:].tobytes().hex()[:64], z[5, 7].tobytes().hex())")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        head, v = out.stdout.split()
        assert head == a.tobytes().hex()[:64] and v == a[5, 7].tobytes().hex()
    assert np.array_equal(zarr.open_array(str(tmp_path / "v2.zarr"), mode="r")[:], a)


# ---- Zarr v3
def _bf16_bits(rng, shape):
    return (weights_like(rng, int(np.prod(shape))).view(np.uint32) >> 16).astype(np.uint16).reshape(shape)


def test_zarr_v3_bf16_as_uint16(tmp_path, rng):
    zarr = pytest.importorskip("zarr")
    from z4ai.zarr import Z4aiCodec

    bits = _bf16_bits(rng, (96, 64))
    path = str(tmp_path / "bf16.zarr")
    z = zarr.create_array(path, shape=bits.shape, chunks=(32, 32), dtype="uint16",
                          serializer=Z4aiCodec(dtype="bf16"), compressors=None)
    z[:] = bits
    meta = json.load(open(os.path.join(path, "zarr.json")))
    assert {"name": "z4ai", "configuration": {"dtype": "bf16", "effort": "default", "checksum": True}} in meta["codecs"]
    back = zarr.open_array(path, mode="r")
    assert np.array_equal(back[:], bits) and np.array_equal(back[40:50, 3:35], bits[40:50, 3:35])
    chunk = open(os.path.join(path, "c", "0", "0"), "rb").read()
    assert z4ai.frame_info(chunk).dtype == "bf16" and z4ai.frame_info(chunk).shape == (32, 32)


@needs_install
def test_zarr_v3_fresh_interpreter_without_importing_z4ai(tmp_path, rng):
    zarr = pytest.importorskip("zarr")
    from z4ai.zarr import Z4aiCodec

    a = weights_like(rng, 50 * 70, np.float16).reshape(50, 70)
    path = str(tmp_path / "fp16.zarr")
    z = zarr.create_array(path, shape=a.shape, chunks=(16, 32), dtype="float16", serializer=Z4aiCodec(),
                          compressors=None)
    z[:] = a
    code = (f"import sys, zarr, numpy as np; z = zarr.open_array({path!r}, mode='r'); "
            "x = z[:]; print(x.dtype, x.shape, x[49, 69].tobytes().hex(), 'z4ai' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    dt, s0, s1, last, imported = out.stdout.split()
    assert dt == "float16" and last == a[49, 69].tobytes().hex() and imported == "True"


def test_zarr_v3_sharded_partial_read(tmp_path, rng):
    zarr = pytest.importorskip("zarr")
    from z4ai.zarr import Z4aiCodec

    a = weights_like(rng, 128 * 128).reshape(128, 128)
    path = str(tmp_path / "sharded.zarr")
    z = zarr.create_array(path, shape=a.shape, shards=(64, 64), chunks=(16, 16), dtype="float32",
                          serializer=Z4aiCodec(effort="max"), compressors=None)
    z[:] = a
    meta = json.load(open(os.path.join(path, "zarr.json")))
    sharding = meta["codecs"][0]
    assert sharding["name"] == "sharding_indexed"
    assert sharding["configuration"]["codecs"][0]["name"] == "z4ai"
    back = zarr.open_array(path, mode="r")
    assert np.array_equal(back[70:75, 3:90], a[70:75, 3:90])
    assert np.array_equal(back[:], a)


def test_zarr_v3_big_endian_and_fortran(tmp_path, rng):
    zarr = pytest.importorskip("zarr")
    from z4ai.zarr import Z4aiCodec

    a = np.asfortranarray(weights_like(rng, 40 * 30, np.float64).reshape(40, 30))
    z = zarr.create_array(zarr.storage.MemoryStore(), shape=a.shape, chunks=(16, 16), dtype=">f8",
                          serializer=Z4aiCodec(), compressors=None)
    z[:] = a
    assert np.array_equal(z[:], a)
    assert z.metadata.codecs[0].to_dict()["configuration"]["dtype"] == "fp64"


def test_zarr_v3_codec_registered_by_entry_point_or_hand():
    zarr = pytest.importorskip("zarr")
    from zarr.registry import get_codec_class

    from z4ai.zarr import Z4aiCodec

    assert get_codec_class("z4ai") is Z4aiCodec
    assert Z4aiCodec.from_dict(Z4aiCodec(dtype="bfloat16").to_dict()) == Z4aiCodec(dtype="bf16")


def test_zarr_corrupt_chunk_raises(tmp_path, rng):
    zarr = pytest.importorskip("zarr")
    from z4ai.zarr import Z4aiCodec

    a = weights_like(rng, 32 * 32).reshape(32, 32)
    path = str(tmp_path / "c.zarr")
    z = zarr.create_array(path, shape=a.shape, chunks=(32, 32), dtype="float32", serializer=Z4aiCodec(),
                          compressors=None)
    z[:] = a
    chunk = os.path.join(path, "c", "0", "0")
    blob = bytearray(open(chunk, "rb").read())
    blob[len(blob) // 2] ^= 0xFF
    open(chunk, "wb").write(bytes(blob))
    with pytest.raises(z4ai.Error):
        zarr.open_array(path, mode="r")[:]


# ---- HDF5 (h5py with its bundled HDF5, plugin shipped in the package)
def test_hdf5_roundtrip_and_corrupt_chunk(tmp_path, rng):
    pytest.importorskip("h5py")
    import h5py

    import z4ai.hdf5 as zh

    if not zh.AVAILABLE:
        pytest.skip("HDF5 filter plugin not built into this package")
    w = weights_like(rng, 100 * 70).reshape(100, 70)
    bits = (w.view(np.uint32) >> 16).astype(np.uint16)
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("w", data=w, chunks=(32, 32), **zh.Z4ai())
        f.create_dataset("bf16", data=bits, chunks=(50, 70), **zh.Z4ai(dtype="bf16", effort="max"))
    with h5py.File(path, "r") as f:
        assert np.array_equal(f["w"][:], w) and np.array_equal(f["bf16"][:], bits)
        fid, _, opts, _ = f["bf16"].id.get_create_plist().get_filter(0)
        assert fid == zh.FILTER_ID and opts[3] == 13
        mask, chunk = f["w"].id.read_direct_chunk((0, 0))
        assert mask == 0 and z4ai.frame_info(chunk).dtype == "fp32"
    with h5py.File(path, "r+") as f:
        bad = bytearray(chunk)
        bad[len(bad) // 2] ^= 0xFF
        f["w"].id.write_direct_chunk((0, 0), bytes(bad))
    with h5py.File(path, "r") as f, pytest.raises(OSError):
        f["w"][:32, :32]


def test_zarr_v3_golden_store_keeps_decoding():
    zarr = pytest.importorskip("zarr")
    import z4ai.zarr  # noqa: F401  (registers the codec in a build tree)

    root = os.path.join(FIXTURES, "zarr")
    expected = np.load(os.path.join(root, "bf16.npy"))
    z = zarr.open_array(zarr.storage.LocalStore(os.path.join(root, "bf16.zarr"), read_only=True), mode="r")
    assert z.dtype == np.uint16 and np.array_equal(z[:], expected)
    assert np.array_equal(z[33:40, 17:24], expected[33:40, 17:24])  # the partial edge chunk
    edge = open(os.path.join(root, "bf16.zarr", "c", "1", "1"), "rb").read()
    assert z4ai.frame_info(edge).dtype == "bf16" and z4ai.frame_info(edge).shape == (32, 16)
