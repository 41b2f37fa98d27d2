"""Streaming: incremental Compressor/Decompressor objects and a file-like :func:`open`.

Memory stays bounded by the chunk size x threads, whatever the stream length.
"""
from __future__ import annotations

import builtins
import io
import os
from typing import Any, List, Mapping, Optional, Sequence, Union

from . import z4ai_swig as _n
from ._core import Buffer, Effort, _make_cctx, _make_dctx
from ._dtypes import DTypeLike
from ._errors import StageError, TruncatedError

__all__ = ["Compressor", "Decompressor", "Z4aiFile", "open"]

_OUT_CHUNK = 1 << 20


class Compressor:
    """Incremental compression of one frame after another (like ``zlib.compressobj``).

    ``compress(data)`` returns whatever frame bytes are ready, ``flush()`` also emits
    the input buffered so far (as a short chunk), ``finish()`` ends the frame; the next
    ``compress()`` starts a new frame with the same settings. Keyword arguments are those
    of :func:`z4ai.compress`, plus ``size`` (the content size of the first frame, which
    lets its header record it) and ``reference`` (a delta reference, pinned until
    :meth:`close`).

    >>> import z4ai
    >>> c = z4ai.Compressor(dtype="fp32")
    >>> frame = c.compress(bytes(100000)) + c.compress(b"\\1" * 100000) + c.finish()
    >>> z4ai.decompress(frame) == bytes(100000) + b"\\1" * 100000
    True
    """

    def __init__(self, *, dtype: DTypeLike = None, level: int = 0, effort: Effort = "default", threads: int = 0,
                 chunk_size: int = 0, checksum: bool = True, shape: Optional[Sequence[int]] = None,
                 size: Optional[int] = None, reference: Optional[Buffer] = None,
                 params: Optional[Mapping[int, int]] = None) -> None:
        self._c = _make_cctx(dtype, level, effort, threads, chunk_size, checksum, shape, params)
        self._ref: Optional[memoryview] = None
        if size is not None:
            self._c.set_pledged_size(int(size))
        if reference is not None:
            self._ref = memoryview(reference)  # pinned: the context points into it
            self._c.ref_reference(self._ref)
        self._out = bytearray(_OUT_CHUNK)
        self._closed = False

    def _step(self, data: Buffer, end_op: int) -> bytes:
        if self._closed:
            raise StageError(_n.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "compressor is closed")
        parts: List[bytes] = []
        src = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else memoryview(data)
        out = self._out
        try:
            while True:
                remaining = self._c.compress_stream(out, src, end_op)
                used, made = self._c.last_src_pos(), self._c.last_dst_pos()
                if made:
                    parts.append(bytes(out[:made]))
                if used:
                    src = src[used:]
                if len(src) == 0 and (remaining == 0 or (end_op == _n.Z4AI_CONTINUE and made == 0)):
                    break
                if used == 0 and made == 0 and end_op == _n.Z4AI_CONTINUE:
                    break
        finally:
            src.release()
        return b"".join(parts)

    def compress(self, data: Buffer) -> bytes:
        """Feeds ``data``; returns the frame bytes produced so far (may be empty)."""
        return self._step(data, _n.Z4AI_CONTINUE)

    def flush(self) -> bytes:
        """Emits everything fed so far (a short chunk if needed); the frame stays open."""
        return self._step(b"", _n.Z4AI_FLUSH)

    def finish(self) -> bytes:
        """Ends the frame; returns its remaining bytes."""
        return self._step(b"", _n.Z4AI_END)

    def close(self) -> None:
        """Frees the native context (idempotent); an unfinished frame is abandoned."""
        if not self._closed:
            self._closed = True
            self._c.close()
            if self._ref is not None:
                self._ref.release()
                self._ref = None

    def __enter__(self) -> "Compressor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Decompressor:
    """Incremental decompression of one frame (like ``bz2.BZ2Decompressor``).

    ``decompress(data, max_length=-1)`` returns the content decoded so far; ``eof`` turns
    true at the end of the frame, and ``unused_data`` then holds the bytes after it.
    With ``max_length`` >= 0 at most that many bytes are returned and the rest stays
    buffered (``needs_input`` is False until it has been read with ``decompress(b"")``).

    >>> import z4ai
    >>> frame = z4ai.compress(b"abc" * 100000)
    >>> d = z4ai.Decompressor()
    >>> out = b"".join(d.decompress(frame[i:i + 1000]) for i in range(0, len(frame), 1000))
    >>> out == b"abc" * 100000, d.eof
    (True, True)
    """

    def __init__(self, *, threads: int = 1, verify_checksum: bool = True, max_memory: int = 0,
                 reference: Optional[Buffer] = None, params: Optional[Mapping[int, int]] = None) -> None:
        self._d = _make_dctx(threads, verify_checksum, max_memory, params)
        self._ref: Optional[memoryview] = None
        if reference is not None:
            self._ref = memoryview(reference)
            self._d.ref_reference(self._ref)
        self._pending = b""  # input not consumed yet
        self._out = bytearray(_OUT_CHUNK)
        self.eof = False
        self.unused_data = b""
        self.needs_input = True
        self._closed = False

    def decompress(self, data: Buffer, max_length: int = -1) -> bytes:
        """Feeds ``data``; returns up to ``max_length`` content bytes (all if negative)."""
        if self._closed:
            raise StageError(_n.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "decompressor is closed")
        if self.eof:
            raise EOFError("end of frame already reached")
        data = bytes(data)
        if self._pending:
            self._pending += data
        else:
            self._pending = data
        parts: List[bytes] = []
        produced = 0
        src = memoryview(self._pending)
        try:
            while max_length < 0 or produced < max_length:
                out: Any = self._out
                if max_length >= 0 and max_length - produced < len(out):
                    out = memoryview(out)[: max_length - produced]
                remaining = self._d.decompress_stream(out, src)
                used, made = self._d.last_src_pos(), self._d.last_dst_pos()
                if made:
                    parts.append(bytes(out[:made]))
                    produced += made
                src = src[used:]
                if remaining == 0:
                    self.eof = True
                    break
                if used == 0 and made == 0:
                    break  # needs more input
            rest = bytes(src)
        finally:
            src.release()
        if self.eof:
            self.unused_data, self._pending = rest, b""
            self.needs_input = False
        else:
            self._pending = rest
            self.needs_input = not (max_length >= 0 and produced >= max_length)
        return b"".join(parts)

    def close(self) -> None:
        """Frees the native context (idempotent)."""
        if not self._closed:
            self._closed = True
            self._d.close()
            if self._ref is not None:
                self._ref.release()
                self._ref = None

    def __enter__(self) -> "Decompressor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Z4aiFile(io.BufferedIOBase):
    """A binary file of z4ai frames: reading decodes every concatenated frame in turn,
    writing compresses into one frame finished at :meth:`close`. Use :func:`open`."""

    def __init__(self, file: Union[str, "os.PathLike[str]", Any], mode: str = "rb", *, read_size: int = 1 << 20,
                 **kwargs: Any) -> None:
        if mode in ("r", "rb"):
            self._mode = "r"
        elif mode in ("w", "wb", "x", "xb", "a", "ab"):
            self._mode = "w"
        else:
            raise ValueError(f"invalid mode {mode!r}")
        bmode = mode if mode.endswith("b") else mode + "b"
        if isinstance(file, (str, bytes, os.PathLike)):
            self._fp = builtins.open(file, bmode)
            self._owns = True
        elif hasattr(file, "read" if self._mode == "r" else "write"):
            self._fp = file
            self._owns = False
        else:
            raise TypeError("file must be a path or a binary file object")
        self._kwargs = kwargs
        self._read_size = read_size
        self._buffer = b""
        self._offset = 0
        self._eof = False
        self._pos = 0
        if self._mode == "r":
            self._dec: Optional[Decompressor] = None
        else:
            self._comp: Optional[Compressor] = Compressor(**kwargs)

    # -- reading
    def _fill(self) -> bool:
        """Decodes more content into self._buffer; False at the end of the stream."""
        while not self._eof:
            if self._dec is None:
                self._dec = Decompressor(**self._kwargs)
                self._frame_started = False
            if self._dec.needs_input:
                raw = self._fp.read(self._read_size)
                if raw[:4] in (b"Z4ST", b"Z4DM") and not self._frame_started and self._pos == 0:
                    from ._errors import WrongKindError

                    kind = ".zstn container" if raw[:4] == b"Z4ST" else ".z4dm model delta"
                    raise WrongKindError(_n.Z4AI_E_WRONG_KIND, "Z4AI_E_WRONG_KIND",
                                         f"a {kind}, not a stream of z4ai frames: open it with "
                                         "z4ai.safetensors.safe_open / ZstnReader, or restore it with "
                                         "z4ai.safetensors.decompress_file")
                if not raw:
                    if self._frame_started or self._dec._pending:
                        raise TruncatedError(_n.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED",
                                             "file ends inside a z4ai frame")
                    self._eof = True
                    return False
                self._frame_started = True
            else:
                raw = b""
            data = self._dec.decompress(raw, self._read_size)
            if self._dec.eof:
                rest = self._dec.unused_data
                self._dec.close()
                self._dec = Decompressor(**self._kwargs)
                self._frame_started = False
                if rest:
                    self._dec._pending = rest
                    self._frame_started = True
                    self._dec.needs_input = False
            if data:
                self._buffer, self._offset = data, 0
                return True
        return False

    def readable(self) -> bool:
        return self._mode == "r" and not self.closed

    def read(self, size: Optional[int] = -1) -> bytes:
        self._check("r")
        if size is None or size < 0:
            parts = [self._buffer[self._offset:]]
            self._buffer, self._offset = b"", 0
            while self._fill():
                parts.append(self._buffer)
                self._buffer = b""
            out = b"".join(parts)
            self._pos += len(out)
            return out
        parts = []
        want = size
        while want > 0:
            if self._offset >= len(self._buffer) and not self._fill():
                break
            piece = self._buffer[self._offset:self._offset + want]
            self._offset += len(piece)
            want -= len(piece)
            parts.append(piece)
        out = b"".join(parts)
        self._pos += len(out)
        return out

    def read1(self, size: int = -1) -> bytes:
        self._check("r")
        if self._offset >= len(self._buffer) and not self._fill():
            return b""
        end = len(self._buffer) if size is None or size < 0 else self._offset + size
        piece = self._buffer[self._offset:end]
        self._offset += len(piece)
        self._pos += len(piece)
        return piece

    def readinto(self, b: Any) -> int:
        data = self.read(len(memoryview(b).cast("B")))
        memoryview(b).cast("B")[: len(data)] = data
        return len(data)

    def peek(self, size: int = 0) -> bytes:
        self._check("r")
        if self._offset >= len(self._buffer):
            self._fill()
        return self._buffer[self._offset:]

    # -- writing
    def writable(self) -> bool:
        return self._mode == "w" and not self.closed

    def write(self, data: Buffer) -> int:
        self._check("w")
        n = memoryview(data).nbytes
        assert self._comp is not None
        out = self._comp.compress(data)
        if out:
            self._fp.write(out)
        self._pos += n
        return n

    def flush(self) -> None:
        if self._mode == "w" and not self.closed and self._comp is not None:
            out = self._comp.flush()
            if out:
                self._fp.write(out)
            if hasattr(self._fp, "flush"):
                self._fp.flush()

    # -- common
    def tell(self) -> int:
        self._check(self._mode)
        return self._pos

    def seekable(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fp.fileno()

    def _check(self, mode: str) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if mode != self._mode:
            raise io.UnsupportedOperation("not readable" if mode == "r" else "not writable")

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._mode == "w" and self._comp is not None:
                self._fp.write(self._comp.finish())
                self._comp.close()
                self._comp = None
            elif self._mode == "r" and self._dec is not None:
                self._dec.close()
                self._dec = None
        finally:
            try:
                if self._owns:
                    self._fp.close()
            finally:
                super().close()


def open(file: Union[str, "os.PathLike[str]", Any], mode: str = "rb", **kwargs: Any) -> Z4aiFile:
    """Opens a z4ai-compressed file (a path or a binary file object) for reading or
    writing, like ``gzip.open``. Modes: ``"rb"``, ``"wb"``, ``"xb"``, ``"ab"`` (append a
    new frame). Writing takes the keyword arguments of :class:`Compressor`; reading
    those of :class:`Decompressor` and decodes every concatenated frame.

    >>> import io, z4ai
    >>> raw = io.BytesIO()
    >>> with z4ai.open(raw, "wb", dtype="bf16") as f:
    ...     _ = f.write(b"\\0\\1" * 50000)
    >>> with z4ai.open(io.BytesIO(raw.getvalue())) as f:
    ...     f.read() == b"\\0\\1" * 50000
    True
    """
    return Z4aiFile(file, mode, **kwargs)
