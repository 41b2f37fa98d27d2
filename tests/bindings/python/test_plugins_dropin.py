"""h5py and Zarr users' habits: the hdf5plugin-style helper class and Zarr's
serializer/compressors split, with clear errors."""
import io

import numpy as np
import pytest


def test_hdf5_helper_errors_and_tiny_chunks():
    h5py = pytest.importorskip("h5py")
    zh = pytest.importorskip("z4ai.hdf5")
    if not zh.AVAILABLE:
        pytest.skip("HDF5 plugin not built")
    with pytest.raises(ValueError, match="effort 'ultra': expected one of default, fast, max"):
        zh.Z4ai(effort="ultra")
    with pytest.raises(ValueError, match="not a z4ai dtype"):
        zh.Z4ai(dtype="bf17")
    bio = io.BytesIO()
    with h5py.File(bio, "w") as f:
        with pytest.raises(ValueError, match="'bf16' is 2-byte but the dataset's dtype float32 is 4-byte"):
            zh.create_dataset(f, "bad", data=np.zeros(8, np.float32), z4ai=zh.Z4ai(dtype="bf16"))
        tiny = np.arange(9, dtype=np.float32)  # 36 bytes: a frame would be larger
        d = f.create_dataset("tiny", data=tiny, **zh.Z4ai())
        assert d.id.get_storage_size() <= tiny.nbytes
        w = (np.random.default_rng(0).standard_normal((64, 64)) * 0.02).astype(np.float32)
        big = zh.create_dataset(f, "w", data=w, chunks=(32, 32), z4ai=zh.Z4ai(effort="max"))
        assert big.id.get_storage_size() < w.nbytes
        bits = (w.view(np.uint32) >> 16).astype(np.uint16)
        zh.create_dataset(f, "bf", data=bits, chunks=(32, 32), z4ai=zh.Z4ai(dtype="bf16"))
    with h5py.File(bio, "r") as f:
        assert (f["tiny"][:] == tiny).all() and (f["w"][:] == w).all() and (f["bf"][:] == bits).all()


def test_zarr_serializer_helpers():
    zarr = pytest.importorskip("zarr")
    zz = pytest.importorskip("z4ai.zarr")
    store = zarr.storage.MemoryStore()
    with pytest.raises(TypeError, match="serializer=Z4aiCodec"):
        zz.create_array(store, shape=(8,), dtype="float32", compressors=zz.Z4aiCodec())
    with pytest.raises(TypeError, match="compressors=None"):
        zz.create_array(store, shape=(8,), dtype="float32", compressors=[zz.Z4aiCodec()])
    a = zz.create_array(store, name="a", shape=(64,), chunks=(32,), dtype="float32", serializer=zz.Z4aiCodec())
    assert [type(c).__name__ for c in a.metadata.codecs] == ["Z4aiCodec"]  # no zstd appended
    b = zarr.create_array(store, name="b", shape=(64,), chunks=(32,), dtype="float32", **zz.Z4ai(effort="fast"))
    x = np.linspace(0, 1, 64, dtype=np.float32)
    a[:] = x
    b[:] = x
    assert (a[:] == x).all() and (b[:] == x).all()
    assert [type(c).__name__ for c in b.metadata.codecs] == ["Z4aiCodec"]
