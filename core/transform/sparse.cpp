#include "transform/sparse.hpp"

#include <bit>
#include <cstring>

namespace z4ai {
namespace {

inline bool element_is_zero(const uint8_t* p, unsigned width) {
    switch (width) {
        case 1: return p[0] == 0;
        case 2: {
            uint16_t v;
            std::memcpy(&v, p, 2);
            return v == 0;
        }
        case 4: {
            uint32_t v;
            std::memcpy(&v, p, 4);
            return v == 0;
        }
        case 8: {
            uint64_t v;
            std::memcpy(&v, p, 8);
            return v == 0;
        }
    }
    for (unsigned k = 0; k < width; ++k)
        if (p[k]) return false;
    return true;
}

}  // namespace

// Typed loop per width: the compiler vectorises it (this runs on every chunk).
template <typename Word>
size_t count_zero_words(const uint8_t* in, size_t elements) noexcept {
    size_t zeros = 0;
    for (size_t i = 0; i < elements; ++i) {
        Word v;
        std::memcpy(&v, in + i * sizeof(Word), sizeof(Word));
        zeros += v == 0;
    }
    return zeros;
}

size_t count_zero_elements(const uint8_t* in, size_t elements, unsigned width) noexcept {
    switch (width) {
        case 1: return count_zero_words<uint8_t>(in, elements);
        case 2: return count_zero_words<uint16_t>(in, elements);
        case 4: return count_zero_words<uint32_t>(in, elements);
        case 8: return count_zero_words<uint64_t>(in, elements);
    }
    size_t zeros = 0;
    for (size_t i = 0; i < elements; ++i) zeros += element_is_zero(in + i * width, width);
    return zeros;
}

size_t sparse_split(const uint8_t* in, size_t elements, unsigned width, uint8_t* bitmap,
                    uint8_t* values) noexcept {
    std::memset(bitmap, 0, sparse_bitmap_size(elements));
    size_t nnz = 0;
    for (size_t i = 0; i < elements; ++i) {
        const uint8_t* e = in + i * width;
        if (!element_is_zero(e, width)) {
            bitmap[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
            std::memcpy(values + nnz * width, e, width);
            ++nnz;
        }
    }
    return nnz;
}

size_t sparse_popcount(const uint8_t* bitmap, size_t elements, bool* trailing_bits_clear) noexcept {
    size_t full = elements / 8, count = 0;
    for (size_t i = 0; i < full; ++i) count += std::popcount(static_cast<unsigned>(bitmap[i]));
    bool clear = true;
    if (elements % 8) {
        unsigned last = bitmap[full];
        unsigned mask = (1u << (elements % 8)) - 1;
        count += std::popcount(last & mask);
        clear = (last & ~mask) == 0;
    }
    *trailing_bits_clear = clear;
    return count;
}

void sparse_merge(const uint8_t* bitmap, const uint8_t* values, size_t elements, unsigned width,
                  uint8_t* out) noexcept {
    std::memset(out, 0, elements * width);
    size_t v = 0;
    for (size_t byte = 0; byte * 8 < elements; ++byte) {
        unsigned bits = bitmap[byte];
        while (bits) {
            unsigned b = static_cast<unsigned>(std::countr_zero(bits));
            bits &= bits - 1;
            std::memcpy(out + (byte * 8 + b) * width, values + v * width, width);
            ++v;
        }
    }
}

}  // namespace z4ai
