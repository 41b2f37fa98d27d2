"""NumPy arrays: dtype and shape restored; bf16/fp8 through ml_dtypes when present."""
import numpy as np
import pytest

import z4ai
from conftest import weights_like

NUMPY_DTYPES = [np.bool_, np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64,
                np.float16, np.float32, np.float64]


@pytest.mark.parametrize("dt", NUMPY_DTYPES)
@pytest.mark.parametrize("shape", [(0,), (1,), (5, 7), (2, 3, 4, 5), (3, 1, 1, 1, 1, 1, 1, 2)])
def test_array_roundtrip(dt, shape, rng):
    a = (rng.standard_normal(shape) * 100).astype(dt)
    frame = z4ai.compress_array(a)
    b = z4ai.decompress_array(frame)
    assert b.dtype == np.dtype(dt).newbyteorder("<") and b.shape == shape and np.array_equal(a, b)
    assert z4ai.frame_info(frame).dtype == z4ai.dtype_name(dt)
    assert np.array_equal(z4ai.decompress_array(z4ai.compress(a)), a)  # compress() infers too


def test_noncontiguous_bigendian_and_fortran(rng):
    a = weights_like(rng, 1000).reshape(20, 50)
    for view in (a[:, ::2], a.T, np.asfortranarray(a), a.astype(">f4")):
        b = z4ai.decompress_array(z4ai.compress_array(view))
        assert b.shape == view.shape and np.array_equal(b, view)
    assert a.flags.c_contiguous  # the original is untouched


def test_zero_dim_and_nine_dims():
    s = np.float32(3.5)
    b = z4ai.decompress_array(z4ai.compress_array(np.array(s)))
    assert b.reshape(-1)[0] == s
    nine = np.zeros((1,) * 9, np.int16)
    assert z4ai.decompress_array(z4ai.compress_array(nine)).size == 1  # >8 dims: flat


def test_bf16_bits_in_uint16_and_out_array(rng):
    bits = (weights_like(rng, 10000).view(np.uint32) >> 16).astype(np.uint16)
    frame = z4ai.compress_array(bits, dtype="bf16")
    assert z4ai.frame_info(frame).dtype == "bf16"
    back = z4ai.decompress_array(frame, dtype=np.uint16)
    assert np.array_equal(back, bits)
    out = np.empty_like(bits)
    assert z4ai.decompress_array(frame, out=out) is out and np.array_equal(out, bits)
    with pytest.raises(z4ai.DstTooSmallError):
        z4ai.decompress_array(frame, out=np.empty(9999, np.uint16))
    assert len(frame) < bits.nbytes * 0.8


def test_ml_dtypes_bfloat16_and_fp8(rng):
    ml = pytest.importorskip("ml_dtypes")
    w = weights_like(rng, 4096)
    for t, name in ((ml.bfloat16, "bf16"), (ml.float8_e4m3fn, "fp8_e4m3"), (ml.float8_e5m2, "fp8_e5m2")):
        a = w.astype(t).reshape(64, 64)
        frame = z4ai.compress_array(a)
        assert z4ai.frame_info(frame).dtype == name
        b = z4ai.decompress_array(frame)
        assert b.dtype == np.dtype(t) and b.shape == (64, 64)
        assert a.view(np.uint8).tobytes() == b.view(np.uint8).tobytes()


def test_unsupported_array_dtype_needs_explicit_dtype():
    c = np.zeros(8, np.complex128)
    with pytest.raises(z4ai.Error):
        z4ai.compress_array(c)
    assert z4ai.decompress(z4ai.compress(c)) == c.tobytes()  # compress(): raw bytes
    frame = z4ai.compress_array(c, dtype="fp64")
    assert z4ai.decompress(frame) == c.tobytes()
    # complex64 has a z4ai dtype (safetensors' C64) and comes back as complex64
    c64 = (np.arange(8) + 1j).astype(np.complex64)
    back = z4ai.decompress_array(z4ai.compress_array(c64))
    assert back.dtype == np.complex64 and (back == c64).all()


def test_real_weights_from_corpus(corpus_dir):
    import json
    import os

    index = json.load(open(os.path.join(corpus_dir, "index.json")))
    entries = index if isinstance(index, list) else index.get("files", index.get("entries", []))
    done = 0
    for e in entries:
        if not isinstance(e, dict):
            continue
        path = e.get("path") or e.get("file")
        dtype = e.get("dtype")
        if not path or dtype not in ("fp32", "bf16", "fp16"):
            continue
        full = path if os.path.isabs(path) else os.path.join(corpus_dir, path)
        if not os.path.isfile(full) or os.path.getsize(full) > 64 << 20:
            continue
        data = np.fromfile(full, np.uint8)
        frame = z4ai.compress(data, dtype=dtype)
        assert z4ai.decompress(frame) == data.tobytes()
        assert len(frame) < data.nbytes
        done += 1
        if done == 3:
            break
    if not done:
        pytest.skip("no fp32/bf16/fp16 file found in the corpus index")
