// palette.hpp - layout 5 "palette": a chunk with at most 256 distinct element
// values (per-tensor quantized weights in a wide container, fp8 values upcast,
// ternary/binary weights, masks) stored as a codebook of the distinct values in
// ascending order (as unsigned little-endian words) plus one index per element,
// packed at 1, 2, 4 or 8 bits (LSB first).
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/buffer.hpp"

namespace z4ai {

constexpr size_t kPaletteMax = 256;

struct PaletteStreams {
    Buffer codebook;  // count x width bytes, strictly increasing words
    Buffer indices;   // ceil(elements x bits / 8) bytes
    unsigned bits = 8;
    size_t count = 0;
};

// Fills `out` and returns true when the chunk has at most 256 distinct values
// (checked on a sample first, so most chunks exit early). Width 2, 4 or 8.
bool palette_split(const uint8_t* in, size_t elements, unsigned width, PaletteStreams& out);

// Smallest index width (1, 2, 4, 8) that can address `count` entries.
unsigned palette_bits_for(size_t count) noexcept;

// Inverse. Throws corrupt when the codebook is empty, too large for `bits`, not
// strictly increasing, an index is out of range, or padding bits are set.
void palette_merge(Bytes codebook, Bytes indices, unsigned bits, size_t elements, unsigned width,
                   uint8_t* out, uint64_t offset);

}  // namespace z4ai
