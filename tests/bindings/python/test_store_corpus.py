"""z4ai.store on real weights: the corpus's MiniLM training run (consecutive checkpoints),
its frozen and relaid-out fine-tunes and the derived bf16 copies, pushed into one store
with automatic bases, pulled back byte for byte (bench/corpus builds the files)."""
import os

import numpy as np
import pytest

from z4ai.safetensors import ZstnReader
from z4ai.store import Store

RUN = ["checkpoints/ft/minilm-ft.step000.{d}.safetensors", "checkpoints/ft/minilm-ft.step050.{d}.safetensors",
       "checkpoints/frozen/minilm-frozen-ft.step100.{d}.safetensors",
       "checkpoints/relayout/minilm-relayout-ft.step040.{d}.safetensors"]


def _corpus(paths):
    cache = os.environ.get("Z4AI_CACHE")
    root = os.path.join(cache, "corpus") if cache else None
    missing = [p for p in paths if not root or not os.path.isfile(os.path.join(root, p))]
    if missing:
        pytest.skip(f"real-weights corpus file {missing[0]} absent (set Z4AI_CACHE; bench/corpus/fetch.sh builds it)")
    return [os.path.join(root, p) for p in paths]


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_minilm_run_and_fine_tunes_round_trip(tmp_path, dtype):
    files = _corpus([p.format(d=dtype) for p in RUN])
    s = Store(str(tmp_path / "store"))
    results = {}
    for f in files:
        rev = os.path.basename(f).split(".")[1] if "ft.step" in f else os.path.basename(f).split(".")[0]
        ref = f"minilm-{dtype}@{rev}-{os.path.basename(os.path.dirname(f))}"
        results[ref] = (f, s.push(ref, f, threads=0))
    for ref, (f, r) in results.items():
        out = tmp_path / ref.replace("@", "-")
        s.pull(ref, str(out))
        assert (out / os.path.basename(f)).read_bytes() == open(f, "rb").read(), ref
    rs = list(results.values())
    # step050 and the frozen fine-tune are mostly deltas against step000; the relaid-out one
    # matches its renamed tensors (q/k/v_proj, gamma/beta) by content
    assert rs[1][1].delta_tensors > 90 and rs[2][1].reused_tensors + rs[2][1].delta_tensors > 90
    assert rs[3][1].delta_tensors + rs[3][1].reused_tensors > 80
    assert rs[2][1].bytes_written < rs[0][1].bytes_written / 4
    assert s.verify()["errors"] == []
    # lazy reads equal the file's tensors
    with ZstnReader(files[3]) as ref_reader, s.open(list(results)[3]) as m:
        for name in ("classifier.out_proj.weight", "encoder.layer.5.attention.self.q_proj.weight"):
            if name in ref_reader:
                assert np.array_equal(m.read_numpy(name).view(np.uint8), ref_reader.read_numpy(name).view(np.uint8))


def test_derived_bf16_copy_of_the_real_model(tmp_path):
    real, bf16 = _corpus(["real/minilm-l6-v2.safetensors", "derived/minilm-l6-v2/minilm-l6-v2.bf16.safetensors"])
    s = Store(str(tmp_path / "store"))
    s.push("minilm@fp32", real)
    r = s.push("minilm@bf16", bf16)
    # fp32 tensors are never bases of bf16 ones (dtype differs); a few bf16 tensors (LayerNorm
    # vectors) delta against similar ones of the same file
    doc = s.manifest(s.resolve("minilm@bf16"))
    own = {t["sha256"] for f in doc["files"] for t in f["tensors"] if not t.get("base")}
    assert all(t["base"]["sha256"] in own for f in doc["files"] for t in f["tensors"] if t.get("base"))
    assert r.delta_tensors < 30
    for ref, f in (("minilm@fp32", real), ("minilm@bf16", bf16)):
        out = tmp_path / ref.replace("@", "-")
        s.pull(ref, str(out))
        assert (out / os.path.basename(f)).read_bytes() == open(f, "rb").read()
