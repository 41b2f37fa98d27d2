#!/usr/bin/env python3
"""Seeds of the `archive` fuzz target (tests/fuzz/corpus/archive/) from the golden
directory archives: each archive as records [u16 name length][name][u32 length][data],
the manifest first (fuzz_archive.cpp). Run after adding a golden archive:
    python3 tests/fuzz/archive_seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMES = os.path.join(HERE, "..", "golden", "frames")


def serialize(root):
    def rec(name, data):
        n = name.encode()
        return struct.pack("<H", len(n)) + n + struct.pack("<I", len(data)) + data

    out = rec("", open(os.path.join(root, "z4ai-manifest.json"), "rb").read())
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(d, f), root)
            if rel != "z4ai-manifest.json":
                out += rec(rel, open(os.path.join(d, f), "rb").read())
    return out


def main():
    dst = os.path.join(HERE, "corpus", "archive")
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(FRAMES)):
        if name.endswith(".z4ai") and os.path.isdir(os.path.join(FRAMES, name)):
            open(os.path.join(dst, name.replace(".z4ai", ".seed")), "wb").write(serialize(os.path.join(FRAMES, name)))
            print(name)


if __name__ == "__main__":
    main()
