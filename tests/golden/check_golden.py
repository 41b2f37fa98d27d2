#!/usr/bin/env python3
"""Decode every golden vector with the z4ai CLI and compare its SHA-256 with the
manifest. Old vectors must decode to the same bytes in every later version.

Frames (.z4ai, a delta frame with its reference) are decompressed; containers
(.zstn, and .z4dm with its base frames/base.safetensors) are restored to the
.safetensors file and, through `z4ai extract` (random access), every tensor is
read alone and checked against its own SHA-256; a directory archive (kind "dir")
is restored and every file checked. generate.py / generate_containers.py
made them; the bindings' golden tests walk the same manifest.

usage: check_golden.py Z4AI_CLI
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    cli = sys.argv[1]
    manifest = json.load(open(os.path.join(HERE, "manifest.json")))
    failures = 0
    tensors = sum(len(e.get("tensors", {})) for e in manifest.values())
    with tempfile.TemporaryDirectory() as tmp:
        for name, entry in sorted(manifest.items()):
            frame = os.path.join(HERE, "frames", name)
            out = os.path.join(tmp, name + ".out")
            cmd = [cli, "decompress", "-q", "-f", frame, "-o", out]
            if entry.get("reference"):
                cmd += ["--reference", os.path.join(HERE, "frames", entry["reference"])]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL {name}: {r.stderr.strip()}")
                failures += 1
                continue
            if entry.get("kind") == "dir":  # a directory archive: every restored file
                got = {}
                for root, _, names in os.walk(out):
                    for n in names:
                        path = os.path.join(root, n)
                        got[os.path.relpath(path, out)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
                want = {p: f["sha256"] for p, f in entry["files"].items()}
                missing = [d for d in entry.get("directories", []) if not os.path.isdir(os.path.join(out, d))]
                if missing:
                    print(f"FAIL {name}: directories not restored: {missing}")
                    failures += 1
                    continue
                if got != want:
                    print(f"FAIL {name}: restored files differ: {sorted(set(got.items()) ^ set(want.items()))}")
                    failures += 1
                continue
            digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
            if digest != entry["sha256"]:
                print(f"FAIL {name}: sha256 {digest} != {entry['sha256']}")
                failures += 1
                continue
            for i, (tensor, t) in enumerate(sorted(entry.get("tensors", {}).items())):
                part = f"{out}.{i}"
                cmd = [cli, "extract", frame, tensor, "-o", part]
                if entry.get("reference"):
                    cmd += ["--reference", os.path.join(HERE, "frames", entry["reference"])]
                r = subprocess.run(cmd, capture_output=True, text=True)
                digest = hashlib.sha256(open(part, "rb").read()).hexdigest() if r.returncode == 0 else None
                if digest != t["sha256"]:
                    why = f"sha256 {digest} != {t['sha256']}" if r.returncode == 0 else r.stderr.strip()
                    print(f"FAIL {name} tensor {tensor}: {why}")
                    failures += 1
                    break
    print(f"{len(manifest) - failures}/{len(manifest)} golden vectors decode to their recorded bytes "
          f"({tensors} container tensors read alone)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
