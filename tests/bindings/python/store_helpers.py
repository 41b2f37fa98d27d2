"""Shared helpers of the family-store tests: synthetic model directories and comparisons."""
import filecmp
import json
import os

import numpy as np

from z4ai.safetensors import serialize_numpy


def write_model(path, tensors, metadata=None, extra=None):
    """A model directory: model.safetensors + config.json (+ extra {relpath: bytes})."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(serialize_numpy(tensors, metadata))
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump({"hidden": 64, "layers": 2}, f)
    for rel, data in (extra or {}).items():
        p = os.path.join(path, *rel.split("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    return path


def base_tensors(rng, scale=0.02):
    t = {}
    for i in range(2):
        t[f"layer.{i}.q.weight"] = (rng.standard_normal((256, 256)) * scale).astype(np.float32)
        t[f"layer.{i}.k.weight"] = (rng.standard_normal((256, 256)) * scale).astype(np.float32)
        t[f"layer.{i}.q.bias"] = (rng.standard_normal(256) * scale).astype(np.float32)
        t[f"layer.{i}.norm.weight"] = np.ones(256, np.float32)
    t["embed.weight"] = (rng.standard_normal((1000, 256)) * scale).astype(np.float32)
    return t


def finetune(rng, tensors, frac=0.3, step=1e-3):
    """A fine-tune: a fraction of the words moved a little (as an optimizer step does)."""
    out = {}
    for k, v in tensors.items():
        if k.endswith("norm.weight"):
            out[k] = v.copy()
            continue
        mask = rng.random(v.shape) < frac
        out[k] = (v + (mask * rng.standard_normal(v.shape) * step * np.abs(v).mean() * 10).astype(v.dtype)).astype(
            v.dtype)
    return out


def to_bf16_bits(t):
    """fp32 -> bf16 (round to nearest even) as uint16 bits, like torch's cast."""
    u = t.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return r


def same_tree(a, b):
    """True if directories a and b hold the same files with the same bytes."""
    fa = sorted(os.path.relpath(os.path.join(d, f), a) for d, _, fs in os.walk(a) for f in fs)
    fb = sorted(os.path.relpath(os.path.join(d, f), b) for d, _, fs in os.walk(b) for f in fs)
    if fa != fb:
        return False
    return all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False) for f in fa)
