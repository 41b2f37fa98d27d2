#!/usr/bin/env bash
# Installs what building and testing z4ai needs on Debian 12, idempotently.
# Debian packages via apt-get (only when something is missing), Python test
# packages via pip. Both README commands call this first.
set -euo pipefail

PACKAGES=(cmake ninja-build pkg-config g++ make
          libzstd-dev libbrotli-dev libxxhash-dev
          libgtest-dev libgmock-dev libbenchmark-dev
          swig python3-dev unzip
          clang libclang-rt-14-dev abigail-tools)  # fuzzing (libFuzzer), TSan tier, abi-check
# Python wheel test (scripts/test-wheel.sh): a fresh virtual environment.
PACKAGES+=(python3-venv)
# Storage plugins and bindings (issue 9): HDF5/netCDF tools for the filter plugin tests.
PACKAGES+=(libhdf5-dev hdf5-tools netcdf-bin time)  # time: peak-RSS checks of the examples
# Example toolchains from Debian when the machine has none of its own (rustup, /usr/local/go).
command -v cargo >/dev/null 2>&1 || PACKAGES+=(cargo)
command -v go >/dev/null 2>&1 || PACKAGES+=(golang-go)
# nginx: the HTTP Range-request test of container random access (ctest label http).
PACKAGES+=(nginx-light)
# libcurl: the CLI reads containers behind http(s):// URLs with ranged requests (#17).
PACKAGES+=(libcurl4-openssl-dev)
# Java (JDK + the default-java symlink CMake's FindJNI needs) and C# (Debian's mono).
PACKAGES+=(default-jdk-headless mono-mcs mono-runtime)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    echo "[setup-deps] apt-get install ${missing[*]}" >&2
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c "import numpy, pytest" 2>/dev/null; then
    echo "[setup-deps] pip install numpy pytest" >&2
    "$PY" -m pip install -q --disable-pip-version-check numpy pytest
fi
# h5py (wheel with its own HDF5) for the HDF5 plugin test's h5py part.
if ! "$PY" -c "import h5py" 2>/dev/null; then
    echo "[setup-deps] pip install h5py" >&2
    "$PY" -m pip install -q --disable-pip-version-check h5py
fi
# Integration tests (torch DCP, transformers, Dask, Zarr, S3 clients): pinned list, installed
# only when an import fails (a re-run costs one interpreter start).
if ! "$PY" -c "import torch, transformers, safetensors, dask.array, distributed, zarr, numcodecs, fsspec, s3fs, obstore, boto3, ml_dtypes" 2>/dev/null; then
    echo "[setup-deps] pip install -r scripts/requirements-integration.txt (torch is ~4 GB)" >&2
    "$PY" -m pip install -q --disable-pip-version-check -r "$(dirname "${BASH_SOURCE[0]}")/requirements-integration.txt"
fi
# s3proxy (Maven Central, filesystem backend): the real S3-compatible server the object-storage
# tests start on 127.0.0.1 (tests/servers/s3server.py). Fetched with Maven into the cache.
S3PROXY_VERSION=2.7.0
S3PROXY_DIR="${Z4AI_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache}/s3proxy"
if [ ! -s "$S3PROXY_DIR/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar" ]; then
    command -v mvn >/dev/null 2>&1 || {
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends maven >/dev/null
    }
    echo "[setup-deps] s3proxy $S3PROXY_VERSION (Maven Central) -> $S3PROXY_DIR" >&2
    mvn -q dependency:copy -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
        -DoutputDirectory="$S3PROXY_DIR" >&2
fi
