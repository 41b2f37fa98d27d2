#!/usr/bin/env python3
"""End-to-end test of the z4ai CLI on .safetensors files: compress/decompress to and
from .zstn, model deltas (.z4dm) with --reference, ls, extract (whole and element
ranges), info, and sharded model directories with cross-shard dedup. Byte-identical
restore is checked everywhere; wrong bases must fail."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_util  # noqa: E402

Z4AI = sys.argv[1]


def run(*args, ok=True):
    p = subprocess.run([Z4AI, *args], capture_output=True, text=True)
    if ok and p.returncode != 0:
        raise SystemExit(f"FAIL: z4ai {' '.join(args)}\n{p.stderr}")
    if not ok and p.returncode == 0:
        raise SystemExit(f"FAIL (expected an error): z4ai {' '.join(args)}")
    return p


def same(a, b):
    if open(a, "rb").read() != open(b, "rb").read():
        raise SystemExit(f"FAIL: {a} and {b} differ")


def main():
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as d:
        j = lambda *p: os.path.join(d, *p)  # noqa: E731
        emb = st_util.weights(rng, (300, 64), "BF16")
        base_tensors = [
            ("embed.weight", "BF16", emb),
            ("layer.0.weight", "F32", st_util.weights(rng, (64, 64), "F32")),
            ("layer.0.bias", "F32", st_util.weights(rng, (64,), "F32")),
            ("LayerNorm.weight", "F32", st_util.weights(rng, (64,), "F32") + 1),
            ("lm_head.weight", "BF16", emb),
            ("steps", "I64", np.array([1000], dtype=np.int64)),
        ]
        st_util.write(j("base.safetensors"), base_tensors, {"format": "pt"})
        # compress / info / ls / extract / decompress
        run("compress", "-q", j("base.safetensors"))
        assert os.path.exists(j("base.zstn"))
        info = run("info", j("base.zstn")).stdout
        assert "lm_head.weight" in info and "same #0" in info, info
        desc = json.loads(run("info", "--json", j("base.zstn")).stdout)
        assert desc["kind"] == "container" and len(desc["tensors"]) == 6
        ls = run("ls", j("base.zstn")).stdout.splitlines()
        assert len(ls) == 7 and ls[0].split() == ["TENSOR", "DTYPE", "SHAPE", "BYTES"], ls
        assert ls[1].split()[0] == "embed.weight", ls
        run("extract", "-q", j("base.zstn"), "layer.0.weight", "-o", j("w.bin"))
        assert open(j("w.bin"), "rb").read() == base_tensors[1][2].tobytes()
        run("extract", "-q", j("base.zstn"), "embed.weight", "--elements", "640:1280", "-o", j("rows.bin"))
        assert open(j("rows.bin"), "rb").read() == emb.reshape(-1)[640:1280].tobytes()
        run("extract", "-q", j("base.zstn"), "nope", "-o", j("x.bin"), ok=False)
        run("decompress", "-q", j("base.zstn"), "-o", j("back.safetensors"))
        same(j("base.safetensors"), j("back.safetensors"))
        run("decompress", "-q", j("base.zstn"), "-o", j("back.safetensors"), ok=False)  # exists, no -f
        # --raw keeps the plain frame path
        run("compress", "-q", "--raw", j("base.safetensors"), "-o", j("base.raw.z4ai"))
        run("decompress", "-q", j("base.raw.z4ai"), "-o", j("base.raw"))
        same(j("base.safetensors"), j("base.raw"))

        # model delta: renamed, changed, added, dropped tensors
        ft = [
            ("lm_head.weight", "BF16", emb),
            ("layer.0.weight", "F32", base_tensors[1][2] + rng.standard_normal((64, 64)).astype(np.float32) * 1e-5),
            ("LayerNorm.gamma", "F32", base_tensors[3][2] * np.float32(1.0001)),
            ("classifier.weight", "F32", st_util.weights(rng, (4, 64), "F32")),
            ("embed.weight", "BF16", emb),
        ]
        st_util.write(j("ft.safetensors"), ft, {"format": "pt", "step": "100"})
        run("compress", "-q", "--reference", j("base.safetensors"), j("ft.safetensors"))
        assert os.path.exists(j("ft.z4dm"))
        run("decompress", "-q", j("ft.z4dm"), ok=False)  # needs the base
        run("decompress", "-q", "--reference", j("ft.safetensors"), j("ft.z4dm"), "-o", j("bad.st"), ok=False)
        run("decompress", "-q", "--reference", j("base.safetensors"), j("ft.z4dm"), "-o", j("ft.back"))
        same(j("ft.safetensors"), j("ft.back"))
        info = run("info", "--reference", j("base.safetensors"), j("ft.z4dm")).stdout
        assert "base-copy" in info and "base-delta" in info, info
        run("extract", "-q", "--reference", j("base.zstn"), j("ft.z4dm"), "LayerNorm.gamma", "-o", j("g.bin"))
        assert open(j("g.bin"), "rb").read() == ft[2][2].tobytes()

        # a sharded model directory: two shards sharing a tensor, index, config, tokenizer
        os.makedirs(j("model", "sub"))
        st_util.write(j("model", "model-00001-of-00002.safetensors"), base_tensors[:3], {"format": "pt"})
        st_util.write(j("model", "model-00002-of-00002.safetensors"),
                      [("lm_head.weight", "BF16", emb), ("head.bias", "F32", st_util.weights(rng, (64,), "F32"))],
                      {"format": "pt"})
        index = {"metadata": {"total_size": 1}, "weight_map": {"embed.weight": "model-00001-of-00002.safetensors"}}
        open(j("model", "model.safetensors.index.json"), "w").write(json.dumps(index, indent=2))
        open(j("model", "config.json"), "w").write('{"hidden_size": 64}\n')
        open(j("model", "sub", "tokenizer.json"), "w").write(json.dumps({"vocab": list(range(500))}))
        open(j("model", "empty.txt"), "w").close()
        run("compress", "-q", "-T", "2", j("model"))
        manifest = json.load(open(j("model.z4ai", "z4ai-manifest.json")))
        kinds = {f["path"]: f["kind"] for f in manifest["files"]}
        assert kinds["model-00001-of-00002.safetensors"] == "container", kinds
        assert kinds["model-00002-of-00002.safetensors"] == "model_delta", kinds  # dedup across shards
        # version 2: loader-read files stay plain under their own name (the archive is a model dir)
        assert kinds["config.json"] == "plain", kinds
        assert open(j("model.z4ai", "config.json")).read() == '{"hidden_size": 64}\n'
        run("decompress", "-q", j("model.z4ai"), "-o", j("model.back"))
        for root, _, files in os.walk(j("model")):
            for f in files:
                rel = os.path.relpath(os.path.join(root, f), j("model"))
                same(j("model", rel), j("model.back", rel))
        n = sum(len(f) for _, _, f in os.walk(j("model.back")))
        assert n == 6, n
    print("cli container checks passed")


if __name__ == "__main__":
    main()
