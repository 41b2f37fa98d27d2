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
