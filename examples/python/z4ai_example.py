"""z4ai_example.py compress IN OUT [--dtype D] | decompress IN OUT

Streams in bounded memory with the z4ai package's Compressor/Decompressor; the frame is
byte-identical to `z4ai compress --dtype D IN` (same parameters, size pledged).
"""
import os
import sys

import z4ai

USAGE = "usage: z4ai_example.py compress IN OUT [--dtype D] | decompress IN OUT"
BLOCK = 4 << 20


def main(argv):
    if len(argv) == 6 and argv[1] == "compress" and argv[4] == "--dtype":
        dtype = argv[5]
    elif len(argv) == 4 and argv[1] in ("compress", "decompress"):
        dtype = None
    else:
        print(USAGE, file=sys.stderr)
        return 2
    with open(argv[2], "rb") as fin, open(argv[3], "wb") as fout:
        if argv[1] == "compress":
            with z4ai.Compressor(dtype=dtype, size=os.fstat(fin.fileno()).st_size) as c:
                while True:
                    block = fin.read(BLOCK)
                    if not block:
                        break
                    fout.write(c.compress(block))
                fout.write(c.finish())
        else:
            with z4ai.open(fin, "rb") as f:
                while True:
                    block = f.read(BLOCK)
                    if not block:
                        break
                    fout.write(block)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except z4ai.Error as e:
        print(f"z4ai_example.py: {e}", file=sys.stderr)
        sys.exit(1)
