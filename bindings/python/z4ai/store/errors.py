"""The store's one error type."""
from __future__ import annotations


class StoreError(Exception):
    """A store operation failed: a missing, corrupt or hostile object, a bad name or path,
    or a backend error. The message names the key or path involved. ``missing`` is True
    when the cause is an object that does not exist."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing
