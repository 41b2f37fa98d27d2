"""Golden vectors of the store layout (docs/STORE.md): a store written by layout version 1
(fixtures/make_store_fixture.py) must pull byte for byte with every later z4ai."""
import hashlib
import json
import os
import shutil

import numpy as np

from z4ai.store import Store

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def test_store_v1_golden_pulls_byte_for_byte(tmp_path):
    src = os.path.join(HERE, "store-v1")
    with open(os.path.join(HERE, "store-v1.expected.json")) as f:
        expected = json.load(f)
    st = tmp_path / "store"
    shutil.copytree(src, st)
    s = Store(str(st))
    assert sorted(r for r, _ in s.refs()) == sorted(expected)
    for ref, files in expected.items():
        out = tmp_path / ref.replace("/", "_").replace("@", "_")
        s.pull(ref, str(out))
        got = {rel: hashlib.sha256((out / rel).read_bytes()).hexdigest() for rel in files}
        assert got == files, ref
    kinds = {s.open(r).info("q8").method for r in expected}
    assert kinds == {"frame"}
    with s.open("golden@ft") as m:
        assert m.info("enc.w").method == "delta" and m.read_numpy("enc.w").shape == (64, 48)
        assert m.read_numpy("emb").dtype.itemsize == 2
        assert np.array_equal(m.read_numpy("enc.b"), np.zeros(48, np.float32))
    assert s.verify()["errors"] == []
