// sparse.hpp - zero-aware split for pruned weights: a bitmap of non-zero elements
// (bit i of byte i/8, LSB first) plus the non-zero elements packed together.
// "Zero" means all bytes zero (so -0.0 is kept as a value).
#pragma once
#include <cstddef>
#include <cstdint>

namespace z4ai {

inline size_t sparse_bitmap_size(size_t elements) { return (elements + 7) / 8; }

size_t count_zero_elements(const uint8_t* in, size_t elements, unsigned width) noexcept;

// Returns the number of non-zero elements written to `values`.
size_t sparse_split(const uint8_t* in, size_t elements, unsigned width, uint8_t* bitmap,
                    uint8_t* values) noexcept;
// Number of set bits among the first `elements` bits; trailing bits must be zero.
size_t sparse_popcount(const uint8_t* bitmap, size_t elements, bool* trailing_bits_clear) noexcept;
// Inverse of sparse_split; `values` holds exactly popcount(bitmap) elements.
void sparse_merge(const uint8_t* bitmap, const uint8_t* values, size_t elements, unsigned width,
                  uint8_t* out) noexcept;

}  // namespace z4ai
