"""Hugging Face ``transformers`` integration: load z4ai-compressed weights with
``from_pretrained(..., variant="z4ai")``.

On disk, the variant follows transformers' own naming (``_add_variant``): beside
``model.safetensors`` sits ``model.z4ai.safetensors``, a ``.zstn`` container of it
(every tensor in its own frame; decompression restores the original byte for byte).
A sharded checkpoint gets ``model.safetensors.index.z4ai.json`` whose ``weight_map``
points at ``model-0000i-of-0000n.z4ai.safetensors``, one container per shard.

:func:`enable_hf` patches the one place transformers opens safetensors files
(``safe_open`` and the in-memory ``safetensors.torch.load`` in its loading modules):
a file that starts with a z4ai container's magic is served from a
:class:`~z4ai.safetensors.ZstnReader`, each tensor decoded when transformers
materializes it; every other file goes to the original functions untouched.

>>> import z4ai, z4ai.hf                                        # doctest: +SKIP
>>> z4ai.hf.compress_pretrained("my-model")    # writes my-model/model.z4ai.safetensors
>>> z4ai.enable_hf()
>>> from transformers import AutoModel
>>> model = AutoModel.from_pretrained("my-model", variant="z4ai")

Needs the ``hf`` extra (torch, safetensors, transformers); importing ``z4ai`` never
imports any of them.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from typing import Any, Dict, List, Optional, Union

from .safetensors import _ST_FOR, _TORCH_DTYPES, ZstnReader, compress_file, detect_kind

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["VARIANT", "enable_hf", "is_enabled", "compress_pretrained", "variant_name"]

#: The variant name used by default (``from_pretrained(..., variant="z4ai")``).
VARIANT = "z4ai"
SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"

# transformers modules that bind ``safe_open`` / ``_safe_load_bytes`` at import time
_PATCHED_MODULES = ("transformers.modeling_utils", "transformers.modeling_layers",
                    "transformers.integrations.accelerate")
_lock = threading.Lock()
_enabled = False


def variant_name(weights_name: str, variant: str = VARIANT) -> str:
    """transformers' ``_add_variant``: ``model.safetensors`` -> ``model.z4ai.safetensors``,
    ``model.safetensors.index.json`` -> ``model.safetensors.index.z4ai.json``."""
    path, ext = weights_name.rsplit(".", 1)
    return f"{path}.{variant}.{ext}"


# ---- the safe_open stand-in -----------------------------------------------------
def _is_container(path: Any) -> bool:
    if not isinstance(path, (str, os.PathLike)):
        return False
    try:
        return detect_kind(path) in ("container", "model_delta")
    except OSError:
        return False  # let the original raise its own error


def _open_container(path: PathLike) -> ZstnReader:
    """A reader over a .zstn, or over a .z4dm shard of a directory archive (its base is
    another member of the archive: found through the archive's manifest)."""
    if detect_kind(path) == "container":
        return ZstnReader(path)
    from .archive import Archive

    here = os.path.dirname(os.path.abspath(os.fspath(path)))
    for _ in range(16):
        if os.path.isfile(os.path.join(here, "z4ai-manifest.json")):
            with Archive(here) as a:
                rel = os.path.relpath(os.path.abspath(os.fspath(path)), here).replace(os.sep, "/")
                return a.open_member(rel)
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    raise ValueError(f"z4ai: {os.fspath(path)!r} is a model delta outside a directory archive; its base is unknown")


class _ZstnSlice:
    """What ``safe_open(...).get_slice`` gives: shape and dtype without decoding; the
    tensor is decoded on the first indexing (``slice[...]``, ``slice[a:b]``)."""

    def __init__(self, owner: "_ZstnSafeOpen", name: str) -> None:
        self._owner, self._name = owner, name

    def get_shape(self) -> List[int]:
        return list(self._owner._reader.info(self._name).shape)

    def get_dtype(self) -> str:
        return _ST_FOR[self._owner._reader.info(self._name).dtype]

    def __getitem__(self, index: Any) -> Any:
        return self._owner.get_tensor(self._name)[index]


class _ZstnSafeOpen:
    """The subset of ``safetensors.safe_open`` that transformers uses, over a container."""

    def __init__(self, path: PathLike, device: Any = "cpu") -> None:
        self._reader = _open_container(path)
        self._device = device
        self._read_lock = threading.Lock()  # transformers may materialize from a thread pool

    def keys(self) -> List[str]:
        return list(self._reader.names())

    def metadata(self) -> Optional[Dict[str, str]]:
        return self._reader.metadata()

    def get_tensor(self, name: str) -> Any:
        import torch

        info = self._reader.info(name)
        t = torch.empty(info.shape, dtype=getattr(torch, _TORCH_DTYPES[info.dtype]))
        if info.nbytes:
            with self._read_lock:
                self._reader._r.read_tensor(info.index, t.view(-1).view(torch.uint8).numpy())
        dev = str(self._device)
        return t if dev == "cpu" else t.to(self._device)

    def get_slice(self, name: str) -> _ZstnSlice:
        self._reader.info(name)  # NotFoundError now, as safe_open does
        return _ZstnSlice(self, name)

    def __enter__(self) -> "_ZstnSafeOpen":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._reader.close()


def _wrap_safe_open(orig: Any) -> Any:
    def safe_open(filename: Any, framework: str = "pt", device: Any = "cpu", *args: Any, **kwargs: Any) -> Any:
        if _is_container(filename):
            if framework not in ("pt", "torch", "pytorch"):
                raise ValueError(f"z4ai: containers load as torch tensors only, not framework={framework!r}")
            return _ZstnSafeOpen(filename, device)
        return orig(filename, framework, device, *args, **kwargs)

    safe_open._z4ai_orig = orig  # type: ignore[attr-defined]
    return safe_open


def _wrap_load_bytes(orig: Any) -> Any:
    def load(data: bytes, *args: Any, **kwargs: Any) -> Any:
        if detect_kind(data) == "container":
            from .safetensors import decompress

            data = decompress(data)
        return orig(data, *args, **kwargs)

    load._z4ai_orig = orig  # type: ignore[attr-defined]
    return load


def enable_hf() -> None:
    """Lets ``transformers`` load z4ai containers, e.g. ``from_pretrained(dir,
    variant="z4ai")`` after :func:`compress_pretrained`. Idempotent; plain
    ``.safetensors`` files keep loading through safetensors unchanged.

    Raises:
        ImportError: transformers (or torch) is not installed (``pip install "z4ai[hf]"``).
    """
    global _enabled
    import importlib

    with _lock:
        if _enabled:
            return
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError as e:
            raise ImportError("z4ai.enable_hf() needs transformers and torch: pip install \"z4ai[hf]\" "
                              f"({e})") from e
        patched = 0
        for modname in _PATCHED_MODULES:
            try:
                mod = importlib.import_module(modname)
            except ImportError:
                continue
            for attr, wrap in (("safe_open", _wrap_safe_open), ("_safe_load_bytes", _wrap_load_bytes)):
                fn = getattr(mod, attr, None)
                if fn is not None and not hasattr(fn, "_z4ai_orig"):
                    setattr(mod, attr, wrap(fn))
                    patched += 1
        if not hasattr(importlib.import_module("transformers.modeling_utils").safe_open, "_z4ai_orig"):
            raise ImportError(f"z4ai.enable_hf(): transformers {transformers.__version__} does not load "
                              "safetensors through transformers.modeling_utils.safe_open; unsupported version")
        _enabled = True


def is_enabled() -> bool:
    """Whether :func:`enable_hf` has run in this process."""
    return _enabled


# ---- writing the variant --------------------------------------------------------
def _check_shard_name(name: Any, index_path: str) -> None:
    """A weight_map shard name must stay inside the model directory (the same rules as
    archive manifest paths: relative, no NUL, no '.'/'..' or empty component)."""
    ok = isinstance(name, str) and name and "\x00" not in name and "\\" not in name and \
        not name.startswith("/") and all(c not in ("", ".", "..") for c in name.split("/"))
    if not ok:
        raise ValueError(f"{index_path}: weight_map names shard {name!r}, which is not a plain relative path "
                         "inside the model directory (absolute, '..', NUL or empty component)")
def compress_pretrained(src_dir: PathLike, dst_dir: Optional[PathLike] = None, *, variant: str = VARIANT,
                        **params: Any) -> Dict[str, Any]:
    """Writes the ``variant`` (default ``"z4ai"``) of a ``save_pretrained`` directory.

    ``model.safetensors`` becomes ``model.z4ai.safetensors`` (a ``.zstn`` container); a
    sharded checkpoint (``model.safetensors.index.json``) gets one container per shard
    and ``model.safetensors.index.z4ai.json``. With ``dst_dir`` (default: ``src_dir``,
    beside the originals) the other files (config, tokenizer, ...) are copied too, so
    ``dst_dir`` loads on its own. ``params`` as :func:`z4ai.safetensors.compress`.

    Returns ``{"files": {src_name: dst_name}, "input_size", "output_size", "ratio"}``.
    """
    src = os.fspath(src_dir)
    dst = os.fspath(dst_dir) if dst_dir is not None else src
    os.makedirs(dst, exist_ok=True)
    index_path = os.path.join(src, SAFE_WEIGHTS_INDEX_NAME)
    files: Dict[str, str] = {}
    if os.path.isfile(index_path):
        with open(index_path, encoding="utf-8") as f:
            index = json.load(f)
        shards = sorted(set(index["weight_map"].values()))
        for s in shards:
            _check_shard_name(s, index_path)
        files = {s: variant_name(s, variant) for s in shards}
        index["weight_map"] = {k: files[v] for k, v in index["weight_map"].items()}
        index_out = (SAFE_WEIGHTS_INDEX_NAME, variant_name(SAFE_WEIGHTS_INDEX_NAME, variant))
    elif os.path.isfile(os.path.join(src, SAFE_WEIGHTS_NAME)):
        files = {SAFE_WEIGHTS_NAME: variant_name(SAFE_WEIGHTS_NAME, variant)}
        index, index_out = None, None
    else:
        raise FileNotFoundError(f"no {SAFE_WEIGHTS_NAME} or {SAFE_WEIGHTS_INDEX_NAME} in {src!r} "
                                "(save the model with save_pretrained(..., safe_serialization=True))")
    total_in = total_out = 0
    for s, d in files.items():
        st = compress_file(os.path.join(src, s), os.path.join(dst, d), **params)
        total_in += st["input_size"]
        total_out += st["output_size"]
    if index is not None and index_out is not None:
        tmp = os.path.join(dst, index_out[1] + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(index, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, os.path.join(dst, index_out[1]))
        files[index_out[0]] = index_out[1]
    if os.path.abspath(dst) != os.path.abspath(src):
        written = set(files.values())
        for name in os.listdir(src):
            p = os.path.join(src, name)
            weights = name.endswith((".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack")) or \
                name.startswith(("model.safetensors.index", "pytorch_model.bin.index"))
            if os.path.isfile(p) and not weights and name not in written:
                shutil.copy2(p, os.path.join(dst, name))
    return {"files": files, "input_size": total_in, "output_size": total_out,
            "ratio": total_in / total_out if total_out else float("inf")}
