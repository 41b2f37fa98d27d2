#include "transform/planes.hpp"

#include <bit>
#include <cstring>

#include "simd/dispatch.hpp"
#include "transform/planes_simd.hpp"
#include "util/le.hpp"

namespace z4ai {
namespace {

// Each loop body is branch-free and written per width so the compiler can
// vectorise it; explicit SIMD kernels live in planes_simd.cpp when present.
template <typename Word>
inline Word rotl1(Word w) {
    return static_cast<Word>((w << 1) | (w >> (sizeof(Word) * 8 - 1)));
}
template <typename Word>
inline Word rotr1(Word w) {
    return static_cast<Word>((w >> 1) | (w << (sizeof(Word) * 8 - 1)));
}

template <typename Word, bool Rotate>
void split_words(const uint8_t* in, size_t n, uint8_t* const* planes) {
    constexpr unsigned W = sizeof(Word);
    uint8_t* p[W];
    for (unsigned k = 0; k < W; ++k) p[k] = planes[k];
    for (size_t i = 0; i < n; ++i) {
        Word w;
        std::memcpy(&w, in + i * W, W);
        if constexpr (Rotate) w = rotl1(w);
        for (unsigned k = 0; k < W; ++k) p[k][i] = static_cast<uint8_t>(w >> (8 * k));
    }
}

template <typename Word, bool Rotate>
void merge_words(const uint8_t* const* planes, size_t n, uint8_t* out) {
    constexpr unsigned W = sizeof(Word);
    const uint8_t* p[W];
    for (unsigned k = 0; k < W; ++k) p[k] = planes[k];
    for (size_t i = 0; i < n; ++i) {
        Word w = 0;
        for (unsigned k = 0; k < W; ++k) w |= static_cast<Word>(static_cast<Word>(p[k][i]) << (8 * k));
        if constexpr (Rotate) w = rotr1(w);
        std::memcpy(out + i * W, &w, W);
    }
}

template <typename Word>
void split_dispatch(const uint8_t* in, size_t n, bool rotate, uint8_t* const* planes) {
    if (rotate)
        split_words<Word, true>(in, n, planes);
    else
        split_words<Word, false>(in, n, planes);
}
template <typename Word>
void merge_dispatch(const uint8_t* const* planes, size_t n, bool rotate, uint8_t* out) {
    if (rotate)
        merge_words<Word, true>(planes, n, out);
    else
        merge_words<Word, false>(planes, n, out);
}

// The vector kernels (planes_simd.cpp) handle a prefix of the elements; the
// portable loops do the rest (same bytes either way). Chosen once per process.
using SplitPrefixFn = size_t (*)(const uint8_t*, size_t, unsigned, bool, uint8_t* const*) noexcept;
using MergePrefixFn = size_t (*)(const uint8_t* const*, size_t, unsigned, bool, uint8_t*) noexcept;

size_t no_split_prefix(const uint8_t*, size_t, unsigned, bool, uint8_t* const*) noexcept { return 0; }
size_t no_merge_prefix(const uint8_t* const*, size_t, unsigned, bool, uint8_t*) noexcept { return 0; }

SplitPrefixFn select_split(simd::Level level) noexcept {
    return simd::pick<SplitPrefixFn>(level, simd::Level::avx2, detail::split_planes_avx2, no_split_prefix);
}
MergePrefixFn select_merge(simd::Level level) noexcept {
    if (level >= simd::Level::avx512) return detail::merge_planes_avx512;
    return level >= simd::Level::avx2 ? detail::merge_planes_avx2 : no_merge_prefix;
}

simd::Dispatched<SplitPrefixFn> g_split_prefix{select_split};
simd::Dispatched<MergePrefixFn> g_merge_prefix{select_merge};

// After a prefix kernel did `done` elements: true when that was all of them, else
// the plane pointers (into `rest`), the element pointer and the count move past them.
template <class P, class D>
bool skip_prefix(size_t done, unsigned width, size_t& elements, P* const*& planes, P** rest,
                 D*& data) noexcept {
    if (done == elements) return true;
    if (done) {
        for (unsigned k = 0; k < width; ++k) rest[k] = planes[k] + done;
        data += done * width;
        elements -= done;
        planes = rest;
    }
    return false;
}

}  // namespace

void split_planes(const uint8_t* in, size_t elements, unsigned width, bool rotate,
                  uint8_t* const* planes) noexcept {
    uint8_t* rest[8];
    if ((width == 2 || width == 4) && skip_prefix(g_split_prefix.get()(in, elements, width, rotate, planes),
                                                  width, elements, planes, rest, in))
        return;
    switch (width) {
        case 1:
            if (elements) std::memcpy(planes[0], in, elements);
            return;
        case 2: split_dispatch<uint16_t>(in, elements, rotate, planes); return;
        case 4: split_dispatch<uint32_t>(in, elements, rotate, planes); return;
        case 8: split_dispatch<uint64_t>(in, elements, rotate, planes); return;
    }
}

void merge_planes(const uint8_t* const* planes, size_t elements, unsigned width, bool rotate,
                  uint8_t* out) noexcept {
    const uint8_t* rest[8];
    if ((width == 2 || width == 4) && skip_prefix(g_merge_prefix.get()(planes, elements, width, rotate, out),
                                                  width, elements, planes, rest, out))
        return;
    switch (width) {
        case 1:
            if (elements) std::memcpy(out, planes[0], elements);
            return;
        case 2: merge_dispatch<uint16_t>(planes, elements, rotate, out); return;
        case 4: merge_dispatch<uint32_t>(planes, elements, rotate, out); return;
        case 8: merge_dispatch<uint64_t>(planes, elements, rotate, out); return;
    }
}

void split_planes_into(const uint8_t* in, size_t elements, unsigned width, bool rotate,
                       uint8_t* area) noexcept {
    uint8_t* planes[8];
    for (unsigned k = 0; k < width; ++k) planes[k] = area + k * elements;
    split_planes(in, elements, width, rotate, planes);
}

void merge_planes_from(const uint8_t* area, size_t elements, unsigned width, bool rotate,
                       uint8_t* out) noexcept {
    const uint8_t* planes[8];
    for (unsigned k = 0; k < width; ++k) planes[k] = area + k * elements;
    merge_planes(planes, elements, width, rotate, out);
}

}  // namespace z4ai
