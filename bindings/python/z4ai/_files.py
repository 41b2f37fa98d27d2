"""Local file writes shared by the Python modules: atomic replacement through a unique
temporary file beside the target (O_EXCL, never through a symlink), removed on any error."""
from __future__ import annotations

import os
import tempfile


def write_atomic(path: str, data: bytes, *, fsync: bool = False) -> None:
    """Writes ``data`` to ``path`` atomically: readers see the old file or the whole new
    one. The new file gets the mode a plain ``open(path, "wb")`` would (0o666 & ~umask);
    ``fsync`` also syncs the file and its directory (durable across a crash)."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".", suffix=".z4ai-tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if fsync:
        dfd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
