"""pytest set-up for the z4ai Python tests.

They import whichever z4ai is first on sys.path: the build tree (ctest sets
PYTHONPATH=build/python) or the wheel installed in a fresh venv (scripts/test-wheel.sh).
"""
import os

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def weights_like(rng, n, dtype=np.float32):
    """Trained-weight-like values: small normal floats."""
    return (rng.standard_normal(n) * 0.02).astype(dtype)


@pytest.fixture
def corpus_dir():
    cache = os.environ.get("Z4AI_CACHE")
    path = os.path.join(cache, "corpus") if cache else None
    if not path or not os.path.isfile(os.path.join(path, "index.json")):
        pytest.skip("real-weights corpus absent (set Z4AI_CACHE; see bench/corpus)")
    return path


# ---- real S3-compatible server (tests/servers/s3server.py) -------------------------
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "servers"))
import s3server  # noqa: E402


@pytest.fixture(scope="session")
def s3_server():
    """s3proxy on 127.0.0.1 for the whole session (started once, ~3 s).

    Skips only where the jar or Java is missing, which scripts/setup-deps.sh installs,
    so in CI this always runs."""
    # The build-tree ctest interpreter has the S3 clients (scripts/requirements-integration.txt);
    # the wheel's fresh venv (scripts/test-wheel.sh) does not, and skips these there.
    pytest.importorskip("boto3", reason="boto3 not installed in this interpreter (ctest's has it)")
    try:
        server = s3server.S3Server()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    yield server
    server.close()


@pytest.fixture
def s3_bucket(s3_server, request):
    """A fresh bucket named after the test."""
    name = "t-" + "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:50].strip("-")
    s3_server.create_bucket(name)
    return name


@pytest.fixture
def s3_proxy(s3_server):
    """A counting (and fault-injecting) proxy in front of the session's s3proxy."""
    with s3server.CountingProxy(s3_server.endpoint) as proxy:
        yield proxy
