#!/usr/bin/env bash
# C# binding test under mono, including its frame against the CLI's.
#   run_csharp_test.sh CSHARP_BUILD_DIR Z4AI_CLI
set -euo pipefail
DIR="$1" CLI="$2"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
python3 -c "
import random, struct, sys
r = random.Random(5)
w = struct.pack('<%df' % 400000, *[r.gauss(0, 0.02) for _ in range(400000)])
sys.stdout.buffer.write(b''.join(w[i + 2:i + 4] for i in range(0, len(w), 4)))
" > "$TMP/in.bf16"
"$CLI" compress -q -f --dtype bf16 "$TMP/in.bf16" -o "$TMP/cli.z4ai"
cd "$DIR" && LD_LIBRARY_PATH="$DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" mono Z4aiTest.exe "$TMP/cli.z4ai" "$TMP/in.bf16" bf16
