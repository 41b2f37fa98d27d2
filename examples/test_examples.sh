#!/usr/bin/env bash
# Cross-language test of the examples (ctest labels c, rust, go, java, csharp, python):
#   test_examples.sh BUILD_DIR LANG...
# For each language: frames byte-identical to the CLI's (`z4ai compress --dtype D`) for
# fp32, bf16 and raw bytes; decodes the CLI's frames (default and max effort,
# concatenated); damaged frames give exit status 1 (an error, never a crash); memory
# stays bounded (peak RSS grows < 32 MiB from a 1 MiB to a 96 MiB input).
set -euo pipefail
BUILD="$(cd "$1" && pwd)"; shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLI="$BUILD/cli/z4ai"
export Z4AI_BUILD_DIR="$BUILD"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - "$TMP" <<'PY'
import os, random, struct, sys
tmp = sys.argv[1]
r = random.Random(11)
w = [r.gauss(0, 0.02) for _ in range(300000)]
open(os.path.join(tmp, "w.fp32"), "wb").write(struct.pack("<%df" % len(w), *w))
bits = struct.unpack("<%dI" % len(w), struct.pack("<%df" % len(w), *w))
bf = [((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF for b in bits]
open(os.path.join(tmp, "w.bf16"), "wb").write(struct.pack("<%dH" % len(bf), *bf))
open(os.path.join(tmp, "w.raw"), "wb").write(os.urandom(200000) + bytes(300000))
PY
for d in fp32 bf16 raw; do
    "$CLI" compress -q -f --dtype "$d" "$TMP/w.$d" -o "$TMP/cli.$d.z4ai"
done
"$CLI" compress -q -f --dtype fp32 --effort max "$TMP/w.fp32" -o "$TMP/cli.max.z4ai"
cat "$TMP/cli.bf16.z4ai" "$TMP/cli.fp32.z4ai" > "$TMP/cli.cat.z4ai"
cat "$TMP/w.bf16" "$TMP/w.fp32" > "$TMP/w.cat"
# Damaged frames: a flipped byte in the middle, and a frame cut short.
python3 - "$TMP/cli.fp32.z4ai" "$TMP/bad.z4ai" "$TMP/cut.z4ai" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
open(sys.argv[3], "wb").write(b[: len(b) // 2])
b[len(b) // 2] ^= 0x41
open(sys.argv[2], "wb").write(b)
PY
dd if=/dev/urandom of="$TMP/big.bin" bs=1M count=96 status=none
head -c 1048576 "$TMP/big.bin" > "$TMP/small.bin"

peak_kb() { /usr/bin/time -f %M -o "$TMP/rss" "$@" >/dev/null && cat "$TMP/rss"; }

for lang in "$@"; do
    echo "== $lang"
    run() { "$HERE/run.sh" "$lang" "$@"; }
    for d in fp32 bf16 raw; do
        run compress "$TMP/w.$d" "$TMP/$lang.$d.z4ai" "$d"
        cmp "$TMP/$lang.$d.z4ai" "$TMP/cli.$d.z4ai" || fail "$lang: $d frame differs from the CLI's"
        run decompress "$TMP/$lang.$d.z4ai" "$TMP/$lang.$d.back"
        cmp "$TMP/$lang.$d.back" "$TMP/w.$d" || fail "$lang: $d round trip"
        echo "$lang $d: frame identical to the CLI's ($(stat -c %s "$TMP/w.$d") -> $(stat -c %s "$TMP/cli.$d.z4ai") bytes), round trip ok"
    done
    run decompress "$TMP/cli.max.z4ai" "$TMP/$lang.max.back" && cmp "$TMP/$lang.max.back" "$TMP/w.fp32" \
        || fail "$lang: decoding a max-effort frame"
    run decompress "$TMP/cli.cat.z4ai" "$TMP/$lang.cat.back" && cmp "$TMP/$lang.cat.back" "$TMP/w.cat" \
        || fail "$lang: decoding concatenated frames"
    for bad in bad cut; do
        set +e
        run decompress "$TMP/$bad.z4ai" "$TMP/$lang.$bad.back" 2>"$TMP/err"
        rc=$?
        set -e
        [ "$rc" = 1 ] || { cat "$TMP/err"; fail "$lang: damaged frame ($bad) gave exit status $rc, want 1"; }
        grep -q "Z4AI_E_" "$TMP/err" || { cat "$TMP/err"; fail "$lang: error without a status name"; }
    done
    echo "$lang: damaged frames rejected ($(head -c 120 "$TMP/err" | tr '\n' ' '))"
    small=$(peak_kb "$HERE/run.sh" "$lang" compress "$TMP/small.bin" "$TMP/small.z4ai" raw)
    big=$(peak_kb "$HERE/run.sh" "$lang" compress "$TMP/big.bin" "$TMP/big.z4ai" raw)
    "$HERE/run.sh" "$lang" decompress "$TMP/big.z4ai" "$TMP/big.back"
    cmp "$TMP/big.back" "$TMP/big.bin" || fail "$lang: 96 MiB round trip"
    bigd=$(peak_kb "$HERE/run.sh" "$lang" decompress "$TMP/big.z4ai" "$TMP/big.back")
    smalld=$(peak_kb "$HERE/run.sh" "$lang" decompress "$TMP/small.z4ai" "$TMP/small.back")
    echo "$lang: peak RSS compress 1 MiB ${small} KB / 96 MiB ${big} KB; decompress ${smalld} KB / ${bigd} KB"
    [ $((big - small)) -lt 32768 ] || fail "$lang: compress memory grows with the input"
    [ $((bigd - smalld)) -lt 32768 ] || fail "$lang: decompress memory grows with the input"
done
echo "examples: all checks passed"
