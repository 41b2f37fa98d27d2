"""The z4ai numcodecs codec through numcodecs' own test helpers
(numcodecs.tests.common), as numcodecs tests its codecs."""
import numpy as np
import pytest

numcodecs = pytest.importorskip("numcodecs")
common = pytest.importorskip("numcodecs.tests.common")
from z4ai.numcodecs import Z4ai  # noqa: E402

# numcodecs' usual test arrays (test_zstd.py and friends) plus weights
ARRAYS = [
    np.arange(1000, dtype="i4"),
    np.linspace(1000, 1001, 1000, dtype="f8"),
    np.random.default_rng(0).normal(loc=1000, scale=1, size=(100, 10)).astype("f4"),
    np.random.default_rng(1).integers(0, 2, size=1000, dtype=bool).reshape(100, 10, order="F"),
    np.random.default_rng(2).integers(0, 200, size=1000, dtype="u1").reshape(100, 10, order="F"),
    np.random.default_rng(3).integers(-(2**15), 2**15 - 1, size=1000, dtype="i2"),
    np.random.default_rng(4).integers(0, 2**60, size=1000, dtype="u8"),
    (np.random.default_rng(5).standard_normal((64, 64)) * 0.02).astype("f2"),
    (np.random.default_rng(6).standard_normal(500) + 1j).astype("c8"),
]
CODECS = [Z4ai(), Z4ai(effort="fast"), Z4ai(effort="max", level=12), Z4ai(checksum=False)]


@pytest.mark.parametrize("codec", CODECS, ids=repr)
def test_check_encode_decode(codec):
    for arr in ARRAYS:
        common.check_encode_decode(arr, codec)


@pytest.mark.parametrize("codec", CODECS, ids=repr)
def test_check_encode_decode_array(codec):
    for arr in ARRAYS:
        common.check_encode_decode_array(arr, codec)


def test_check_config():
    for codec in CODECS + [Z4ai(dtype="bf16")]:
        common.check_config(codec)
    assert Z4ai(level=5).get_config()["level"] == 5 and "level" not in Z4ai().get_config()
    assert numcodecs.get_codec({"id": "z4ai", "level": 9}).level == 9
    assert repr(Z4ai(level=3)) == "Z4ai(dtype=None, effort='default', checksum=True, level=3)"


def test_check_backwards_compatibility(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the helper writes its fixtures below the working directory
    common.check_backwards_compatibility(Z4ai.codec_id, ARRAYS, CODECS)
    common.check_backwards_compatibility(Z4ai.codec_id, ARRAYS, CODECS)  # and reads them back


def test_bf16_override_returns_the_bits():
    bits = (np.arange(4096, dtype=np.uint16) % 7 + 0x3F80).astype(np.uint16)
    common.check_encode_decode_array(bits, Z4ai(dtype="bf16"))


def test_unsupported_dtypes_are_refused_clearly():
    for bad in (np.zeros(4, "c16"), np.array(["a", "b"])):  # (datetimes arrive as int64 views)
        with pytest.raises(TypeError, match="dtype='raw'"):
            Z4ai().encode(bad)
    raw = Z4ai(dtype="raw")
    a = np.zeros(4, "c16")
    assert np.frombuffer(raw.decode(raw.encode(a)), "c16").tolist() == a.tolist()
    with pytest.raises(ValueError, match="4-byte"):
        Z4ai(dtype="fp32").encode(np.zeros(4, "f8"))
    with pytest.raises(ValueError, match="level"):
        Z4ai(level=99)
    # complex64 is coded as complex64, not as bytes
    import z4ai

    assert z4ai.frame_info(Z4ai().encode(np.zeros(4, "c8"))).dtype == "complex64"
