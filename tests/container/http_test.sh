#!/usr/bin/env bash
# Serves a .zstn container with nginx on 127.0.0.1 (started and stopped here) and
# reads tensors out of it through the C ABI's read-at callback with HTTP Range
# requests. Exit 77 (ctest: skipped) when nginx is not installed.
set -euo pipefail
Z4AI="$1"
HTTP_TEST="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx not installed (scripts/setup-deps.sh installs nginx-light): skipping"; exit 77; }
PY="${PYTHON:-python3}"

T="$(mktemp -d)"
NGINX_PID=""
cleanup() {
    if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/www" "$T/logs"

HERE="$HERE" "$PY" - "$T/model.safetensors" <<'PY'
import sys, os
sys.path.insert(0, os.environ.get("HERE", "."))
import numpy as np, st_util
rng = np.random.default_rng(5)
ts = [(f"layers.{i}.weight", "BF16" if i % 2 else "F32", st_util.weights(rng, (48, 64), "BF16" if i % 2 else "F32"))
      for i in range(120)]
st_util.write(sys.argv[1], ts, {"format": "pt"})
PY
"$Z4AI" compress -q "$T/model.safetensors" -o "$T/www/model.zstn"

for attempt in 1 2 3 4 5; do
    PORT=$(( 20000 + RANDOM % 40000 ))
    cat > "$T/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $T/logs/error.log;
pid $T/nginx.pid;
events { worker_connections 64; }
http {
    access_log $T/logs/access.log;
    client_body_temp_path $T/body;
    proxy_temp_path $T/proxy;
    fastcgi_temp_path $T/fastcgi;
    uwsgi_temp_path $T/uwsgi;
    scgi_temp_path $T/scgi;
    server {
        listen 127.0.0.1:$PORT;
        root $T/www;
    }
}
CONF
    "$NGINX" -p "$T" -c "$T/nginx.conf" &
    NGINX_PID=$!
    for _ in $(seq 50); do
        if "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null; then break; fi
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$NGINX_PID" 2>/dev/null; then break; fi
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
done
[ -n "$NGINX_PID" ] || { cat "$T/logs/error.log" >&2; echo "FAIL: nginx did not start"; exit 1; }

"$HTTP_TEST" 127.0.0.1 "$PORT" /model.zstn "$T/model.safetensors"
grep -q '" 206 ' "$T/logs/access.log" || { echo "FAIL: nginx served no 206 Partial Content"; exit 1; }
# The CLI over the same URL (libcurl, ranged GETs): ls/info/extract agree with the local file.
URL="http://127.0.0.1:$PORT/model.zstn"
"$Z4AI" ls "$URL" > "$T/ls.url"
"$Z4AI" ls "$T/www/model.zstn" > "$T/ls.file"
cmp "$T/ls.url" "$T/ls.file" || { echo "FAIL: z4ai ls URL differs from ls FILE"; exit 1; }
"$Z4AI" info "$URL" > "$T/info.url" || { echo "FAIL: z4ai info URL"; exit 1; }
grep -q "tensors:   120" "$T/info.url" || { cat "$T/info.url"; echo "FAIL: info URL"; exit 1; }
before=$(wc -l < "$T/logs/access.log")
"$Z4AI" extract -q "$URL" layers.7.weight -o "$T/t.url"
"$Z4AI" extract -q "$T/www/model.zstn" layers.7.weight -o "$T/t.file"
cmp "$T/t.url" "$T/t.file" || { echo "FAIL: z4ai extract URL differs"; exit 1; }
after=$(wc -l < "$T/logs/access.log")
[ $((after - before)) -le 4 ] || { echo "FAIL: extract over HTTP took $((after - before)) requests (want <= 4)"; exit 1; }
"$Z4AI" extract -q "http://127.0.0.1:$PORT/missing.zstn" x -o "$T/none" 2> "$T/err" && { echo "FAIL: a 404 succeeded"; exit 1; }
grep -q "missing.zstn" "$T/err" || { cat "$T/err"; echo "FAIL: the 404 error does not name the URL"; exit 1; }
[ ! -e "$T/none" ] || { echo "FAIL: a failed extract left an output"; exit 1; }
# Python (z4ai.remote over http.client) reads the same tensor of the same object
if PYTHONPATH="${Z4AI_PYTHONPATH:-}" "$PY" -c "import z4ai" 2>/dev/null; then
    PYTHONPATH="${Z4AI_PYTHONPATH:-}" "$PY" - "$URL" "$T/t.file" <<'PY'
import sys
import z4ai.safetensors as zs
with zs.ZstnReader.open_url(sys.argv[1]) as r:
    assert r.read("layers.7.weight") == open(sys.argv[2], "rb").read()
PY
    echo "python over http: same bytes"
fi
echo "http range reads passed"
