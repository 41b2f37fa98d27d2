"""z4ai.store: a deduplicating store for model families on a directory or S3 (docs/STORE.md).

Identical files and tensors are stored once anywhere in the store; every new tensor is a
z4ai frame, or a z4ai delta frame against the most similar stored tensor of its dtype and
size (``base="auto"``; renamed tensors match). ``pull`` restores byte for byte, ``open``
reads single tensors with ranged requests, ``gc`` collects what no ref reaches, and
:func:`ingest` pushes many models on Dask distributed.

>>> from z4ai.store import Store          # doctest: +SKIP
>>> s = Store("s3://bucket/models", endpoint_url="http://127.0.0.1:9000")
>>> s.push("minilm@step050", "ckpt/step050")
>>> s.pull("minilm@step050", "restore/")
>>> with s.open("minilm@step050") as m: m.read_numpy("encoder.layer.0.attention.self.query.weight")
"""
from __future__ import annotations

from .backends import Backend, LocalBackend, ObjectInfo, S3Backend, open_backend
from .core import PushResult, Store, StoreReader
from .errors import StoreError
from .ingest import ingest

__all__ = ["Store", "StoreReader", "PushResult", "StoreError", "Backend", "LocalBackend", "S3Backend",
           "ObjectInfo", "open_backend", "ingest"]
