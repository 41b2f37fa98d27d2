#!/usr/bin/env bash
# Create or update the benchmark venv at ${Z4AI_CACHE:-<repo>/.cache}/venv-bench, idempotently.
#
# It holds REAL torch (from PyPI: the default Linux wheel is the CUDA build; `--no-deps` does
# not import - "libcublasLt.so.*[0-9] not found" - so the nvidia-* wheels are accepted, ~4 GB,
# and torch runs on the CPU), numpy, safetensors, and the competitor codecs: zipnn (sdist only
# on PyPI: built here with gcc), openzl, pcodec, blosc2, plus psutil.
# A codec that fails to install does not stop the others: the reason is written to
# ${VENV}/install-errors/<name>.txt and the harness reports it in its JSON rows.
#
# Usage: bench/competitors/setup_venv.sh [--check]   (--check: only report what is installed)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE="${Z4AI_CACHE:-$REPO/.cache}"
VENV="$CACHE/venv-bench"
PY="$VENV/bin/python"
PYTHON="${PYTHON:-python3}"

# Pinned versions (checked on this kind of machine).
CORE_PKGS=("numpy>=1.26" "torch==2.15.0" "safetensors==0.8.0" "psutil")
CODEC_PKGS=("zipnn==0.5.4" "openzl==0.3.0" "pcodec==1.1.0" "blosc2==4.14.1")
STAMP_KEY="v1 ${CORE_PKGS[*]} ${CODEC_PKGS[*]}"

log() { echo "[setup_venv] $*" >&2; }

have_root() { [ "$(id -u)" = "0" ]; }

apt_install() {  # apt_install pkg... : install Debian packages when missing (root only)
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if have_root && command -v apt-get >/dev/null; then
        log "apt-get install -y ${missing[*]}"
        apt-get update -qq || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        log "WARNING: missing Debian packages ${missing[*]} and not root: install them by hand"
    fi
}

if [ "${1:-}" = "--check" ]; then
    "$PY" -W ignore - <<'EOF'
import importlib, importlib.metadata as md
for m in ("numpy", "torch", "safetensors", "zipnn", "openzl", "pcodec", "blosc2", "psutil"):
    try:
        importlib.import_module(m)
        print(f"{m:12s} {md.version(m)}")
    except Exception as e:
        print(f"{m:12s} NOT IMPORTABLE: {type(e).__name__}: {e}")
EOF
    exit 0
fi

mkdir -p "$CACHE"
# A C compiler is needed for zipnn (sdist); python3-venv for Debian's own python3.
command -v gcc >/dev/null || apt_install gcc
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv; fi
if ! "$PYTHON" -c 'import sysconfig,os,sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"],"Python.h")) else 1)'; then
    apt_install python3-dev
fi

if [ ! -x "$PY" ]; then
    log "creating $VENV"
    "$PYTHON" -m venv "$VENV"
    "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
fi

STAMP="$VENV/.z4ai-stamp"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_KEY" ] && \
   "$PY" -c 'import numpy, torch, safetensors, psutil' 2>/dev/null; then
    log "venv up to date ($VENV)"
    exit 0
fi

log "installing core packages: ${CORE_PKGS[*]} (torch pulls ~4 GB of nvidia wheels; CPU use only)"
"$PY" -m pip install -q --disable-pip-version-check "${CORE_PKGS[@]}"
"$PY" -c 'import torch; torch.ones(2) @ torch.ones(2)' || { log "torch does not import"; exit 1; }

mkdir -p "$VENV/install-errors"
failed=0
for spec in "${CODEC_PKGS[@]}"; do
    name="${spec%%=*}"
    if "$PY" -m pip install -q --disable-pip-version-check "$spec" >"$VENV/install-errors/$name.log" 2>&1 \
       && "$PY" -c "import $name" >>"$VENV/install-errors/$name.log" 2>&1; then
        rm -f "$VENV/install-errors/$name.txt" "$VENV/install-errors/$name.log"
        log "ok: $spec"
    else
        { echo "pip install $spec failed or the module does not import:"; tail -n 40 "$VENV/install-errors/$name.log"; } \
            >"$VENV/install-errors/$name.txt"
        log "FAILED: $spec (see $VENV/install-errors/$name.txt)"
        failed=1
    fi
done
# no stamp while a codec is missing: the next run tries it again
if [ "$failed" = 0 ]; then echo "$STAMP_KEY" >"$STAMP"; fi
log "done: $VENV"
