"""Directory archives: a model directory or hub snapshot as one ``DIR.z4ai/`` directory
(the C ABI's ``z4ai_archive_*``; the same archives as ``z4ai compress DIR``).

The archive is itself a model directory: ``.safetensors`` shards keep their names and
hold ``.zstn`` containers (or ``.z4dm`` deltas against another shard of the archive),
config and tokenizer files stay plain, other files become one frame each; after
:func:`z4ai.enable_hf` transformers loads it with ``from_pretrained``.

>>> import z4ai.archive as za                                      # doctest: +SKIP
>>> za.write("my-model", "my-model.z4ai")
>>> with za.Archive("my-model.z4ai") as a:
...     [m.path for m in a.members()], a.read("config.json")[:1]
>>> za.restore("my-model.z4ai", "restored")                        # byte for byte
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Union

from . import z4ai_swig as _n
from ._core import Effort, _make_cctx
from ._errors import NotFoundError

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["write", "restore", "Archive", "Member", "KINDS"]

#: z4ai_member_kind codes -> names
KINDS = {0: "plain", 1: "frame", 2: "container", 3: "model_delta", 4: "directory"}


def write(src_dir: PathLike, dst_dir: PathLike, *, replace: bool = False, effort: Effort = "default",
          level: int = 0, threads: int = 0, chunk_size: int = 0, checksum: bool = True,
          tensor_dedup: bool = True) -> None:
    """Archives the directory ``src_dir`` into the new directory ``dst_dir`` (a unique
    temporary beside it, renamed into place; ``replace`` replaces an existing archive).
    Hub snapshots work: symlinks into the repository's ``blobs/`` are followed; symlinks
    escaping it raise :class:`z4ai.IoError`."""
    c = _make_cctx(None, level, effort, threads, chunk_size, checksum, None,
                   {_n.Z4AI_C_TENSOR_DEDUP: int(bool(tensor_dedup))})
    try:
        c.archive_write(os.fspath(src_dir), os.fspath(dst_dir), _n.Z4AI_ARCHIVE_REPLACE if replace else 0)
    finally:
        c.close()


def restore(archive_dir: PathLike, dst_dir: PathLike, *, threads: int = 0, verify_checksum: bool = True,
            max_memory: int = 0) -> None:
    """Restores an archive into the new directory ``dst_dir``, byte for byte, with file
    modes and empty directories."""
    with Archive(archive_dir, threads=threads, verify_checksum=verify_checksum, max_memory=max_memory) as a:
        a.restore(dst_dir)


@dataclass(frozen=True)
class Member:
    """One member of an archive (a file, or a directory)."""

    index: int
    path: str
    kind: str  # "plain" | "frame" | "container" | "model_delta" | "directory"
    stored: str
    size: int
    stored_size: int
    mode: int  # permission bits (0: not recorded)
    base: Optional[str]  # model_delta: the member it is stored against


class Archive:
    """An open archive directory: its members, one member's bytes, tensors of a
    container member (its base found inside the archive), the whole restore."""

    def __init__(self, path: PathLike, *, threads: int = 0, verify_checksum: bool = True, max_memory: int = 0):
        self._a = _n.Archive()
        try:
            self._a.set_param(_n.Z4AI_D_THREADS, int(threads))
            if not verify_checksum:
                self._a.set_param(_n.Z4AI_D_VERIFY_CHECKSUM, 0)
            if max_memory:
                self._a.set_param(_n.Z4AI_D_MAX_MEMORY, int(max_memory))
            self._a.open(os.fspath(path))
        except BaseException:
            self.close()
            raise
        self.path = os.fspath(path)

    @property
    def version(self) -> int:
        return self._a.version()

    def _i(self, key: Union[str, int]) -> int:
        if isinstance(key, int):
            if not 0 <= key < self._a.member_count():
                raise IndexError(key)
            return key
        try:
            return self._a.find(key)
        except NotFoundError:
            raise NotFoundError(_n.Z4AI_E_NOT_FOUND, "Z4AI_E_NOT_FOUND", f"no member {key!r}") from None

    def member(self, key: Union[str, int]) -> Member:
        a, i = self._a, self._i(key)
        base = a.member_base(i)
        return Member(index=i, path=a.member_path(i), kind=KINDS.get(a.member_kind(i), "?"), stored=a.member_stored(i),
                      size=a.member_size(i), stored_size=a.member_stored_size(i), mode=a.member_mode(i),
                      base=base or None)

    def members(self) -> List[Member]:
        return [self.member(i) for i in range(self._a.member_count())]

    def __iter__(self) -> Iterator[str]:
        return iter([m.path for m in self.members() if m.kind != "directory"])

    def read(self, key: Union[str, int]) -> bytes:
        """The restored bytes of one member (checked against its size and digest)."""
        return self._a.read_bytes(self._i(key))

    def extract(self, key: Union[str, int], dst: PathLike) -> None:
        """One member restored into a file (atomically)."""
        self._a.extract(self._i(key), os.fspath(dst))

    def open_member(self, key: Union[str, int]) -> Any:
        """A :class:`z4ai.safetensors.ZstnReader` over a container or model-delta member."""
        from .safetensors import ZstnReader

        r = ZstnReader.__new__(ZstnReader)
        r._r = _n.TensorReader()
        r._held = [self]  # the archive outlives the reader
        r._remote = None
        r._threads = 0
        r._verify = True
        r._names_cache = None
        try:
            self._a.open_member(self._i(key), r._r)
        except BaseException:
            r.close()
            raise
        return r

    def restore(self, dst_dir: PathLike) -> None:
        self._a.restore(os.fspath(dst_dir))

    def describe(self) -> Any:
        import json

        return json.loads(self._a.describe())

    def close(self) -> None:
        a = getattr(self, "_a", None)
        if a is not None:
            a.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
