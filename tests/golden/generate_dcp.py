#!/usr/bin/env python3
"""Writes the golden DCP checkpoints of docs/DCP.md (layout 1) into tests/golden/dcp/, once.

    PYTHONPATH=build/python python3 tests/golden/generate_dcp.py

k1 is a keyframe, k2 a delta against k1 (one process, no_dist); inputs derive from numpy's
legacy RandomState. manifest.json records every tensor's dtype, shape and SHA-256 and the
non-tensor values. Existing files are never rewritten.
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import torch
import torch.distributed.checkpoint as dcp

from z4ai.dcp import LAYOUT_VERSION, Z4Writer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dcp")


def state(step: int):
    rs = np.random.RandomState(19)
    w = (rs.standard_normal((64, 48)) * 0.02).astype(np.float32)
    b = (rs.standard_normal(300) * 0.1).astype(np.float32)
    moment = np.abs(rs.standard_normal((64, 48)) * 1e-4).astype(np.float32)
    drift = np.random.RandomState(100 + step)
    w = w + (drift.standard_normal(w.shape) * 1e-4 * step).astype(np.float32)
    return {
        "model": {"w": torch.from_numpy(w), "b16": torch.from_numpy(b + step * 1e-3).to(torch.bfloat16),
                  "ids": torch.arange(12, dtype=torch.int64) * step, "half": torch.from_numpy(w[:8]).half()},
        "optim": {"exp_avg_sq": torch.from_numpy(moment * (1 + step)), "step": torch.tensor(float(step))},
        "extra": {"step": step, "name": "golden"},
    }


def tensors(sd, prefix=""):
    for k, v in sd.items():
        if isinstance(v, dict):
            yield from tensors(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def main():
    if os.path.exists(os.path.join(HERE, "manifest.json")):
        print("tests/golden/dcp exists: not rewritten")
        return 0
    warnings.filterwarnings("ignore")
    manifest = {"layout": LAYOUT_VERSION, "checkpoints": {}}
    for name, step, ref in (("k1", 1, None), ("k2", 2, "k1")):
        sd = state(step)
        dcp.save(sd, storage_writer=Z4Writer(os.path.join(HERE, name), threads=1,
                                             reference=None if ref is None else os.path.join(HERE, ref)),
                 no_dist=True)
        entry = {"reference": ref, "tensors": {}, "values": {}}
        for k, v in tensors(sd):
            if isinstance(v, torch.Tensor):
                raw = v.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
                entry["tensors"][k] = {"dtype": str(v.dtype).rsplit(".", 1)[-1], "shape": list(v.shape),
                                       "sha256": hashlib.sha256(raw).hexdigest()}
            else:
                entry["values"][k] = v
        manifest["checkpoints"][name] = entry
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
