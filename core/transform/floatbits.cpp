#include "transform/floatbits.hpp"

namespace z4ai {

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
