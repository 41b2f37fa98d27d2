#include "transform/floatbits.hpp"

namespace z4ai {

uint32_t fp16_to_fp32_bits(uint16_t h) noexcept {
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

uint64_t fp32_to_fp64_bits(uint32_t f) noexcept {
    uint64_t sign = uint64_t(f >> 31) << 63;
    uint64_t e = (f >> 23) & 0xFF;
    uint64_t m = f & 0x7FFFFF;
    if (e == 0) {
        if (m == 0) return sign;
        uint64_t e64 = 1023 - 126;
        while (!(m & 0x800000)) {
            m <<= 1;
            --e64;
        }
        return sign | (e64 << 52) | ((m & 0x7FFFFF) << 29);
    }
    if (e == 255) return sign | (uint64_t(0x7FF) << 52) | (m << 29);
    return sign | ((e + 896) << 52) | (m << 29);
}

uint16_t fp32_to_fp16_bits(uint32_t f) noexcept {
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

uint16_t fp32_to_bf16_bits(uint32_t f) noexcept {
    if ((f & 0x7F800000u) == 0x7F800000u && (f & 0x7FFFFF)) return static_cast<uint16_t>((f >> 16) | 0x40);
    return static_cast<uint16_t>((uint64_t(f) + 0x7FFF + ((f >> 16) & 1)) >> 16);
}

bool fp32_to_fp16_exact(uint32_t f, uint16_t* h) noexcept {
    *h = fp32_to_fp16_bits(f);
    return fp16_to_fp32_bits(*h) == f;
}

bool fp64_to_fp32_exact(uint64_t d, uint32_t* f) noexcept {
    uint32_t sign = uint32_t(d >> 63) << 31;
    int e = int((d >> 52) & 0x7FF);
    uint64_t m = d & ((uint64_t(1) << 52) - 1);
    uint32_t cand;
    if (e == 0x7FF) {
        cand = sign | 0x7F800000u | uint32_t(m >> 29);
    } else if (e == 0) {
        cand = sign;  // only zero can be exact; subnormal fp64 fails the check below
    } else {
        int E = e - 1023;
        if (E > 127 || E < -149) return false;
        if (E >= -126) {
            cand = sign | (uint32_t(E + 127) << 23) | uint32_t(m >> 29);
        } else {
            uint64_t mant = m | (uint64_t(1) << 52);
            int sh = 52 - (E + 149);
            cand = sign | uint32_t(mant >> sh);
        }
    }
    *f = cand;
    return fp32_to_fp64_bits(cand) == d;
}

}  // namespace z4ai
