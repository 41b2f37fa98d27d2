"""Entry points of the z4ai package for fresh interpreters (Dask workers): used by the tests and bench/dcp."""
from __future__ import annotations

import importlib
import os
import sys


def ensure_entry_points(tmp_dir: str) -> str:
    """Makes the package's entry points (``zarr.codecs``, ``numcodecs.codecs``) visible to fresh
    interpreters such as Dask worker processes, which find codecs only that way.

    An installed z4ai (the wheel test) already has them. A build tree (PYTHONPATH=build/python)
    has none: a ``z4ai-VERSION.dist-info`` carrying the entry points of pyproject.toml, the very
    table the wheel gets, is written to ``tmp_dir``, which goes on PYTHONPATH (inherited by
    every child process) and sys.path. Returns how they were found.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    import z4ai

    try:
        dist = distribution("z4ai")
        if any(ep.group == "zarr.codecs" and ep.name == "z4ai" for ep in dist.entry_points):
            return "installed"
    except PackageNotFoundError:
        pass
    import tomllib

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    info = os.path.join(tmp_dir, f"z4ai-{z4ai.__version__}.dist-info")
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: z4ai\nVersion: {z4ai.__version__}\n")
    with open(os.path.join(info, "entry_points.txt"), "w") as f:
        for group, eps in project.get("entry-points", {}).items():
            f.write(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (tmp_dir, os.environ.get("PYTHONPATH")) if p)
    sys.path.insert(0, tmp_dir)
    importlib.invalidate_caches()
    return "dist-info written from pyproject.toml"
