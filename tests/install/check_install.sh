#!/usr/bin/env bash
# Installs the build tree into a temporary prefix and builds a consumer with
# find_package(z4ai) and with pkg-config, then runs both.
set -euo pipefail
BUILD="$1"; SRC="$(cd "$(dirname "$0")" && pwd)/consumer"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
cmake --install "$BUILD" --prefix "$TMP/prefix" >/dev/null
LIBDIR="$TMP/prefix/lib"; [ -d "$TMP/prefix/lib64" ] && LIBDIR="$TMP/prefix/lib64"
test -L "$LIBDIR/libz4ai.so.0"   # SONAME = major version
PKG_CONFIG_PATH="$LIBDIR/pkgconfig" cmake -S "$SRC" -B "$TMP/build" -G Ninja \
    -DCMAKE_PREFIX_PATH="$TMP/prefix" >/dev/null
cmake --build "$TMP/build" >/dev/null
LD_LIBRARY_PATH="$LIBDIR" "$TMP/build/consumer_cmake"
LD_LIBRARY_PATH="$LIBDIR" "$TMP/build/consumer_pkgconfig"
