#!/usr/bin/env bash
# Java binding test: the test runner from the jar alone (native library extracted from
# the jar), then with java.library.path, and its frame against the CLI's.
#   run_java_test.sh JAVA_BUILD_DIR Z4AI_CLI JAVA
set -euo pipefail
DIR="$1" CLI="$2" JAVA="$3"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
python3 -c "
import random, struct, sys
r = random.Random(5)
w = struct.pack('<%df' % 400000, *[r.gauss(0, 0.02) for _ in range(400000)])
sys.stdout.buffer.write(b''.join(w[i + 2:i + 4] for i in range(0, len(w), 4)))  # bf16 (truncated)
" > "$TMP/in.bf16"
"$CLI" compress -q -f --dtype bf16 "$TMP/in.bf16" -o "$TMP/cli.z4ai"
# 1. jar only: libz4ai_java.so comes out of the jar.
"$JAVA" -Xms64m -Xmx64m -XX:+AlwaysPreTouch -cp "$DIR/z4ai.jar:$DIR/test" Z4aiTest "$TMP/cli.z4ai" "$TMP/in.bf16" bf16
# 2. System.loadLibrary from java.library.path (the memory loop ran in 1 already).
Z4AI_QUICK=1 "$JAVA" -Xms64m -Xmx64m -XX:+AlwaysPreTouch -Djava.library.path="$DIR" -cp "$DIR/z4ai.jar:$DIR/test" Z4aiTest
