#!/usr/bin/env python3
"""Check the built corpus against index.json: sizes and SHA-256s, every .safetensors loads with
the official `safetensors` package (torch backend) and its data section equals its raw sibling,
and spot checks that the derived bf16/fp16 files equal PyTorch's own casts of the real model.
Exit 0 when all holds; prints "N passed, M failed".

Usage: verify.py [--no-sha] [--no-torch]
"""
from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpuslib as cl  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-sha", action="store_true", help="skip SHA-256 (sizes only)")
    ap.add_argument("--no-torch", action="store_true", help="skip the safetensors/torch checks")
    args = ap.parse_args(argv)
    root = cl.corpus_root()
    idx_path = root / "index.json"
    if not idx_path.exists():
        print(f"SKIP: {idx_path} missing (run bench/corpus/fetch.sh)")
        return 0
    files = json.loads(idx_path.read_text())["files"]
    passed, failed = 0, []

    def check(ok, what):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failed.append(what)

    for e in files:
        p = root / e["path"]
        if not p.exists():
            check(False, f"missing {e['path']}")
            continue
        check(p.stat().st_size == e["size"], f"size {e['path']}")
        if not args.no_sha:
            check(cl.sha256_file(p) == e["sha256"], f"sha256 {e['path']}")
        if e["container"] == "safetensors":
            raw = next((root / f["path"] for f in files if f["container"] == "raw"
                        and f["path"].rsplit(".", 1)[0] == e["path"].rsplit(".", 1)[0]), None)
            if raw is not None:
                with open(p, "rb") as f:
                    (n,) = struct.unpack("<Q", f.read(8))
                    f.seek(8 + n)
                    check(f.read() == raw.read_bytes(), f"data section != raw {e['path']}")
    if not args.no_torch:
        try:
            import torch
            from safetensors.torch import load_file
        except ImportError as ex:
            print(f"note: torch checks skipped ({ex})")
        else:
            for e in files:
                if e["container"] == "safetensors":
                    try:
                        d = load_file(str(root / e["path"]))
                        check(len(d) == e["tensors"], f"tensor count {e['path']}")
                    except Exception as ex:  # noqa: BLE001
                        check(False, f"safetensors load {e['path']}: {ex}")
            for m in sorted({e["model"] for e in files if e["kind"] == "derived"}):
                real = load_file(str(root / "real" / f"{m}.safetensors"))
                for var, dt in (("bf16", torch.bfloat16), ("fp16", torch.float16)):
                    p = root / "derived" / m / f"{m}.{var}.safetensors"
                    if p.exists():
                        d = load_file(str(p))
                        check(all(torch.equal(real[k].to(dt).view(torch.int16), d[k].view(torch.int16)) for k in real),
                              f"{m}.{var} != torch cast")
    for f in failed:
        print("FAIL", f)
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
