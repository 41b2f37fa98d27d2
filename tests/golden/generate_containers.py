#!/usr/bin/env python3
"""Generate the golden containers: .zstn (safetensors) and .z4dm (model delta).

usage: generate_containers.py Z4AI_CLI [--force]

Run once per new container feature; never regenerate existing vectors: they must
keep restoring to the same bytes forever (tests/golden/check_golden.py, ctest
`golden_frames`; every binding walks the same manifest).

The .safetensors inputs are built byte by byte here (no safetensors package) from
numpy's legacy RandomState, so anyone can re-derive them:
  st-dense   canonical layout as the safetensors library writes it (compact JSON,
             __metadata__ first, contiguous data, header padded with spaces to 8
             bytes): 15 dtypes, a scalar, an empty tensor, tied tensors (stored once,
             method SAME), an all-zero tensor. Stored with header transform 1.
  st-gaps    hand-written layout: pretty-printed JSON with an odd length, JSON order
             != offset order, __metadata__ last, an unknown member in a tensor
             entry, an escaped name, a zero-size tensor pointing inside another,
             alignment gaps holding garbage and trailing bytes after the last tensor
             (the gap frame), a non-canonical "data_offsets":[A, B] (so the
             header is stored with transform 0).
  ft (.z4dm) a fine-tune of st-dense (committed as frames/base.safetensors):
             perturbed tensors (BASE_DELTA), identical ones (BASE_COPY), a renamed
             one found by content and a renamed perturbed one found by sampling,
             a rewritten one (FRAME: the delta does not pay), a new one (FRAME),
             tied tensors (SAME), an empty one (EMPTY).

  model-dir-v2  the same directory (plus a binary file and an empty directory) in archive
             format version 2 (shards keep their names, loader files plain, modes, digests)
  model-dir  a sharded checkpoint directory (z4ai compress DIR -> DIR.z4ai/ with
             z4ai-manifest.json): shard 1 a .zstn, shard 2 a .z4dm against shard 1
             (cross-shard dedup of the tied lm_head), index/config/nested text files
             as raw frames. Manifest kind "dir": per-file SHA-256 and size; its
             "sha256" is over "path NUL sha256-hex LF" lines in path order.

Each manifest entry records the SHA-256 of the restored .safetensors file and of
every tensor's bytes (by name), the method the writer chose per tensor (for the
record: decoders must follow whatever the file says), and how it was made.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMES = os.path.join(HERE, "frames")


def weights(n, seed, scale=0.02):
    return np.random.RandomState(seed).normal(0.0, scale, n).astype(np.float32)


def bf16(a):
    u = a.view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def dense_tensors():
    """(name, safetensors dtype, shape, bytes) in file order."""
    rs = np.random.RandomState(21)
    embed = bf16(weights(64 * 96, 22)).tobytes()
    return [
        ("model.embed_tokens.weight", "BF16", [64, 96], embed),
        ("model.layers.0.self_attn.q_proj.weight", "F16", [32, 64], weights(32 * 64, 23).astype(np.float16).tobytes()),
        ("model.layers.0.mlp.up_proj.weight", "F32", [32, 48], weights(32 * 48, 24).tobytes()),
        ("model.layers.0.mlp.up_proj.bias", "F32", [48], weights(48, 25, 0.1).tobytes()),
        ("model.layers.0.input_layernorm.weight", "F32", [64], (1.0 + weights(64, 26, 0.05)).astype(np.float32).tobytes()),
        ("model.layers.0.q8.weight", "I8", [32, 64], rs.randint(-128, 128, 32 * 64).astype(np.int8).tobytes()),
        ("model.layers.0.q8.scale", "F16", [32], (np.abs(weights(32, 27)) / 127).astype(np.float16).tobytes()),
        ("model.layers.0.fp8.weight", "F8_E4M3", [16, 32], (bf16(weights(512, 28) * 8) >> 8).astype(np.uint8).tobytes()),
        ("model.layers.0.fp8.weight_e5m2", "F8_E5M2", [16, 16], (bf16(weights(256, 29) * 8) >> 8).astype(np.uint8).tobytes()),
        ("model.rotary.inv_freq", "F64", [16], (1.0 / 10000 ** (np.arange(16) / 16.0)).astype(np.float64).tobytes()),
        ("model.position_ids", "I64", [1, 64], np.arange(64, dtype=np.int64).tobytes()),
        ("model.token_type_ids", "I32", [1, 40], rs.randint(0, 2, 40).astype(np.int32).tobytes()),
        ("model.hist16", "I16", [30], rs.randint(-300, 300, 30).astype(np.int16).tobytes()),
        ("model.vocab_u16", "U16", [25], rs.randint(0, 60000, 25).astype(np.uint16).tobytes()),
        ("model.counts_u32", "U32", [12], rs.randint(0, 1 << 30, 12).astype(np.uint32).tobytes()),
        ("model.ids_u64", "U64", [6], rs.randint(0, 1 << 30, 6).astype(np.uint64).tobytes()),
        ("model.codes_u8", "U8", [40], rs.randint(0, 16, 40).astype(np.uint8).tobytes()),
        ("model.attention_mask", "BOOL", [4, 25], (rs.rand(100) < 0.4).astype(np.uint8).tobytes()),
        ("model.step", "I64", [], struct.pack("<q", 1000)),
        ("model.empty_adapter", "F32", [0, 16], b""),
        ("model.zeros", "F32", [128], bytes(512)),
        ("lm_head.weight", "BF16", [64, 96], embed),  # tied to the embedding
    ]


def canonical(tensors, metadata):
    """The layout the safetensors library writes: compact JSON, contiguous data."""
    header, off, data = {"__metadata__": metadata}, 0, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def gaps_file():
    """Returns (file bytes, {name: tensor bytes}) for the odd layout."""
    rs = np.random.RandomState(31)
    t = {
        "b": ("BF16", [24, 20], bf16(weights(480, 32)).tobytes()),
        "a": ("F32", [10, 10], weights(100, 33).tobytes()),
        "blk.1.w": ("F16", [50], weights(50, 34).astype(np.float16).tobytes()),
        "c": ("I32", [7], rs.randint(-5, 5, 7).astype(np.int32).tobytes()),
        "nothing": ("BF16", [0], b""),
    }
    # data section: [garbage 5][a 400][pad to 8: 3 zeros][c 28][garbage 37][blk.1.w 100][b 960][trailing 13]
    layout, data, pos = {}, bytearray(), 0

    def put(raw):
        nonlocal pos
        data.extend(raw)
        start, pos = pos, pos + len(raw)
        return start

    put(rs.bytes(5))
    layout["a"] = put(t["a"][2])
    put(bytes(-pos % 8))
    layout["c"] = put(t["c"][2])
    put(rs.bytes(37))
    layout["blk.1.w"] = put(t["blk.1.w"][2])
    layout["b"] = put(t["b"][2])
    put(rs.bytes(13))
    layout["nothing"] = layout["a"] + 8  # zero-size, inside tensor a (allowed: empty tensors share no byte)

    def entry(name, extra="", offsets='"data_offsets": [{}, {}]'):
        dt, shape, raw = t[name]
        s = layout[name]
        return (f'{{\n    "dtype": "{dt}",\n    "shape": {json.dumps(shape)},{extra}\n'
                f'    {offsets.format(s, s + len(raw))}\n  }}')

    text = ("{\n"
            f'  "b": {entry("b")},\n'
            f'  "a": {entry("a", chr(10) + "    " + chr(34) + "extra" + chr(34) + ": [1, 2, {}],")},\n'
            f'  "blk.\\u0031.w": {entry("blk.1.w")},\n'
            f'  "nothing": {entry("nothing")},\n'
            f'  "c": {entry("c", offsets=chr(34) + "data_offsets" + chr(34) + ":[{}, {}]")},\n'
            '  "__metadata__": {"format": "pt", "note": "hand-written \\"odd\\" layout"}\n'
            "}")
    text = text.encode()
    if len(text) % 2 == 0:
        text += b"\n"  # an odd header length: no alignment at all
    blob = struct.pack("<Q", len(text)) + text + bytes(data)
    return blob, {name: v[2] for name, v in t.items()}


def finetune(base_tensors):
    """A fine-tune of the dense file: (name, dtype, shape, bytes) in file order."""
    b = {name: (dt, shape, raw) for name, dt, shape, raw in base_tensors}
    def perturb_bf16(raw, frac, seed):
        a = np.frombuffer(raw, np.uint16).copy()
        r = np.random.RandomState(seed)
        idx = r.choice(a.size, int(a.size * frac), replace=False)
        a[idx] = (a[idx].astype(np.int32) + r.randint(-2, 3, idx.size)).astype(np.uint16)
        return a.tobytes()

    def perturb_f32(raw, seed):
        a = np.frombuffer(raw, np.float32).copy()
        return (a + weights(a.size, seed, 1e-4)).astype(np.float32).tobytes()

    embed = perturb_bf16(b["model.embed_tokens.weight"][2], 0.1, 42)
    out = []
    for name, dt, shape, raw in base_tensors:
        if name == "model.embed_tokens.weight" or name == "lm_head.weight":
            out.append((name, dt, shape, embed))  # perturbed, still tied
        elif name == "model.layers.0.self_attn.q_proj.weight":
            out.append((name, dt, shape, perturb_bf16(raw, 0.05, 43)))  # fp16 bits, small integer steps
        elif name == "model.layers.0.mlp.up_proj.weight":
            out.append(("model.layers.0.mlp.ffn_up.weight", dt, shape, perturb_f32(raw, 44)))  # renamed + perturbed
        elif name == "model.layers.0.mlp.up_proj.bias":
            out.append(("model.layers.0.mlp.ffn_up.bias", dt, shape, raw))  # renamed, identical
        elif name == "model.layers.0.input_layernorm.weight":
            out.append((name, dt, shape, weights(64, 45).tobytes()))  # rewritten: a delta does not pay
        elif name == "model.step":
            out.append((name, dt, shape, struct.pack("<q", 2000)))
        else:
            out.append((name, dt, shape, raw))
    out.insert(5, ("classifier.weight", "F32", [10, 64], weights(640, 46).tobytes()))  # new
    out.insert(6, ("classifier.bias", "F32", [10], bytes(40)))
    out[-4:] = out[-4:][::-1]  # a different order for the tail
    return out


def model_dir():
    """{relative path: bytes} of a small sharded checkpoint directory: shard 2 holds
    the tied lm_head (identical to shard 1's embedding, so the CLI stores shard 2 as
    a .z4dm against shard 1), plus the index JSON, a config and a nested text file."""
    by = {n: (dt, shape, raw) for n, dt, shape, raw in dense_tensors()}
    first = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.position_ids"]
    second = ["lm_head.weight", "model.layers.0.input_layernorm.weight", "model.layers.0.q8.weight",
              "model.empty_adapter"]
    files, weight_map, total = {}, {}, 0
    for k, names in enumerate((first, second), 1):
        shard = f"model-0000{k}-of-00002.safetensors"
        files[shard] = canonical([(n, *by[n]) for n in names], {"format": "pt"})
        for n in names:
            weight_map[n] = shard
            total += len(by[n][2])
    files["model.safetensors.index.json"] = json.dumps(
        {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2).encode() + b"\n"
    files["config.json"] = json.dumps({"architectures": ["GoldenForCausalLM"], "hidden_size": 96,
                                       "tie_word_embeddings": True}, indent=2).encode() + b"\n"
    files["tokenizer/vocab.txt"] = "".join(f"tok{i}\n" for i in range(300)).encode()
    return files


def listing_sha(files):
    """SHA-256 of a directory: over "path NUL sha256-hex LF" lines in path order."""
    return hashlib.sha256("".join(f"{p}\0{hashlib.sha256(b).hexdigest()}\n" for p, b in sorted(files.items()))
                          .encode()).hexdigest()


def run(cli, *args):
    return subprocess.run([cli, *args], check=True, capture_output=True, text=True).stdout


def methods(cli, path, base=None):
    args = ["info", "--json", path] + (["--reference", base] if base else [])
    desc = json.loads(run(cli, *args))
    return {t["name"]: t["method"] for t in desc["tensors"]}


def main():
    cli = sys.argv[1]
    force = "--force" in sys.argv
    manifest_path = os.path.join(HERE, "manifest.json")
    manifest = json.load(open(manifest_path))
    dense = dense_tensors()
    dense_file = canonical(dense, {"format": "pt", "source": "z4ai golden vectors"})
    gaps, gaps_tensors = gaps_file()
    ft = finetune(dense)
    ft_file = canonical(ft, {"format": "pt", "fine_tuned_from": "st-dense"})
    base_path = os.path.join(FRAMES, "base.safetensors")
    if not os.path.exists(base_path):
        open(base_path, "wb").write(dense_file)
    elif open(base_path, "rb").read() != dense_file:
        sys.exit("frames/base.safetensors differs from the derived dense file: inputs changed?")
    jobs = []
    for effort in ("fast", "default", "max"):
        jobs.append((f"st-dense.{effort}.zstn", dense_file, {n: r for n, _, _, r in dense}, ["--effort", effort], None))
    jobs.append(("st-gaps.default.zstn", gaps, gaps_tensors, ["--effort", "default"], None))
    for effort in ("default", "max"):
        jobs.append((f"ft.{effort}.z4dm", ft_file, {n: r for n, _, _, r in ft}, ["--effort", effort], "base.safetensors"))
    for name, data, tensors, args, ref in jobs:
        out = os.path.join(FRAMES, name)
        if os.path.exists(out) and not force:
            continue
        src = out + ".safetensors"
        open(src, "wb").write(data)
        cmd = ["compress", "-q", "-f", src, "-o", out, "--chunk-size", "4096", *args]
        if ref:
            cmd += ["--reference", os.path.join(FRAMES, ref)]
        run(cli, *cmd)
        os.remove(src)
        m = methods(cli, out, os.path.join(FRAMES, ref) if ref else None)
        assert set(m) == set(tensors), (sorted(m), sorted(tensors))
        manifest[name] = {
            "kind": name.rsplit(".", 1)[1],
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "args": ["--chunk-size", "4096", *args],
            "reference": ref,
            "tensors": {n: {"sha256": hashlib.sha256(r).hexdigest(), "size": len(r), "method": m[n]}
                        for n, r in tensors.items()},
        }
        print(name, os.path.getsize(out), "bytes,", sorted(set(m.values())))
    out = os.path.join(FRAMES, "model-dir.z4ai")
    if not os.path.exists(out) or force:
        files = model_dir()
        src = os.path.join(FRAMES, "model-dir.tmp")
        for rel, data in files.items():
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            open(os.path.join(src, rel), "wb").write(data)
        run(cli, "compress", "-q", "-f", src, "-o", out, "--chunk-size", "4096")
        subprocess.run(["rm", "-rf", src], check=True)
        stored = json.load(open(os.path.join(out, "z4ai-manifest.json")))["files"]
        kinds = {f["path"]: f["kind"] for f in stored}
        assert kinds["model-00002-of-00002.safetensors"] == "model_delta", kinds
        manifest["model-dir.z4ai"] = {
            "kind": "dir",
            "sha256": listing_sha(files),
            "size": sum(len(b) for b in files.values()),
            "args": ["--chunk-size", "4096"],
            "reference": None,
            "files": {rel: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b), "kind": kinds[rel]}
                      for rel, b in files.items()},
        }
        print("model-dir.z4ai", sorted(kinds.items()))
    # Archive format version 2 (docs/FORMAT.md): shards keep their names, loader files stay
    # plain, a binary file becomes a frame (NAME.z4ai), an empty directory, per-file modes
    # and XXH3-128 digests in the manifest.
    out = os.path.join(FRAMES, "model-dir-v2.z4ai")
    if not os.path.exists(out) or force:
        files = model_dir()
        files["extra/table.bin"] = b"".join(i.to_bytes(4, "little") for i in range(4096))
        src = os.path.join(FRAMES, "model-dir-v2.tmp")
        for rel, data in files.items():
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            open(os.path.join(src, rel), "wb").write(data)
            os.chmod(os.path.join(src, rel), 0o644)
        os.makedirs(os.path.join(src, "empty"))
        run(cli, "compress", "-q", "-f", src, "-o", out, "--chunk-size", "4096")
        subprocess.run(["rm", "-rf", src], check=True)
        m2 = json.load(open(os.path.join(out, "z4ai-manifest.json")))
        assert m2["version"] == 2, m2
        kinds = {f["path"]: f["kind"] for f in m2["files"]}
        assert kinds["model-00002-of-00002.safetensors"] == "model_delta", kinds
        assert kinds["config.json"] == "plain" and kinds["extra/table.bin"] == "frame", kinds
        manifest["model-dir-v2.z4ai"] = {
            "kind": "dir",
            "sha256": listing_sha(files),
            "size": sum(len(b) for b in files.values()),
            "args": ["--chunk-size", "4096"],
            "reference": None,
            "directories": ["empty", "extra", "tokenizer"],
            "files": {rel: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b), "kind": kinds[rel]}
                      for rel, b in files.items()},
        }
        print("model-dir-v2.z4ai", sorted(kinds.items()))
    json.dump(manifest, open(manifest_path, "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
