#!/usr/bin/env bash
# play_tests.sh - drives the z4ai CLI the way zstd's tests/playTests.sh drives zstd:
# zstd's flags (-d -t -l -k --rm -# -r -c -v -q --long --opt=value), several files,
# pipes in both directions (frames and containers), -t on corrupt input, -l on
# frames, containers and archive directories, help and exit codes, error messages
# that name the file (and the tensor). Usage: play_tests.sh path/to/z4ai
set -u
Z4AI="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/z4ai-play.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

FAILS=0
CHECKS=0
die() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { CHECKS=$((CHECKS + 1)); }
# expect_ok CMD...: must exit 0
expect_ok() { if "$@" >out.txt 2>err.txt; then ok; else die "expected success: $* ($(head -c 300 err.txt))"; fi; }
# expect_fail CMD...: must exit non-zero
expect_fail() { if "$@" >out.txt 2>err.txt; then die "expected failure: $*"; else ok; fi; }
# expect_in FILE TEXT: FILE contains TEXT
expect_in() { if grep -qF -- "$2" "$1"; then ok; else die "'$2' not in $1: $(head -c 400 "$1")"; fi; }
same() { if cmp -s "$1" "$2"; then ok; else die "$1 and $2 differ"; fi; }
exists() { if [ -e "$1" ]; then ok; else die "$1 missing"; fi; }
absent() { if [ ! -e "$1" ]; then ok; else die "$1 should not exist"; fi; }
magic() { if [ "$(head -c 4 "$1")" = "$2" ]; then ok; else die "$1 does not start with $2"; fi; }

# ---- fixtures: weights as a plain file and as .safetensors -----------------------
"$PY" - "$HERE/../container" <<'EOF'
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import st_util
rng = np.random.default_rng(7)
(rng.standard_normal(60000) * 0.02).astype(np.float32).tofile("w.f32")
(rng.standard_normal(30000) * 0.02).astype(np.float16).tofile("h.f16")
long_name = "model.encoder.layers.11.attention.self_attention.query_key_value.weight_scale_inv"
st_util.write("m.safetensors", [
    ("embed.weight", "BF16", st_util.weights(rng, (200, 64), "BF16")),
    ("layer.0.weight", "F32", st_util.weights(rng, (64, 64), "F32")),
    (long_name, "F32", st_util.weights(rng, (64,), "F32")),
    ("steps", "I64", np.array([12], dtype=np.int64)),
], {"format": "pt"})
# A float file whose first bytes happen to look like a .safetensors header.
b = bytearray((rng.standard_normal(4000) * 0.02).astype(np.float32).tobytes())
b[0:8] = (1 << 40).to_bytes(8, "little"); b[8] = ord("{")
open("lookalike.f32", "wb").write(bytes(b))
open("junk.bin", "wb").write(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
EOF
[ -f m.safetensors ] || { echo "FAIL: fixtures"; exit 1; }

# ---- help, version, usage errors -------------------------------------------------
for args in "--help" "-h" "help" "help compress" "compress --help" "decompress --help" "-d --help" \
            "info --help" "ls --help" "extract --help" "bench --help" "test --help" "-l --help" "help ls"; do
    # shellcheck disable=SC2086
    if "$Z4AI" $args >out.txt 2>err.txt && [ -s out.txt ] && [ ! -s err.txt ]; then ok; else die "help '$args' not on stdout with exit 0"; fi
done
expect_in out.txt "usage: z4ai ls"
expect_ok "$Z4AI" --help
expect_in out.txt "EXIT STATUS"
expect_in out.txt "-#"
expect_ok "$Z4AI" -V
expect_in out.txt "z4ai "
expect_fail "$Z4AI" --bogus
expect_in err.txt "unknown option '--bogus'"
expect_fail "$Z4AI" compress --no-such-flag w.f32
expect_fail "$Z4AI" -d -l w.f32
expect_in err.txt "conflicting"
expect_fail "$Z4AI" --fast=3 w.f32
expect_in err.txt "one fast tier"

# ---- compress / decompress: default command, -d, -k (default), --rm, -f ------------
expect_ok "$Z4AI" -q --dtype fp32 w.f32
exists w.f32.z4ai; exists w.f32; magic w.f32.z4ai Z4AI
expect_fail "$Z4AI" -q --dtype fp32 w.f32          # output exists
expect_in err.txt "already exists"
expect_ok "$Z4AI" -q -f --dtype fp32 w.f32
cp w.f32 w.orig
rm w.f32
expect_ok "$Z4AI" -d -q w.f32.z4ai
same w.f32 w.orig; exists w.f32.z4ai
rm w.f32
expect_ok "$Z4AI" --decompress -q -k w.f32.z4ai
same w.f32 w.orig
cp w.f32 rm.f32
expect_ok "$Z4AI" -q --rm --dtype=fp32 rm.f32
absent rm.f32; exists rm.f32.z4ai
expect_ok "$Z4AI" -dq --rm rm.f32.z4ai
absent rm.f32.z4ai; same rm.f32 w.orig
expect_fail "$Z4AI" -q -d rm.f32.z4ai
expect_in err.txt "rm.f32.z4ai"

# ---- levels, efforts, --long, threads, --opt=value ---------------------------------
prev=""
for lvl in -1 -2 -3 -9 -12 -19 "--ultra -22" --fast "--effort=max" "-e max" "--effort fast" "--level=5" \
           "--long" "--long=24" "-T2" "-T 2" "--threads=1" "-19 -T1 --long=27"; do
    rm -f lvl.z4ai lvl.out
    # shellcheck disable=SC2086
    expect_ok "$Z4AI" -q $lvl --dtype fp32 w.orig -o lvl.z4ai
    expect_ok "$Z4AI" -dq lvl.z4ai -o lvl.out
    same lvl.out w.orig
done
"$Z4AI" -q -1 --dtype fp32 w.orig -o l1.z4ai && "$Z4AI" -q -19 --dtype fp32 w.orig -o l19.z4ai
if [ "$(stat -c %s l19.z4ai)" -le "$(stat -c %s l1.z4ai)" ]; then ok; else die "-19 larger than -1"; fi
"$Z4AI" -q --effort max --dtype fp32 w.orig -o emax.z4ai
same l19.z4ai emax.z4ai                                  # -19 is exactly the max tier
"$Z4AI" -q -3 --dtype fp32 w.orig -o l3.z4ai && "$Z4AI" -q --dtype fp32 w.orig -o ldef.z4ai
same l3.z4ai ldef.z4ai                                   # -3 is exactly the default tier
expect_ok "$Z4AI" -q -22 --dtype fp32 w.orig -o l22.z4ai   # without --ultra: warns, uses 19
expect_ok "$Z4AI" -22 --dtype fp32 w.orig -o l22b.z4ai
expect_in err.txt "--ultra"
same l22.z4ai l19.z4ai

# ---- several inputs: all processed, failures named, exit 1 -------------------------
cp w.orig a.f32; cp w.orig b.f32
expect_fail "$Z4AI" --dtype fp32 a.f32 missing.f32 b.f32
exists a.f32.z4ai; exists b.f32.z4ai
expect_in err.txt "missing.f32"
expect_in err.txt "2 files compressed, 1 failed"
expect_fail "$Z4AI" -q -o one.z4ai a.f32 b.f32
expect_in err.txt "-o names one output"
# -c concatenates; concatenated frames decode as one stream
"$Z4AI" -q -c --dtype fp32 a.f32 b.f32 > ab.z4ai
cat a.f32 b.f32 > ab.raw
"$Z4AI" -q -dc ab.z4ai > ab.out
same ab.out ab.raw

# ---- pipes: frames -----------------------------------------------------------------
"$Z4AI" -q --dtype fp32 < w.orig | "$Z4AI" -d -q > piped.out
same piped.out w.orig
cat w.orig | "$Z4AI" -q -c - | "$Z4AI" -dc - > piped2.out
same piped2.out w.orig
"$Z4AI" -q -c --dtype fp32 w.orig | "$Z4AI" -t -
if [ $? -eq 0 ]; then ok; else die "-t from a pipe"; fi

# ---- containers: files and pipes in both directions ---------------------------------
expect_ok "$Z4AI" -q m.safetensors
magic m.zstn Z4ST
expect_ok "$Z4AI" -q -d m.zstn -o m.back
same m.back m.safetensors
cat m.safetensors | "$Z4AI" -q -c > piped.zstn
magic piped.zstn Z4ST
same piped.zstn m.zstn
cat m.zstn | "$Z4AI" -q -d - > piped.st
same piped.st m.safetensors
"$Z4AI" -q -dc m.zstn > stdout.st
same stdout.st m.safetensors
cat m.safetensors | "$Z4AI" -q -c | "$Z4AI" -q -dc | cmp -s - m.safetensors && ok || die "container pipe round trip"
"$Z4AI" -q -c m.safetensors -o - > dash.zstn
same dash.zstn m.zstn
Z4AI_PIPE_LIMIT=1000 "$Z4AI" -q -c < m.safetensors > /dev/null 2>err.txt && die "pipe limit not enforced" || ok
expect_in err.txt "Z4AI_PIPE_LIMIT"
# model delta through a pipe
cp m.safetensors ft.safetensors
"$Z4AI" -q --reference m.safetensors ft.safetensors
magic ft.z4dm Z4DM
cat ft.z4dm | "$Z4AI" -q -dc --reference m.safetensors > ft.back
same ft.back ft.safetensors
expect_fail "$Z4AI" -q -d ft.z4dm -o x.st
expect_in err.txt "--reference"
# --dtype/--shape are not silently ignored for .safetensors input
expect_fail "$Z4AI" -q --dtype fp16 m.safetensors -o x.zstn
expect_in err.txt "m.safetensors"
expect_in err.txt "--raw"
expect_ok "$Z4AI" -q --raw --dtype bf16 m.safetensors -o raw.z4ai
magic raw.z4ai Z4AI
# a float file that merely starts like a .safetensors header stays a frame
expect_ok "$Z4AI" -q --dtype fp32 lookalike.f32
magic lookalike.f32.z4ai Z4AI
expect_ok "$Z4AI" -q lookalike.f32 -o lookalike2.z4ai
magic lookalike2.z4ai Z4AI
# decompressing a plain .safetensors says what it is
expect_fail "$Z4AI" -d m.safetensors
expect_in err.txt "plain .safetensors"

# ---- -t: decode and verify, write nothing; corrupt input named ----------------------
cp m.zstn bad.zstn
"$PY" -c "
d = bytearray(open('bad.zstn', 'rb').read()); d[len(d) // 2] ^= 0x40; open('bad.zstn', 'wb').write(d)"
cp w.f32.z4ai bad.z4ai
"$PY" -c "
d = bytearray(open('bad.z4ai', 'rb').read()); d[len(d) // 2] ^= 0x40; open('bad.z4ai', 'wb').write(d)"
head -c 3000 w.f32.z4ai > trunc.z4ai
before=$(ls | wc -l)
expect_ok "$Z4AI" -t w.f32.z4ai m.zstn
expect_in err.txt "w.f32.z4ai: OK"
expect_in err.txt "m.zstn: OK (4 tensors"
expect_fail "$Z4AI" -t w.f32.z4ai bad.zstn bad.z4ai trunc.z4ai junk.bin m.zstn
expect_in err.txt "bad.zstn: tensor '"
expect_in err.txt "bad.z4ai: Z4AI_E_CHECKSUM"
expect_in err.txt "trunc.z4ai"
expect_in err.txt "junk.bin: not z4ai data"
expect_in err.txt "2 files OK, 4 failed"
expect_fail "$Z4AI" --test -q bad.zstn
after=$(ls | wc -l)
[ "$before" = "$after" ] && ok || die "-t wrote files"
expect_fail "$Z4AI" -d bad.zstn -o bad.out
expect_in err.txt "tensor '"
absent bad.out
expect_fail "$Z4AI" -dc junk.bin
expect_in err.txt "junk.bin"
cat bad.zstn | "$Z4AI" -t - 2>err.txt && die "-t of a corrupt container on stdin" || ok
expect_in err.txt "tensor '"

# ---- -l: frames, containers, .safetensors, archive directories ----------------------
expect_ok "$Z4AI" -l w.f32.z4ai m.zstn m.safetensors ab.z4ai
expect_in out.txt "Kind"
expect_in out.txt "Ratio"
expect_in out.txt "container"
expect_in out.txt "4 tensors"
expect_in out.txt "2 frames"
expect_in out.txt "total"
expect_fail "$Z4AI" -l w.f32.z4ai junk.bin
expect_in err.txt "junk.bin"
mkdir -p model/sub && cp m.safetensors model/model.safetensors && cp w.orig model/sub/w.bin
echo '{"hidden_size": 64}' > model/config.json
expect_ok "$Z4AI" -q model
exists model.z4ai/z4ai-manifest.json
expect_ok "$Z4AI" -l model.z4ai
expect_in out.txt "archive"
expect_in out.txt "3 files"
expect_ok "$Z4AI" -t model.z4ai
expect_ok "$Z4AI" -q -d model.z4ai -o model.back
same model.back/model.safetensors model/model.safetensors
same model.back/sub/w.bin model/sub/w.bin
expect_fail "$Z4AI" -l model
expect_in err.txt "-r"

# ---- -r: every file below a directory, one by one ------------------------------------
mkdir -p tree/a/b && cp w.orig tree/a/x.f32 && cp m.safetensors tree/a/b/y.safetensors && cp h.f16 tree/z.f16
expect_ok "$Z4AI" -r -q --rm tree
exists tree/a/x.f32.z4ai; exists tree/a/b/y.zstn; exists tree/z.f16.z4ai; absent tree/a/x.f32
expect_ok "$Z4AI" -l -r tree
expect_in out.txt "tree/a/b/y.zstn"
expect_in out.txt "3 files"
expect_ok "$Z4AI" -t -r tree
expect_ok "$Z4AI" -r tree                    # compressing again: already compressed -- ignored
expect_in err.txt "already compressed"
expect_ok "$Z4AI" -d -r -q --rm tree
same tree/a/x.f32 w.orig; same tree/a/b/y.safetensors m.safetensors; absent tree/a/b/y.zstn
expect_fail "$Z4AI" -d tree
expect_in err.txt "is a directory"

# ---- -v / -q --------------------------------------------------------------------------
expect_ok "$Z4AI" -f --dtype fp32 w.orig -o v.z4ai
expect_in err.txt "w.orig"
expect_ok "$Z4AI" -q -f --dtype fp32 w.orig -o v.z4ai
[ ! -s err.txt ] && ok || die "-q printed: $(cat err.txt)"
expect_ok "$Z4AI" -lv w.f32.z4ai
expect_in out.txt "chunk methods"

# ---- info --json: one schema for every kind; ls; extract --------------------------
"$PY" - "$Z4AI" <<'EOF' && ok || die "info --json schema"
import json, subprocess, sys
z = sys.argv[1]
keys = ["schema", "file", "kind", "content_size", "stored_size", "ratio"]
for path, kind in (("w.f32.z4ai", "frame"), ("m.zstn", "container"), ("m.safetensors", "safetensors"),
                   ("model.z4ai", "archive")):
    d = json.loads(subprocess.run([z, "info", "--json", path], check=True, capture_output=True).stdout)
    assert list(d)[:6] == keys, (path, list(d))
    assert d["schema"] == "z4ai-info/1" and d["kind"] == kind, d
    assert d["stored_size"] > 0 and d["content_size"] > 0, d
    assert "frame_size" not in d and "file_size" not in d and "input_size" not in d, d
    if kind in ("container", "safetensors"):
        assert all("stored_size" in t and "nbytes" in t for t in d["tensors"]), d
import os
d = json.loads(subprocess.run([z, "info", "--json", "ft.z4dm", "--reference", "m.safetensors"], check=True,
                              capture_output=True).stdout)
assert d["kind"] == "model_delta" and d["stored_size"] == os.path.getsize("ft.z4dm"), d
EOF
expect_ok "$Z4AI" ls m.zstn
head -1 out.txt | grep -q "^TENSOR  *DTYPE  *SHAPE  *BYTES$" && ok || die "ls header: $(head -1 out.txt)"
"$PY" - <<'EOF' && ok || die "ls columns misaligned"
lines = open("out.txt").read().splitlines()
col = lines[0].index("DTYPE")
assert all(len(l) > col and l[col - 2:col] == "  " and l[col] != " " for l in lines[1:]), lines
EOF
expect_fail "$Z4AI" extract m.zstn nope -o nope.bin
expect_in err.txt "no tensor named 'nope'"
expect_in err.txt "m.zstn"
expect_ok "$Z4AI" extract -q m.zstn layer.0.weight -o l0.bin
expect_ok "$Z4AI" info m.zstn
expect_in out.txt "model.encoder.layers.11.attention.self_attention.query_key_value.weight_scale_inv"

echo "play_tests: $CHECKS checks passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
