// planes.hpp - byte-plane split/merge: plane k holds byte k of every element, so
// the exponent bytes of a float tensor sit together. With `rotate`, each float
// word is rotated left by one bit first, moving the sign to the bottom so the
// exponent (bf16, fp32) becomes a whole byte: (s eeeeeeee mmm...) -> (eeeeeeee mmm... s).
#pragma once
#include <cstddef>
#include <cstdint>

namespace z4ai {

// planes[k] receives `elements` bytes. Widths 1, 2, 4, 8.
void split_planes(const uint8_t* in, size_t elements, unsigned width, bool rotate,
                  uint8_t* const* planes) noexcept;
void merge_planes(const uint8_t* const* planes, size_t elements, unsigned width, bool rotate,
                  uint8_t* out) noexcept;
// The same with the planes back to back in one area: plane k at area + k * elements.
void split_planes_into(const uint8_t* in, size_t elements, unsigned width, bool rotate,
                       uint8_t* area) noexcept;
void merge_planes_from(const uint8_t* area, size_t elements, unsigned width, bool rotate,
                       uint8_t* out) noexcept;

}  // namespace z4ai
