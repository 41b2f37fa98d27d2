// delta.hpp - checkpoint deltas against a reference of the same layout.
// XOR: bit patterns XORed (self-inverse). SUB: per element, the difference of the
// bit patterns as unsigned integers, zigzag-mapped so small changes in either
// direction become small numbers; trailing bytes that do not fill an element are XORed.
#pragma once
#include <cstddef>
#include <cstdint>

namespace z4ai {

enum class DeltaKind : uint8_t { none = 0, xor_bits = 1, sub_zigzag = 2 };

void delta_xor(const uint8_t* in, const uint8_t* ref, size_t size, uint8_t* out) noexcept;
void delta_sub_encode(const uint8_t* in, const uint8_t* ref, size_t size, unsigned width,
                      uint8_t* out) noexcept;
// May run in place (out == in).
void delta_sub_decode(const uint8_t* in, const uint8_t* ref, size_t size, unsigned width,
                      uint8_t* out) noexcept;

}  // namespace z4ai
