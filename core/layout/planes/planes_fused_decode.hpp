// planes_fused_decode.hpp - fast path for the planes layout: stored planes are merged
// straight from the payload (no copy); Huffman (backend 4) and escape-coded
// (backend 5) planes are decoded block by block, each block merged into the
// output while it is still in cache.
#pragma once
#include <cstddef>
#include <cstdint>

#include "layout/layout.hpp"

namespace z4ai {

// Decodes the w planes (streams 0..w-1 of h) of `elements` elements into dst.
// Returns false, touching nothing, when a plane uses a backend this path does
// not handle (the caller then decodes the planes one by one). Throws corrupt.
// With `sum`, each merged piece is fed to it while still in cache.
bool decode_planes_fused(const PayloadHeader& h, const uint8_t* const* stream_data, size_t elements,
                         unsigned w, bool rotate, DecodeWorkspace& ws, uint8_t* dst, ContentChecksum* sum);

}  // namespace z4ai
