"""Property test: gc never deletes an object a ref reaches, under pushes (stopped between
every step of the protocol), rms and gcs interleaved at random, on a simulated clock.

The pushes run the same steps Store.push does (begin_push: condemned lists, snapshot and
lease; encode_file per file: objects; commit: manifest then ref; end_push), so every
interleaving of them with gc runs is reachable. The clock is simulated so that grace
periods pass in microseconds: objects get the fake time as their modification time."""
import os
import random
import types

import numpy as np
import pytest

from store_helpers import base_tensors, finetune, same_tree, write_model
from z4ai.store import LocalBackend, Store, StoreError
from z4ai.store import core, gc as gcmod
from z4ai.store import layout as L
from z4ai.store.core import EncodeParams, encode_file, list_model_files, manifest_keys

GRACE = 10.0


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def time(self):
        return self.now


class ClockBackend(LocalBackend):
    def __init__(self, root, clock):
        super().__init__(root)
        self.clock = clock

    def put(self, key, data):
        super().put(key, data)
        t = self.clock.now
        os.utime(self._path(key), (t, t))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    rng = np.random.default_rng(7)
    root = tmp_path_factory.mktemp("models")
    base = {k: v for k, v in base_tensors(rng).items() if not k.startswith("embed")}
    ft1 = finetune(rng, base)
    ft2 = finetune(rng, ft1)
    renamed = {k.replace("layer.", "blk."): v for k, v in ft2.items()}
    out = {}
    for name, t in (("base", base), ("ft1", ft1), ("ft2", ft2), ("renamed", renamed)):
        out[name] = write_model(str(root / name), t, extra={"notes.txt": name.encode()})
    return out


def _reachable_ok(s):
    """Every ref's manifest and every key it names exists."""
    for ref, m in s.refs():
        assert s.backend.exists(L.manifest_key(m)), f"{ref}: manifest deleted"
        for k in manifest_keys(s.manifest(m)):
            assert s.backend.exists(k), f"{ref}: {k} deleted while reachable"


@pytest.mark.parametrize("seed", range(12))
def test_gc_never_deletes_reachable_objects(tmp_path, models, monkeypatch, seed):
    rnd = random.Random(seed)
    clock = Clock()
    fake = types.SimpleNamespace(time=clock.time)
    monkeypatch.setattr(core, "time", fake)
    monkeypatch.setattr(gcmod, "time", fake)
    s = Store(ClockBackend(str(tmp_path / "store"), clock), grace=GRACE, lease_ttl=400.0).init()
    expected = {}   # ref -> model directory its revision holds
    pushes = []     # in flight: dict(ref, model, files, entries, index, lease, started)
    refs = [f"fam@r{i}" for i in range(4)]
    deleted_total = 0
    for step in range(60):
        op = rnd.choice(["start", "advance", "advance", "advance", "rm", "gc", "gc", "tick", "tick"])
        if op == "start" and len(pushes) < 3:
            model = rnd.choice(sorted(models))
            index, lease, started = s.begin_push()
            pushes.append({"ref": rnd.choice(refs), "model": model, "files": list_model_files(models[model]),
                           "entries": [], "index": index, "lease": lease, "started": started})
        elif op == "advance" and pushes:
            p = rnd.choice(pushes)
            if p["files"]:
                rel, full = p["files"].pop(0)
                with open(full, "rb") as f:
                    data = f.read()
                entry, _ = encode_file(s.backend, p["index"], rel, data, EncodeParams(threads=1))
                p["entries"].append(entry)
            else:
                name, rev = L.parse_ref(p["ref"])
                pushes.remove(p)
                try:
                    s.commit(name, rev, p["entries"], p["lease"], p["started"])
                    expected[p["ref"]] = p["model"]
                except StoreError as e:
                    assert "outlived its lease" in str(e)
                s.end_push(p["lease"])
        elif op == "rm" and expected:
            ref = rnd.choice(sorted(expected))
            s.rm(ref)
            del expected[ref]
        elif op == "gc":
            # grace 0 is only for a store no push is writing to (documented)
            grace = 0.0 if not pushes and rnd.random() < 0.3 else None
            deleted_total += s.gc(grace=grace)["deleted"]
        elif op == "tick":
            clock.now += rnd.uniform(0, 2 * GRACE)
        _reachable_ok(s)
        assert sorted(r for r, _ in s.refs()) == sorted(expected)
    # finish the pushes in flight, then every revision pulls byte for byte
    for p in pushes:
        while p["files"]:
            rel, full = p["files"].pop(0)
            with open(full, "rb") as f:
                entry, _ = encode_file(s.backend, p["index"], rel, f.read(), EncodeParams(threads=1))
            p["entries"].append(entry)
        s.gc()
        clock.now += rnd.uniform(0, GRACE / 2)
        _reachable_ok(s)
        name, rev = L.parse_ref(p["ref"])
        try:
            s.commit(name, rev, p["entries"], p["lease"], p["started"])
            expected[p["ref"]] = p["model"]
        except StoreError as e:
            assert "outlived its lease" in str(e)
        s.end_push(p["lease"])
        _reachable_ok(s)
    for ref, model in expected.items():
        out = str(tmp_path / f"out-{ref.replace('@', '-')}")
        s.pull(ref, out)
        assert same_tree(models[model], out)
    assert s.verify()["errors"] == []
    # and with nothing in flight, everything unreachable goes
    for ref in list(expected):
        s.rm(ref)
    s.gc(grace=0)
    assert [o.key for o in s.backend.list("") if L.is_data_key(o.key)] == []
