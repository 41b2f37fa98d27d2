"""The ``z4ai`` console script and ``python -m z4ai``: runs the C++ command-line tool
shipped inside the package (same commands and flags: compress, decompress, info, bench)."""
from __future__ import annotations

import os
import shutil
import sys
from typing import List, Optional


def cli_path() -> str:
    """Path of the z4ai executable bundled with the package (falls back to one on PATH
    when running from a build tree without it)."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "z4ai")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    found = os.environ.get("Z4AI_CLI") or shutil.which("z4ai")
    if found and os.path.realpath(found) != os.path.realpath(sys.argv[0] if sys.argv else ""):
        return found
    raise FileNotFoundError("the z4ai command-line tool is not bundled with this installation")


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        exe = cli_path()
    except FileNotFoundError as e:
        print(f"z4ai: {e}", file=sys.stderr)
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    # `z4ai store ...` runs `python -m z4ai.store`: with this interpreter, which has this package
    os.environ.setdefault("Z4AI_PYTHON", sys.executable)
    os.execv(exe, [exe] + args)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
