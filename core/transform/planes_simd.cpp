#include "transform/planes_simd.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

namespace z4ai::detail {
namespace {

#define Z4AI_AVX2 __attribute__((target("avx2")))
#define Z4AI_AVX512 __attribute__((target("avx512f,avx512bw")))

Z4AI_AVX2 inline __m256i rotr16(__m256i x, bool rotate) {
    return rotate ? _mm256_or_si256(_mm256_srli_epi16(x, 1), _mm256_slli_epi16(x, 15)) : x;
}
Z4AI_AVX2 inline __m256i rotr32(__m256i x, bool rotate) {
    return rotate ? _mm256_or_si256(_mm256_srli_epi32(x, 1), _mm256_slli_epi32(x, 31)) : x;
}
Z4AI_AVX2 inline __m256i rotl16(__m256i x, bool rotate) {
    return rotate ? _mm256_or_si256(_mm256_slli_epi16(x, 1), _mm256_srli_epi16(x, 15)) : x;
}
Z4AI_AVX2 inline __m256i rotl32(__m256i x, bool rotate) {
    return rotate ? _mm256_or_si256(_mm256_slli_epi32(x, 1), _mm256_srli_epi32(x, 31)) : x;
}
Z4AI_AVX2 inline __m256i load(const uint8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
Z4AI_AVX2 inline void store(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }

template <bool Rotate>
Z4AI_AVX2 size_t merge2_avx2(const uint8_t* p0, const uint8_t* p1, size_t n, uint8_t* out) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i a = load(p0 + i), b = load(p1 + i);
        const __m256i lo = rotr16(_mm256_unpacklo_epi8(a, b), Rotate);  // elements 0-7 | 16-23
        const __m256i hi = rotr16(_mm256_unpackhi_epi8(a, b), Rotate);  // elements 8-15 | 24-31
        store(out + 2 * i, _mm256_permute2x128_si256(lo, hi, 0x20));
        store(out + 2 * i + 32, _mm256_permute2x128_si256(lo, hi, 0x31));
    }
    return i;
}

template <bool Rotate>
Z4AI_AVX2 size_t merge4_avx2(const uint8_t* const* p, size_t n, uint8_t* out) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i a0 = load(p[0] + i), a1 = load(p[1] + i), a2 = load(p[2] + i), a3 = load(p[3] + i);
        const __m256i t0 = _mm256_unpacklo_epi8(a0, a1), t1 = _mm256_unpackhi_epi8(a0, a1);
        const __m256i t2 = _mm256_unpacklo_epi8(a2, a3), t3 = _mm256_unpackhi_epi8(a2, a3);
        const __m256i u0 = rotr32(_mm256_unpacklo_epi16(t0, t2), Rotate);  // 0-3 | 16-19
        const __m256i u1 = rotr32(_mm256_unpackhi_epi16(t0, t2), Rotate);  // 4-7 | 20-23
        const __m256i u2 = rotr32(_mm256_unpacklo_epi16(t1, t3), Rotate);  // 8-11 | 24-27
        const __m256i u3 = rotr32(_mm256_unpackhi_epi16(t1, t3), Rotate);  // 12-15 | 28-31
        uint8_t* o = out + 4 * i;
        store(o, _mm256_permute2x128_si256(u0, u1, 0x20));
        store(o + 32, _mm256_permute2x128_si256(u2, u3, 0x20));
        store(o + 64, _mm256_permute2x128_si256(u0, u1, 0x31));
        store(o + 96, _mm256_permute2x128_si256(u2, u3, 0x31));
    }
    return i;
}

template <bool Rotate>
Z4AI_AVX2 size_t split2_avx2(const uint8_t* in, size_t n, uint8_t* p0, uint8_t* p1) {
    // Per 128-bit lane: low bytes of the 8 words first, then the high bytes.
    const __m256i gather = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6,
                                            8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i x0 = _mm256_shuffle_epi8(rotl16(load(in + 2 * i), Rotate), gather);
        __m256i x1 = _mm256_shuffle_epi8(rotl16(load(in + 2 * i + 32), Rotate), gather);
        x0 = _mm256_permute4x64_epi64(x0, 0xD8);  // lo 0-7, lo 8-15, hi 0-7, hi 8-15
        x1 = _mm256_permute4x64_epi64(x1, 0xD8);
        store(p0 + i, _mm256_permute2x128_si256(x0, x1, 0x20));
        store(p1 + i, _mm256_permute2x128_si256(x0, x1, 0x31));
    }
    return i;
}

template <bool Rotate>
Z4AI_AVX2 size_t split4_avx2(const uint8_t* in, size_t n, uint8_t* const* p) {
    // Per lane: byte k of the 4 words at 4k..4k+3.
    const __m256i gather = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4, 8, 12,
                                            1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        // 16 words -> two vectors; after the shuffle and cross-lane permute each
        // holds, per plane k, 4 bytes of words 0-7 (x0) or 8-15 (x1) at dword k, k+4.
        __m256i x0 = _mm256_shuffle_epi8(rotl32(load(in + 4 * i), Rotate), gather);
        __m256i x1 = _mm256_shuffle_epi8(rotl32(load(in + 4 * i + 32), Rotate), gather);
        x0 = _mm256_permutevar8x32_epi32(x0, order);  // plane0 w0-7 (8 B), plane1 ..., plane3
        x1 = _mm256_permutevar8x32_epi32(x1, order);
        const __m256i lo = _mm256_unpacklo_epi64(x0, x1);  // plane0 w0-15 | plane2 w0-15
        const __m256i hi = _mm256_unpackhi_epi64(x0, x1);  // plane1 w0-15 | plane3 w0-15
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p[0] + i), _mm256_castsi256_si128(lo));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p[2] + i), _mm256_extracti128_si256(lo, 1));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p[1] + i), _mm256_castsi256_si128(hi));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p[3] + i), _mm256_extracti128_si256(hi, 1));
    }
    return i;
}

template <bool Rotate>
Z4AI_AVX512 size_t merge2_avx512(const uint8_t* p0, const uint8_t* p1, size_t n, uint8_t* out) {
    const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512i a = _mm512_loadu_si512(p0 + i), b = _mm512_loadu_si512(p1 + i);
        __m512i lo = _mm512_unpacklo_epi8(a, b), hi = _mm512_unpackhi_epi8(a, b);
        if (Rotate) {
            lo = _mm512_or_si512(_mm512_srli_epi16(lo, 1), _mm512_slli_epi16(lo, 15));
            hi = _mm512_or_si512(_mm512_srli_epi16(hi, 1), _mm512_slli_epi16(hi, 15));
        }
        _mm512_storeu_si512(out + 2 * i, _mm512_permutex2var_epi64(lo, first, hi));
        _mm512_storeu_si512(out + 2 * i + 64, _mm512_permutex2var_epi64(lo, second, hi));
    }
    return i;
}

}  // namespace

size_t merge_planes_avx2(const uint8_t* const* planes, size_t elements, unsigned width, bool rotate,
                         uint8_t* out) noexcept {
    if (width == 2)
        return rotate ? merge2_avx2<true>(planes[0], planes[1], elements, out)
                      : merge2_avx2<false>(planes[0], planes[1], elements, out);
    if (width == 4)
        return rotate ? merge4_avx2<true>(planes, elements, out) : merge4_avx2<false>(planes, elements, out);
    return 0;
}

size_t merge_planes_avx512(const uint8_t* const* planes, size_t elements, unsigned width, bool rotate,
                           uint8_t* out) noexcept {
    if (width == 2)
        return rotate ? merge2_avx512<true>(planes[0], planes[1], elements, out)
                      : merge2_avx512<false>(planes[0], planes[1], elements, out);
    return merge_planes_avx2(planes, elements, width, rotate, out);
}

size_t split_planes_avx2(const uint8_t* in, size_t elements, unsigned width, bool rotate,
                         uint8_t* const* planes) noexcept {
    if (width == 2)
        return rotate ? split2_avx2<true>(in, elements, planes[0], planes[1])
                      : split2_avx2<false>(in, elements, planes[0], planes[1]);
    if (width == 4)
        return rotate ? split4_avx2<true>(in, elements, planes) : split4_avx2<false>(in, elements, planes);
    return 0;
}

}  // namespace z4ai::detail

#else  // not x86-64: no vector kernels, the portable loops do everything

namespace z4ai::detail {
size_t merge_planes_avx2(const uint8_t* const*, size_t, unsigned, bool, uint8_t*) noexcept { return 0; }
size_t merge_planes_avx512(const uint8_t* const*, size_t, unsigned, bool, uint8_t*) noexcept { return 0; }
size_t split_planes_avx2(const uint8_t*, size_t, unsigned, bool, uint8_t* const*) noexcept { return 0; }
}  // namespace z4ai::detail

#endif
