// floatbits.hpp - bit-exact conversions between IEEE binary16 (fp16), bfloat16,
// binary32 and binary64, written in integer arithmetic so every platform (and a
// third-party decoder following docs/FORMAT.md) gets identical bits: no reliance
// on the FPU's rounding mode, denormal flushing or NaN canonicalisation.
#pragma once
#include <cstdint>
#include <cstring>

namespace z4ai {

inline uint32_t f32_bits(float f) noexcept {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float f32_from_bits(uint32_t u) noexcept {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline uint64_t f64_bits(double d) noexcept {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return u;
}
inline double f64_from_bits(uint64_t u) noexcept {
    double d;
    std::memcpy(&d, &u, 8);
    return d;
}

// Exact widenings (every narrow value, NaN payloads included, has one image).
// fp16 -> fp32: subnormals normalised, inf/NaN keep sign and payload (payload << 13).
uint32_t fp16_to_fp32_bits(uint16_t h) noexcept;
// bf16 -> fp32: the high half.
inline uint32_t bf16_to_fp32_bits(uint16_t b) noexcept { return uint32_t(b) << 16; }
// fp32 -> fp64: subnormals normalised, inf/NaN keep sign and payload (payload << 29).
uint64_t fp32_to_fp64_bits(uint32_t f) noexcept;

// Rounding narrowings, round-to-nearest-even, overflow to infinity, NaN stays NaN
// (quiet bit set, top payload bits kept).
uint16_t fp32_to_fp16_bits(uint32_t f) noexcept;
uint16_t fp32_to_bf16_bits(uint32_t f) noexcept;
// fp64 -> fp32 by truncating the value's exactness test only: returns true and the
// fp32 bits when `d` is exactly an fp32 value (NaN: when the low 29 payload bits
// are zero), false otherwise.
bool fp64_to_fp32_exact(uint64_t d, uint32_t* f) noexcept;
// fp32 -> fp16 exactness test: true when fp16_to_fp32_bits(h) == f for the h returned.
bool fp32_to_fp16_exact(uint32_t f, uint16_t* h) noexcept;

}  // namespace z4ai
