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
// bf16 -> fp32: the high half.
inline uint32_t bf16_to_fp32_bits(uint16_t b) noexcept { return uint32_t(b) << 16; }
// fp32 -> fp64: subnormals normalised, inf/NaN keep sign and payload (payload << 29).
uint64_t fp32_to_fp64_bits(uint32_t f) noexcept;

// fp16 -> fp32 (see above).
inline uint32_t fp16_to_fp32_bits(uint16_t h) noexcept {
    uint32_t sign = uint32_t(h & 0x8000) << 16;
    uint32_t e = (h >> 10) & 0x1F;
    uint32_t m = h & 0x3FF;
    if (e == 0) {
        if (m == 0) return sign;
        uint32_t e32 = 113;  // 2^-14 before normalising: 127 - 14
        while (!(m & 0x400)) {
            m <<= 1;
            --e32;
        }
        return sign | (e32 << 23) | ((m & 0x3FF) << 13);
    }
    if (e == 31) return sign | 0x7F800000u | (m << 13);
    return sign | ((e + 112) << 23) | (m << 13);
}
// Rounding narrowings, round-to-nearest-even, overflow to infinity, NaN stays NaN
// (quiet bit set, top payload bits kept).
inline uint16_t fp32_to_fp16_bits(uint32_t f) noexcept {
    uint32_t sign = (f >> 16) & 0x8000;
    int e = int((f >> 23) & 0xFF);
    uint32_t m = f & 0x7FFFFF;
    if (e == 255) return static_cast<uint16_t>(m ? (sign | 0x7E00 | (m >> 13)) : (sign | 0x7C00));
    int he = e - 112;
    if (he >= 31) return static_cast<uint16_t>(sign | 0x7C00);
    if (he <= 0) {
        if (e == 0) return static_cast<uint16_t>(sign);  // fp32 subnormals are far below fp16's
        int shift = 14 - he;
        if (shift > 24) return static_cast<uint16_t>(sign);
        m |= 0x800000;
        uint32_t h = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) ++h;
        return static_cast<uint16_t>(sign | h);
    }
    uint32_t h = (uint32_t(he) << 10) | (m >> 13);
    uint32_t rem = m & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
    return static_cast<uint16_t>(sign | h);
}
inline uint16_t fp32_to_bf16_bits(uint32_t f) noexcept {
    if ((f & 0x7F800000u) == 0x7F800000u && (f & 0x7FFFFF)) return static_cast<uint16_t>((f >> 16) | 0x40);
    return static_cast<uint16_t>((uint64_t(f) + 0x7FFF + ((f >> 16) & 1)) >> 16);
}
// fp64 -> fp32 exactness test: true (and the fp32 bits) when `d` is exactly an
// fp32 value, i.e. fp32_to_fp64_bits of the result gives `d` back (NaN: when the
// low 29 payload bits are zero); false otherwise.
bool fp64_to_fp32_exact(uint64_t d, uint32_t* f) noexcept;
// fp32 -> fp16 exactness test: true when fp16_to_fp32_bits(h) == f for the h returned.
bool fp32_to_fp16_exact(uint32_t f, uint16_t* h) noexcept;

}  // namespace z4ai
