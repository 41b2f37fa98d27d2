#!/usr/bin/env bash
# One entry point for every hand-written example (builds what it needs on first use):
#   examples/run.sh <c|rust|go|java|csharp|python> <compress|decompress> IN OUT [DTYPE]
# Uses the z4ai build tree ${Z4AI_BUILD_DIR:-<repo>/build} (configured and built when
# missing). Every language writes byte-identical frames for the same input and dtype.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(mkdir -p "${Z4AI_BUILD_DIR:-$ROOT/build}" && cd "${Z4AI_BUILD_DIR:-$ROOT/build}" && pwd)"
OUT="$BUILD/examples"
usage() { echo "usage: $0 <c|rust|go|java|csharp|python> <compress|decompress> IN OUT [DTYPE]" >&2; exit 2; }
[ $# -ge 4 ] && [ $# -le 5 ] || usage
lang="$1" op="$2" in="$3" out="$4" dtype="${5:-}"
case "$op" in compress|decompress) ;; *) usage ;; esac
args=("$op" "$in" "$out")
[ -n "$dtype" ] && [ "$op" = compress ] && args+=(--dtype "$dtype")

cmake_target() { # builds a target of the z4ai build tree, configuring it if needed
    [ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
    cmake --build "$BUILD" --target "$@" >/dev/null
}
newer() { # true if $1 is missing or older than any of the other files
    local t="$1"; shift
    [ -e "$t" ] || return 0
    for f in "$@"; do [ "$f" -nt "$t" ] && return 0; done
    return 1
}
pkgconfig() { # a z4ai.pc describing the build tree, for cgo and cargo's build.rs
    mkdir -p "$OUT/pkgconfig"
    local version tmp
    version="$(sed -n 's/^Version: //p' "$BUILD/c_api/z4ai.pc" 2>/dev/null || echo 0)"
    tmp="$(mktemp "$OUT/pkgconfig/z4ai.pc.XXXXXX")"
    cat > "$tmp" <<PC
Name: z4ai
Description: z4ai (build tree $BUILD)
Version: $version
Libs: -L$BUILD/c_api -Wl,-rpath,$BUILD/c_api -lz4ai
Cflags: -I$ROOT/c_api/include
PC
    if cmp -s "$tmp" "$OUT/pkgconfig/z4ai.pc"; then rm -f "$tmp"; else mv -f "$tmp" "$OUT/pkgconfig/z4ai.pc"; fi
    export PKG_CONFIG_PATH="$OUT/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
}

case "$lang" in
c)
    [ -e "$BUILD/c_api/libz4ai.so" ] || cmake_target z4ai
    exe="$OUT/c/z4ai_example"
    if newer "$exe" "$ROOT/examples/c/z4ai_example.c" "$ROOT/c_api/include/z4ai.h"; then
        mkdir -p "$OUT/c"
        ${CC:-cc} -O2 -Wall -Wextra -std=c99 -D_POSIX_C_SOURCE=200809L "$ROOT/examples/c/z4ai_example.c" \
            -I"$ROOT/c_api/include" -L"$BUILD/c_api" -Wl,-rpath,"$BUILD/c_api" -lz4ai -o "$exe"
    fi
    exec "$exe" "${args[@]}" ;;
rust)
    [ -e "$BUILD/c_api/libz4ai.so" ] || cmake_target z4ai
    pkgconfig
    CARGO_TARGET_DIR="$OUT/rust" cargo build --quiet --offline --release \
        --manifest-path "$ROOT/examples/rust/Cargo.toml"
    exec "$OUT/rust/release/z4ai-example" "${args[@]}" ;;
go)
    [ -e "$BUILD/c_api/libz4ai.so" ] || cmake_target z4ai
    pkgconfig
    exe="$OUT/go/z4ai-example"
    if newer "$exe" "$ROOT"/examples/go/*.go "$ROOT/examples/go/go.mod" "$ROOT/c_api/include/z4ai.h"; then
        mkdir -p "$OUT/go"
        (cd "$ROOT/examples/go" && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go build -o "$exe" .)
    fi
    exec "$exe" "${args[@]}" ;;
java)
    [ -e "$BUILD/bindings/java/z4ai.jar" ] || cmake_target z4ai_jar
    jar="$BUILD/bindings/java/z4ai.jar" classes="$OUT/java"
    if newer "$classes/Z4aiExample.class" "$ROOT/examples/java/Z4aiExample.java" "$jar"; then
        mkdir -p "$classes"
        javac -d "$classes" -cp "$jar" "$ROOT/examples/java/Z4aiExample.java"
    fi
    exec java -Djava.library.path="$BUILD/bindings/java" -cp "$jar:$classes" Z4aiExample "${args[@]}" ;;
csharp)
    [ -e "$BUILD/bindings/csharp/Z4ai.dll" ] || cmake_target z4ai_csharp_dll
    exe="$OUT/csharp/Z4aiExample.exe"
    if newer "$exe" "$ROOT/examples/csharp/Z4aiExample.cs" "$BUILD/bindings/csharp/Z4ai.dll"; then
        mkdir -p "$OUT/csharp"
        mcs -nologo -out:"$exe" -r:"$BUILD/bindings/csharp/Z4ai.dll" "$ROOT/examples/csharp/Z4aiExample.cs"
        cp "$BUILD/bindings/csharp/Z4ai.dll" "$OUT/csharp/"
    fi
    LD_LIBRARY_PATH="$BUILD/bindings/csharp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec mono "$exe" "${args[@]}" ;;
python)
    [ -d "$BUILD/python/z4ai" ] || cmake_target z4ai_swig
    PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}" exec "${PYTHON:-python3}" \
        "$ROOT/examples/python/z4ai_example.py" "${args[@]}" ;;
*) usage ;;
esac
