#!/usr/bin/env python3
"""Write ${Z4AI_CACHE}/corpus/index.json: every corpus file (real, derived, checkpoint) with
path (relative to the corpus folder), kind, model, dtype, container, size, sha256, description
and, for checkpoints, the base it pairs with. SHA-256s are reused from the previous index when
a file's size and mtime did not change.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpuslib as cl  # noqa: E402

RAW_DTYPE = {".f32": "fp32", ".f16": "fp16", ".bf16": "bf16"}
KIND_OF = {"real": "real", "derived": "derived", "checkpoints": "checkpoint"}


def st_info(path: Path):
    tensors_meta = {}
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    meta = header.pop("__metadata__", {}) or {}
    dtypes = sorted({v["dtype"] for v in header.values()})
    nvals = sum(_prod(v["shape"]) for v in header.values())
    tensors_meta.update(meta)
    return tensors_meta, dtypes, len(header), nvals


def _prod(s):
    p = 1
    for x in s:
        p *= x
    return p


def describe(meta: dict, kind: str) -> str:
    if kind == "real":
        return f"{meta.get('family', '')}; from {meta.get('source', '')} ({meta.get('member', '')}), fp32 tensors only"
    if kind == "derived":
        return f"{meta.get('recipe', '')}; derived from {meta.get('derived_from', '')}"
    parts = [f"run={meta.get('run')}", f"step={meta.get('step')}", f"dtype={meta.get('dtype')}"]
    if meta.get("base"):
        parts.append(f"base={meta['base']}")
    if meta.get("trainable"):
        parts.append(f"trainable={meta['trainable']}")
    if meta.get("layout_change"):
        parts.append(f"layout: {meta['layout_change']}")
    if meta.get("note"):
        parts.append(meta["note"])
    return f"MiniLM fine-tuning checkpoint ({meta.get('task', '')}): " + ", ".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", help="default ${Z4AI_CACHE}/corpus/index.json")
    args = ap.parse_args(argv)
    root = cl.corpus_root()
    out = Path(args.out) if args.out else root / "index.json"
    old = {}
    if out.exists():
        try:
            old = {e["path"]: e for e in json.loads(out.read_text())["files"]}
        except (ValueError, KeyError):
            old = {}
    entries = []
    st_cache = {}
    for sub, kind in KIND_OF.items():
        d = root / sub
        if not d.exists():
            continue
        for p in sorted(d.rglob("*")):
            if not p.is_file() or (p.suffix != ".safetensors" and p.suffix not in RAW_DTYPE):
                continue
            rel = str(p.relative_to(root))
            stat = p.stat()
            if p.suffix == ".safetensors":
                stp = p
            else:  # raw sibling: same stem
                stp = p.with_suffix(".safetensors")
            if stp not in st_cache:
                st_cache[stp] = st_info(stp) if stp.exists() else ({}, [], 0, 0)
            meta, dtypes, ntensors, nvals = st_cache[stp]
            if p.suffix == ".safetensors":
                dtype = {"F32": "fp32", "F16": "fp16", "BF16": "bf16"}.get(dtypes[0], dtypes[0]) if len(dtypes) == 1 else "mixed"
                container = "safetensors"
            else:
                dtype = RAW_DTYPE[p.suffix]
                container = "raw"
            prev = old.get(rel)
            if prev and prev.get("size") == stat.st_size and prev.get("mtime_ns") == stat.st_mtime_ns:
                sha = prev["sha256"]
            else:
                sha = cl.sha256_file(p)
            desc = describe(meta, kind)
            if container == "raw":
                desc += f" [raw: the {ntensors} tensors' bytes concatenated in file order, little-endian, no header]"
            e = {"path": rel, "kind": kind, "model": meta.get("model", ""), "dtype": dtype,
                 "container": container, "size": stat.st_size, "sha256": sha, "tensors": ntensors,
                 "values": nvals, "description": desc, "mtime_ns": stat.st_mtime_ns}
            if kind == "derived":
                e["variant"] = meta.get("variant", "")
            if kind == "real" and meta.get("delta_base"):  # a real related pair (e.g. Silero VAD v5 -> v6)
                e["base"] = f"real/{meta['delta_base']}" + (".safetensors" if container == "safetensors" else p.suffix)
            if kind == "checkpoint":
                e["run"] = meta.get("run", "")
                e["step"] = int(meta.get("step", "0") or 0)
                if meta.get("base"):
                    ext = ".safetensors" if container == "safetensors" else p.suffix
                    e["base"] = f"checkpoints/{meta['base']}.{meta.get('dtype')}{ext}"
            entries.append(e)
    # consecutive checkpoints of one run: link each to the previous one (same dtype/container)
    runs = {}
    for e in entries:
        if e["kind"] == "checkpoint":
            runs.setdefault((e["run"], e["dtype"], e["container"]), []).append(e)
    for group in runs.values():
        group.sort(key=lambda e: e["step"])
        for a, b in zip(group, group[1:]):
            b["prev"] = a["path"]
    out.write_text(json.dumps({"corpus_root": str(root), "files": entries}, indent=1) + "\n")
    tot = sum(e["size"] for e in entries)
    cl.log(f"index: {len(entries)} files, {tot / 2**30:.2f} GiB -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
