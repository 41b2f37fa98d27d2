// narrow.hpp - layout 3 "narrow": wide floats whose values all fit a narrower
// float format exactly (fp32 holding bf16 or fp16 values, fp64 holding fp32
// values: the low mantissa bits are dead). Each element is stored in the narrow
// format; elements that do not fit (a NaN payload, one stray low bit) go to an
// exception list with their full-width bits.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/buffer.hpp"

namespace z4ai {

enum class NarrowMode : uint8_t { fp32_as_bf16 = 1, fp32_as_fp16 = 2, fp64_as_fp32 = 3 };

bool narrow_mode_valid(uint8_t mode) noexcept;
unsigned narrow_wide_width(NarrowMode m) noexcept;    // 4 or 8
unsigned narrow_narrow_width(NarrowMode m) noexcept;  // 2 or 4
const char* narrow_mode_name(NarrowMode m) noexcept;

// Counts elements that do not fit, stopping once the count exceeds `limit`.
size_t narrow_count_misses(const uint8_t* in, size_t elements, NarrowMode m, size_t limit) noexcept;

// Writes elements x narrow-width bytes to `narrow` (0 for exceptions), the
// exception positions (exception_list.hpp) to `index` and their full-width
// little-endian bits to `values`. Returns the exception count.
size_t narrow_split(const uint8_t* in, size_t elements, NarrowMode m, uint8_t* narrow, Buffer& index,
                    Buffer& values);

// Inverse. Throws corrupt when the exception streams are inconsistent (positions
// out of order or range, values not a whole number of words, count mismatch).
void narrow_merge(const uint8_t* narrow, size_t elements, NarrowMode m, Bytes index, Bytes values,
                  uint8_t* out, uint64_t offset);

}  // namespace z4ai
