"""Model deltas (.z4dm): a fine-tuned ``.safetensors`` stored against its base.

Tensors are paired by name, then by content digest, then (``match_renamed``) by
similarity, and stored as a copy of the base tensor (no bytes), a delta frame, or a
fresh frame; the base is identified by its size and XXH3-128 digest, so a wrong base
is refused.

>>> import numpy as np, z4ai.model_delta as md, z4ai.safetensors as zs
>>> rng = np.random.default_rng(0)
>>> base = {"w": (rng.standard_normal((128, 64)) * 0.02).astype(np.float32), "b": np.ones(64, np.float32)}
>>> tuned = {"w": base["w"] + np.float32(1e-3) * (rng.random((128, 64)) < 0.05), "b": base["b"]}
>>> b, t = zs.serialize_numpy(base), zs.serialize_numpy(tuned)
>>> blob = md.compress(t, b)
>>> md.decompress(blob, b) == t, len(blob) < len(zs.compress(t)) / 3
(True, True)
"""
from __future__ import annotations

import os
from typing import Any, Dict

from ._core import Buffer, _make_dctx
from .safetensors import PathLike, _cparams, _stats

__all__ = ["compress", "decompress", "compress_file", "decompress_file"]


def compress(finetuned: Buffer, base: Buffer, *, match_renamed: bool = True, **params: Any) -> bytes:
    """Fine-tuned ``.safetensors`` bytes against the base's -> ``.z4dm`` bytes. Keyword
    arguments as :func:`z4ai.safetensors.compress`. Neither input is copied or modified."""
    c = _cparams(match_renamed=match_renamed, **params)
    try:
        return c.model_delta_compress_bytes(finetuned, base)
    finally:
        c.close()


def decompress(blob: Buffer, base: Buffer, *, threads: int = 0, verify_checksum: bool = True) -> bytes:
    """``.z4dm`` + its base -> the fine-tuned ``.safetensors`` bytes (byte-identical)."""
    d = _make_dctx(threads, verify_checksum)
    try:
        return d.model_delta_decompress_bytes(blob, base)
    finally:
        d.close()


def compress_file(finetuned: PathLike, base: PathLike, dst: PathLike, *, match_renamed: bool = True,
                  **params: Any) -> Dict[str, Any]:
    """File version of :func:`compress` (atomic). Returns sizes, ``ratio`` and ``saved_pct``."""
    c = _cparams(match_renamed=match_renamed, **params)
    try:
        c.model_delta_compress_file(os.fspath(finetuned), os.fspath(base), os.fspath(dst))
    finally:
        c.close()
    return _stats(finetuned, dst)


def decompress_file(blob: PathLike, base: PathLike, dst: PathLike, *, threads: int = 0,
                    verify_checksum: bool = True) -> int:
    """File version of :func:`decompress`; returns the restored size."""
    d = _make_dctx(threads, verify_checksum)
    try:
        return d.model_delta_decompress_file(os.fspath(blob), os.fspath(base), os.fspath(dst))
    finally:
        d.close()
