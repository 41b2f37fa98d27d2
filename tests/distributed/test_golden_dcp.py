"""The golden DCP checkpoints (tests/golden/dcp, layout 1 of docs/DCP.md) keep loading."""
import hashlib
import json
import os
import shutil

import pytest

torch = pytest.importorskip("torch")
import torch.distributed.checkpoint as dcp  # noqa: E402

from z4ai.dcp import LAYOUT_VERSION, Z4Reader, chain_depth, item_infos  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden", "dcp")
MANIFEST = json.load(open(os.path.join(GOLDEN, "manifest.json")))


def _target(entry):
    sd = {}
    for k, t in entry["tensors"].items():
        node = sd
        *parents, leaf = k.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = torch.zeros(t["shape"], dtype=getattr(torch, t["dtype"]))
    for k in entry["values"]:
        node = sd
        *parents, leaf = k.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = None  # filled by the load
    return sd


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(MANIFEST["checkpoints"]))
def test_golden_checkpoint_loads(name, tmp_path):
    assert MANIFEST["layout"] <= LAYOUT_VERSION
    entry = MANIFEST["checkpoints"][name]
    # a copy: the reference is found relative to the checkpoint, wherever the pair lives
    shutil.copytree(GOLDEN, tmp_path / "g")
    path = tmp_path / "g" / name
    sd = _target(entry)
    dcp.load(sd, storage_reader=Z4Reader(path), no_dist=True)
    for k, t in entry["tensors"].items():
        node = sd
        for p in k.split("."):
            node = node[p]
        raw = node.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        assert hashlib.sha256(raw).hexdigest() == t["sha256"], k
    for k, v in entry["values"].items():
        node = sd
        for p in k.split("."):
            node = node[p]
        assert node == v, k
    assert chain_depth(path) == (0 if entry["reference"] is None else 1)
    assert all(i["z4ai_dcp"] == 1 for i in item_infos(path).values())
