#!/usr/bin/env python3
"""Decode every golden frame with the z4ai CLI and compare its SHA-256 with the
manifest. Old frames must decode to the same bytes in every later version.

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
            digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
            if digest != entry["sha256"]:
                print(f"FAIL {name}: sha256 {digest} != {entry['sha256']}")
                failures += 1
    print(f"{len(manifest) - failures}/{len(manifest)} golden frames decode to their recorded bytes")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
