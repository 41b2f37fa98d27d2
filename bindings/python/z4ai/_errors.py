"""Errors raised by z4ai: one :class:`Error` subclass per family of pinned status codes.

Every error carries the pinned status code of the C ABI (``status``, a negative int),
its pinned name (``name``, e.g. ``"Z4AI_E_CORRUPT"``) and the library's detail text
(``detail``):

>>> import z4ai
>>> try:
...     z4ai.decompress(b"definitely not a frame")
... except z4ai.Error as e:
...     print(e.name, e.status, isinstance(e, z4ai.CorruptError))
Z4AI_E_UNKNOWN_FORMAT -18 True
"""
from __future__ import annotations

from typing import Dict, Type

__all__ = [
    "Error",
    "OutOfMemoryError",
    "DstTooSmallError",
    "CorruptError",
    "ChecksumError",
    "TruncatedError",
    "UnknownFormatError",
    "VersionUnsupportedError",
    "ParameterError",
    "StageError",
    "InvalidArgumentError",
    "DtypeError",
    "ReferenceError_",
    "ReferenceMismatchError",
    "ReferenceMissingError",
    "MemoryLimitError",
    "IoError",
    "NotFoundError",
    "NoSuchFileError",
    "InternalError",
    "BusyError",
    "SourceTooLargeError",
    "SafetensorsInvalidError",
    "WrongKindError",
]


class Error(Exception):
    """Base class of every z4ai error.

    Attributes:
        status: the pinned status code (negative int) of the C ABI.
        name: its pinned name, e.g. ``"Z4AI_E_CHECKSUM"``.
        detail: what went wrong, from the library (offset, parameter, ...).
    """

    status: int
    name: str
    detail: str

    def __init__(self, status: int, name: str, detail: str = "") -> None:
        self.status = int(status)
        self.name = name
        self.detail = detail
        super().__init__(f"{name}: {detail}" if detail and detail != name else name)

    def __reduce__(self):  # keep status/name/detail across pickling (multiprocessing)
        return (type(self), (self.status, self.name, self.detail))


class OutOfMemoryError(Error, MemoryError):
    """Z4AI_E_MEMORY: an allocation failed."""


class DstTooSmallError(Error, ValueError):
    """Z4AI_E_DST_TOO_SMALL: the output buffer cannot hold the result."""


class CorruptError(Error, ValueError):
    """Z4AI_E_CORRUPT and relatives: the input is not a valid or complete frame."""


class ChecksumError(CorruptError):
    """Z4AI_E_CHECKSUM: decoded data does not match its checksum."""


class TruncatedError(CorruptError):
    """Z4AI_E_TRUNCATED: the input ends before the frame does."""


class UnknownFormatError(CorruptError):
    """Z4AI_E_UNKNOWN_FORMAT: the input does not start with a z4ai magic number."""


class VersionUnsupportedError(CorruptError):
    """Z4AI_E_VERSION_UNSUPPORTED: written by a newer format version."""


class ParameterError(Error, ValueError):
    """Z4AI_E_PARAM_UNSUPPORTED / Z4AI_E_PARAM_OUT_OF_BOUNDS."""


class StageError(Error, RuntimeError):
    """Z4AI_E_STAGE_WRONG: call not valid in the context's current state (e.g. closed)."""


class InvalidArgumentError(Error, ValueError):
    """Z4AI_E_INVALID_ARGUMENT."""


class DtypeError(Error, ValueError):
    """Z4AI_E_DTYPE_UNKNOWN: dtype code or name not known."""


class ReferenceError_(Error, ValueError):
    """Base of the delta-reference errors (named with a trailing underscore so it does
    not shadow the builtin ``ReferenceError``)."""


class ReferenceMismatchError(ReferenceError_):
    """Z4AI_E_REFERENCE_MISMATCH: the reference has the wrong length or digest."""


class ReferenceMissingError(ReferenceError_):
    """Z4AI_E_REFERENCE_MISSING: a delta frame decoded without a reference."""


class MemoryLimitError(Error, MemoryError):
    """Z4AI_E_MEMORY_LIMIT: decoding would exceed the decoder's memory limit."""


class IoError(Error, OSError):
    """Z4AI_E_IO: a read/write callback or file operation failed."""


class NotFoundError(Error, KeyError):
    """Z4AI_E_NOT_FOUND: a named item (e.g. a tensor) does not exist (a ``KeyError``, as
    a missing key of a mapping is)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class NoSuchFileError(IoError, FileNotFoundError):
    """A file to read does not exist (a ``FileNotFoundError``; its message is
    ``No such file or directory: PATH``, as safetensors' is)."""

    def __str__(self) -> str:
        return self.detail


class InternalError(Error, RuntimeError):
    """Z4AI_E_INTERNAL: a bug in z4ai; please report it."""


class BusyError(Error, RuntimeError):
    """Z4AI_E_BUSY: a context was used by two threads at once."""


class SourceTooLargeError(Error, ValueError):
    """Z4AI_E_SRC_TOO_LARGE: input larger than the format can describe."""


class SafetensorsInvalidError(CorruptError):
    """Z4AI_E_SAFETENSORS_INVALID: not a valid .safetensors file (header, dtype, shape,
    offsets, duplicate names)."""


class WrongKindError(Error, ValueError):
    """Z4AI_E_WRONG_KIND: valid input of another kind than the call needs (e.g. a model
    delta given where a .zstn container is expected)."""


_BY_NAME: Dict[str, Type[Error]] = {
    "Z4AI_E_MEMORY": OutOfMemoryError,
    "Z4AI_E_DST_TOO_SMALL": DstTooSmallError,
    "Z4AI_E_CORRUPT": CorruptError,
    "Z4AI_E_CHECKSUM": ChecksumError,
    "Z4AI_E_PARAM_UNSUPPORTED": ParameterError,
    "Z4AI_E_PARAM_OUT_OF_BOUNDS": ParameterError,
    "Z4AI_E_STAGE_WRONG": StageError,
    "Z4AI_E_VERSION_UNSUPPORTED": VersionUnsupportedError,
    "Z4AI_E_INVALID_ARGUMENT": InvalidArgumentError,
    "Z4AI_E_DTYPE_UNKNOWN": DtypeError,
    "Z4AI_E_TRUNCATED": TruncatedError,
    "Z4AI_E_REFERENCE_MISMATCH": ReferenceMismatchError,
    "Z4AI_E_REFERENCE_MISSING": ReferenceMissingError,
    "Z4AI_E_MEMORY_LIMIT": MemoryLimitError,
    "Z4AI_E_IO": IoError,
    "Z4AI_E_NOT_FOUND": NotFoundError,
    "Z4AI_E_UNKNOWN_FORMAT": UnknownFormatError,
    "Z4AI_E_INTERNAL": InternalError,
    "Z4AI_E_BUSY": BusyError,
    "Z4AI_E_SRC_TOO_LARGE": SourceTooLargeError,
    "Z4AI_E_SAFETENSORS_INVALID": SafetensorsInvalidError,
    "Z4AI_E_WRONG_KIND": WrongKindError,
}


def error_class(name: str) -> Type[Error]:
    """The :class:`Error` subclass raised for a pinned status name (``Error`` itself for
    codes this version of the package does not classify)."""
    return _BY_NAME.get(name, Error)


def _make_error(status: int, name: str, detail: str) -> Error:
    """Factory installed into the native module: builds the exception to raise."""
    return error_class(name)(status, name, detail)
