// stream_planner.hpp - picks the backend for one byte stream (a plane, a
// bitmap, a raw chunk) by the tier's rules and appends its encoding:
//   fast:    the escape code (backend 5), Huffman where it fits badly, or
//            stored; zstd only where a sample shows it 10% smaller.
//   default: Huffman, plus zstd in full when a 16 KiB sample says it wins or
//            is within 1% (fp16 planes, repetitive integers); the smaller stays.
//   max:     everything default does, then every Huffman segment size and
//            zstd-19 / Brotli where a sample says they can win; keeps the
//            smallest, so a max stream is never larger than the default one.
#pragma once
#include <cstdint>

#include "codec/chunk_planner.hpp"

namespace z4ai {

// Appends the encoding of `in` (size >= 32, not constant) to out and returns
// the backend id chosen. Deterministic: depends only on the bytes and policy.
uint8_t plan_stream(Bytes in, const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out);

}  // namespace z4ai
