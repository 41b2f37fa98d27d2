"""Packaging: version single-sourced, light import, typing marker, CLI entry points,
doctests of every public module."""
import doctest
import importlib
import os
import subprocess
import sys

import pytest

import z4ai


def test_version_is_the_library_version():
    assert z4ai.__version__ == z4ai._native.version_string()
    major, minor, patch = (int(x) for x in z4ai.__version__.split("."))
    assert z4ai._native.version_number() == major * 10000 + minor * 100 + patch
    try:
        from importlib.metadata import PackageNotFoundError, version
        try:
            assert version("z4ai") == z4ai.__version__
        except PackageNotFoundError:
            pass  # build tree, not installed
    except ImportError:
        pass


def test_import_is_light():
    code = ("import sys, z4ai; heavy = [m for m in ('torch', 'safetensors', 'transformers', 'numcodecs', "
            "'zarr', 'h5py') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_py_typed_shipped():
    assert os.path.isfile(os.path.join(os.path.dirname(z4ai.__file__), "py.typed"))


@pytest.mark.parametrize("module", ["z4ai", "z4ai._core", "z4ai._stream", "z4ai._dtypes", "z4ai._errors",
                                    "z4ai.numcodecs", "z4ai.zarr", "z4ai.hdf5", "z4ai.safetensors",
                                    "z4ai.model_delta"])
def test_doctests(module):
    if module in ("z4ai.safetensors", "z4ai.model_delta") and not hasattr(z4ai._native, "TensorReader"):
        pytest.skip("library built without containers")
    if module == "z4ai.hdf5":
        pytest.importorskip("h5py")
        if not importlib.import_module("z4ai.hdf5").AVAILABLE:
            pytest.skip("HDF5 filter plugin not built into this package")
    if module == "z4ai.numcodecs":
        pytest.importorskip("numcodecs")
    if module == "z4ai.zarr":
        pytest.importorskip("zarr")
    m = importlib.import_module(module)
    result = doctest.testmod(m, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and (result.attempted > 0 or module == "z4ai._errors")


def _cli_available():
    try:
        from z4ai._cli import cli_path
        cli_path()
        return True
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not _cli_available(), reason="z4ai CLI neither bundled nor given by Z4AI_CLI")
def test_python_m_z4ai_runs_the_cli(tmp_path):
    src = tmp_path / "w.bin"
    data = bytes(range(256)) * 4000
    src.write_bytes(data)
    r = subprocess.run([sys.executable, "-m", "z4ai", "compress", "--dtype", "bf16", str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    frame = (tmp_path / "w.bin.z4ai").read_bytes()
    assert z4ai.decompress(frame) == data
    assert z4ai.frame_info(frame).dtype == "bf16"
    r = subprocess.run([sys.executable, "-m", "z4ai", "info", str(tmp_path / "w.bin.z4ai")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "bf16" in r.stdout
    r = subprocess.run([sys.executable, "-m", "z4ai", "decompress", str(tmp_path / "nope.z4ai")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and r.stderr


def test_console_script_when_installed(tmp_path):
    import shutil

    exe = os.path.join(os.path.dirname(sys.executable), "z4ai")
    if not os.path.isfile(exe):
        pytest.skip("not installed as a distribution (no console script next to python)")
    src = tmp_path / "x.bin"
    src.write_bytes(b"abc" * 10000)
    r = subprocess.run([exe, "compress", str(src), "-o", str(tmp_path / "x.z4ai")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert z4ai.decompress((tmp_path / "x.z4ai").read_bytes()) == b"abc" * 10000
    assert shutil.which  # keep linters quiet


def test_enable_hf_without_transformers_is_a_clear_import_error():
    import importlib.util

    if importlib.util.find_spec("transformers") and importlib.util.find_spec("torch"):
        pytest.skip("transformers installed: tests/bindings/python/test_hf.py covers enable_hf")
    with pytest.raises(ImportError, match=r"z4ai\[hf\]"):
        z4ai.enable_hf()
    from z4ai import hf

    assert not hf.is_enabled()
