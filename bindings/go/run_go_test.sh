#!/usr/bin/env bash
# Go binding test (ctest -L go): `go test` of bindings/go/z4ai against the build tree's
# libz4ai (a z4ai.pc for pkg-config is written into the build tree), including the Go
# frame against the CLI's. Offline: no module downloads (the module has no deps).
#   [Z4AI_GO_RUN=Golden] run_go_test.sh BUILD_DIR
set -euo pipefail
BUILD="$(cd "$1" && pwd)"; HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
mkdir -p "$BUILD/bindings/go/pkgconfig"
cat > "$BUILD/bindings/go/pkgconfig/z4ai.pc" <<PC
Name: z4ai
Description: z4ai (build tree $BUILD)
Version: 0
Libs: -L$BUILD/c_api -Wl,-rpath,$BUILD/c_api -lz4ai
Cflags: -I$ROOT/c_api/include
PC
python3 -c "
import random, struct, sys
r = random.Random(5)
w = struct.pack('<%df' % 400000, *[r.gauss(0, 0.02) for _ in range(400000)])
sys.stdout.buffer.write(b''.join(w[i + 2:i + 4] for i in range(0, len(w), 4)))
" > "$TMP/in.bf16"
"$BUILD/cli/z4ai" compress -q -f --dtype bf16 "$TMP/in.bf16" -o "$TMP/cli.z4ai"
# Z4AI_GO_RUN=Golden (ctest go_golden): only the golden-vector tests; otherwise all but
# those (they skip themselves under Z4AI_SKIP_GOLDEN=1; `go test -skip` needs Go 1.20).
RUN=()
if [ -n "${Z4AI_GO_RUN:-}" ]; then RUN=(-run "$Z4AI_GO_RUN"); else export Z4AI_SKIP_GOLDEN=1; fi
cd "$ROOT/bindings"
PKG_CONFIG_PATH="$BUILD/bindings/go/pkgconfig" GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
Z4AI_CLI="$BUILD/cli/z4ai" Z4AI_CLI_FRAME="$TMP/cli.z4ai" Z4AI_INPUT="$TMP/in.bf16" Z4AI_DTYPE=bf16 \
    go test -count=1 -v "${RUN[@]}" ./go/z4ai/ 2>&1 | grep -E -v '^=== RUN'
