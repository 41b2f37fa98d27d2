// planes_simd.hpp - AVX2 / AVX-512 kernels for the hot byte-plane cases (widths
// 2 and 4, rotated or not). Each handles a prefix of the elements (a multiple
// of its vector width) and returns how many it did; the portable loop in
// planes.cpp finishes the rest. Selected at run time (core/simd/cpu.hpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace z4ai::detail {

size_t merge_planes_avx2(const uint8_t* const* planes, size_t elements, unsigned width, bool rotate,
                         uint8_t* out) noexcept;
size_t merge_planes_avx512(const uint8_t* const* planes, size_t elements, unsigned width, bool rotate,
                           uint8_t* out) noexcept;
size_t split_planes_avx2(const uint8_t* in, size_t elements, unsigned width, bool rotate,
                         uint8_t* const* planes) noexcept;

}  // namespace z4ai::detail
