"""Checkpoint deltas through the Python API."""
import numpy as np
import pytest

import z4ai
from conftest import weights_like


def test_delta_roundtrip_smaller_and_reference_checked(rng):
    prev = weights_like(rng, 200000)
    cur = prev.copy()
    idx = rng.choice(prev.size, prev.size // 50, replace=False)
    cur[idx] += np.float32(1e-4)
    frame = z4ai.compress_delta(cur, prev)
    plain = z4ai.compress(cur)
    assert len(frame) * 3 < len(plain)
    assert z4ai.decompress_delta(frame, prev) == cur.tobytes()
    back = z4ai.decompress_array(frame, reference=prev)
    assert back.shape == cur.shape and np.array_equal(back, cur)
    with pytest.raises(z4ai.ReferenceMissingError) as e:
        z4ai.decompress(frame)
    assert e.value.name == "Z4AI_E_REFERENCE_MISSING"
    wrong = prev.copy()
    wrong[7] += 1
    with pytest.raises(z4ai.ReferenceMismatchError) as e:
        z4ai.decompress_delta(frame, wrong)
    assert e.value.name == "Z4AI_E_REFERENCE_MISMATCH"
    out = bytearray(cur.nbytes)
    assert z4ai.decompress_delta(frame, prev, out=out) is out and out == cur.tobytes()


def test_delta_on_bytes_and_streaming(rng):
    prev = rng.integers(0, 256, 100000, dtype=np.uint8).tobytes()
    cur = bytearray(prev)
    cur[5000:5010] = b"0123456789"
    frame = z4ai.compress_delta(bytes(cur), prev, dtype="bf16")
    assert z4ai.decompress_delta(frame, prev) == cur
    with z4ai.Decompressor(reference=prev) as d:
        assert d.decompress(frame) == cur and d.eof


def test_real_checkpoints_delta(corpus_dir):
    import json
    import os

    files = json.load(open(os.path.join(corpus_dir, "index.json"))).get("files", [])
    by_path = {f["path"]: f for f in files if isinstance(f, dict) and "path" in f}
    for f in files:
        prev = by_path.get(f.get("prev") or "")
        if not prev or f.get("container") != "raw" or f.get("dtype") != "bf16":
            continue
        a = np.fromfile(os.path.join(corpus_dir, f["path"]), np.uint8)
        b = np.fromfile(os.path.join(corpus_dir, prev["path"]), np.uint8)
        if a.size != b.size:
            continue
        frame = z4ai.compress_delta(a, b, dtype="bf16")
        assert z4ai.decompress_delta(frame, b) == a.tobytes()
        assert len(frame) < len(z4ai.compress(a, dtype="bf16"))
        return
    pytest.skip("no raw bf16 checkpoint pair in the corpus")
