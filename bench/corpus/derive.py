#!/usr/bin/env python3
"""Derive lower-precision / quantized / pruned variants from each real fp32 model, the way
frameworks produce them. Inputs: real/<model>.safetensors (fetch.py). Outputs:
derived/<model>/<model>.<variant>.safetensors plus the bare tensor bytes in
derived/<model>/<model>.<variant>.{f32,f16,bf16}. See README.md for the exact recipes.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpuslib as cl  # noqa: E402

RECIPE_VERSION = "derive-v1"


# ------------------------------------------------------------------ recipes (fp32 in, fp32 out)
def _rows(w: np.ndarray, axis: int) -> np.ndarray:
    return np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)


def _unrows(r: np.ndarray, shape, axis: int) -> np.ndarray:
    moved = (shape[axis],) + tuple(s for i, s in enumerate(shape) if i != axis)
    return np.ascontiguousarray(np.moveaxis(r.reshape(moved), 0, axis))


def quant_dequant_per_channel(w: np.ndarray, bits: int, axis: int) -> np.ndarray:
    """Symmetric per-output-channel: scale = max|w_row| / qmax (fp32),
    q = round_half_even(w / scale) clipped to [-qmax-1, qmax], dequantized q * scale in fp32."""
    qmax = (1 << (bits - 1)) - 1
    r = _rows(w, axis).astype(np.float32)
    amax = np.abs(r).max(axis=1).astype(np.float32)
    scale = (amax / np.float32(qmax)).astype(np.float32)
    scale[scale == 0] = np.float32(1.0)
    q = np.clip(np.rint(r / scale[:, None]), -qmax - 1, qmax).astype(np.int8)
    deq = (q.astype(np.float32) * scale[:, None]).astype(np.float32)
    return _unrows(deq, w.shape, axis)


def quant_dequant_groupwise(w: np.ndarray, bits: int, group: int, axis: int) -> np.ndarray:
    """Symmetric group-wise: groups of `group` consecutive values along each output channel's
    input dimension (the last group of a row may be shorter), one fp32 scale per group."""
    qmax = (1 << (bits - 1)) - 1
    r = _rows(w, axis).astype(np.float32)
    c, n = r.shape
    ng = -(-n // group)
    pad = np.zeros((c, ng * group), np.float32)
    pad[:, :n] = r
    g = pad.reshape(c, ng, group)
    amax = np.abs(g).max(axis=2)
    scale = (amax / np.float32(qmax)).astype(np.float32)
    scale[scale == 0] = np.float32(1.0)
    q = np.clip(np.rint(g / scale[:, :, None]), -qmax - 1, qmax).astype(np.int8)
    deq = (q.astype(np.float32) * scale[:, :, None]).astype(np.float32).reshape(c, ng * group)[:, :n]
    return _unrows(deq, w.shape, axis)


def prune_magnitude(w: np.ndarray, frac: float = 0.5) -> np.ndarray:
    """Unstructured magnitude pruning per tensor: zero the floor(frac*n) smallest |w|."""
    flat = w.astype(np.float32).ravel().copy()
    k = int(flat.size * frac)
    if k > 0:
        idx = np.argpartition(np.abs(flat), k - 1)[:k]
        flat[idx] = 0.0
    return flat.reshape(w.shape)


def upcast_bf16(w):
    return cl.bf16_bits_to_f32(cl.f32_to_bf16_bits(w))


def upcast_fp16(w):
    with np.errstate(over="ignore"):
        return w.astype(np.float16).astype(np.float32)


# variant name -> (container dtype, recipe id, description)
VARIANTS = {
    "bf16": ("bf16", "cast", "fp32 -> bf16, round-to-nearest-even, NaN kept quiet (torch .to(bfloat16))"),
    "fp16": ("fp16", "cast", "fp32 -> fp16, numpy astype (IEEE round-to-nearest-even; overflow -> inf)"),
    "upcast-bf16": ("fp32", "upcast_bf16", "fp32 container holding bf16 values (bf16 RNE, shifted back to fp32)"),
    "upcast-fp16": ("fp32", "upcast_fp16", "fp32 container holding fp16 values (fp16 astype, back to fp32)"),
    "int8pc-fp16": ("fp16", "int8pc", "int8 symmetric per-output-channel, dequantized q*scale in fp32, cast to fp16"),
    "int8pc-bf16": ("bf16", "int8pc", "int8 symmetric per-output-channel, dequantized in fp32, cast to bf16 (RNE)"),
    "int8pc-fp32": ("fp32", "int8pc", "int8 symmetric per-output-channel, dequantized in fp32"),
    "int4pc-fp16": ("fp16", "int4pc", "int4 symmetric per-output-channel (scale=max/7), dequantized in fp32, cast to fp16"),
    "int4pc-bf16": ("bf16", "int4pc", "int4 symmetric per-output-channel, dequantized in fp32, cast to bf16 (RNE)"),
    "int4pc-fp32": ("fp32", "int4pc", "int4 symmetric per-output-channel, dequantized in fp32"),
    "int4g128-fp16": ("fp16", "int4g128", "int4 symmetric group-wise (128 along the input dim), dequantized in fp32, cast to fp16"),
    "prune50-fp32": ("fp32", "prune50", "50% unstructured magnitude pruning per tensor, fp32"),
    "prune50-bf16": ("bf16", "prune50", "50% magnitude pruning per tensor in fp32, then cast to bf16 (RNE)"),
}


def apply_recipe(recipe: str, name: str, w: np.ndarray, axis: int) -> np.ndarray:
    if recipe == "cast":
        return w
    if recipe == "upcast_bf16":
        return upcast_bf16(w)
    if recipe == "upcast_fp16":
        return upcast_fp16(w)
    if w.ndim < 2:
        # biases, norms, scalars: frameworks leave them unquantized / unpruned
        return w
    if recipe == "int8pc":
        return quant_dequant_per_channel(w, 8, axis)
    if recipe == "int4pc":
        return quant_dequant_per_channel(w, 4, axis)
    if recipe == "int4g128":
        return quant_dequant_groupwise(w, 4, 128, axis)
    if recipe == "prune50":
        return prune_magnitude(w, 0.5)
    raise ValueError(recipe)


def derive_model(model: str, variants=None) -> list[Path]:
    root = cl.corpus_root()
    src = root / "real" / f"{model}.safetensors"
    if not src.exists():
        raise FileNotFoundError(f"{src} missing: run fetch.py first")
    src_key = Path(str(src) + ".done").read_text().strip()
    tensors, meta = cl.read_safetensors(src)
    tensors = [(n, a.astype(np.float32)) for n, a, _ in tensors]
    axis1 = set(filter(None, meta.get("out_axis_1", "").split(",")))
    outdir = root / "derived" / model
    outdir.mkdir(parents=True, exist_ok=True)
    cache: dict[str, list] = {}
    written = []
    for vname, (dtype, recipe, desc) in VARIANTS.items():
        if variants and vname not in variants:
            continue
        st = outdir / f"{model}.{vname}.safetensors"
        raw = outdir / f"{model}.{vname}.{cl.RAW_EXT[dtype]}"
        key = cl.recipe_key(RECIPE_VERSION, src_key, vname, dtype, recipe)
        if cl.done_marker(st, key) and raw.exists():
            written.append(st)
            continue
        if recipe not in cache:
            cache[recipe] = [(n, apply_recipe(recipe, n, w, 1 if n in axis1 else 0)) for n, w in tensors]
        out = [(n, cl.f32_to(w, dtype)) for n, w in cache[recipe]]
        md = {"z4ai_kind": "derived", "model": model, "variant": vname, "recipe": desc,
              "derived_from": f"real/{model}.safetensors", "source": meta.get("source", "")}
        cl.write_safetensors(st, out, dtype, md, raw_path=raw)
        cl.set_done(st, key)
        written.append(st)
        cl.log(f"derived {st.name}")
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", nargs="*", help="default: every model with derive=true in sources.json")
    ap.add_argument("--variants", nargs="*", choices=sorted(VARIANTS))
    args = ap.parse_args(argv)
    models = args.models or [m["name"] for m in json.loads((cl.HERE / "sources.json").read_text())["models"]
                             if m.get("derive")]
    rc = 0
    for m in models:
        try:
            derive_model(m, args.variants)
        except Exception as e:  # report, keep deriving the others
            cl.log(f"ERROR deriving {m}: {e}")
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
