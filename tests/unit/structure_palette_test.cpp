// structure_palette_test.cpp - layout 5 (palette): few distinct values per chunk
// (all equal, 2, 3, 16, 256) round-trip through codebook + packed indices; 257
// distinct values or one odd value too many fall back; corrupt streams are errors.
#include <gtest/gtest.h>

#include "structure_support.hpp"
#include "transform/palette.hpp"
#include "util/status.hpp"

using namespace z4ai_test;

namespace {

// n fp32 elements drawn from `distinct` values of a per-tensor int8-like grid.
Bytes from_palette(size_t n, size_t distinct, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> values(distinct);
    for (size_t k = 0; k < distinct; ++k) values[k] = (float(k) - float(distinct / 2)) * 0.0037f;
    std::geometric_distribution<size_t> g(0.15);
    Bytes out;
    for (size_t i = 0; i < n; ++i) put<float>(out, values[g(rng) % distinct]);
    return out;
}

TEST(Palette, SplitMergeForEveryIndexWidth) {
    for (size_t distinct :
         {size_t(1), size_t(2), size_t(3), size_t(5), size_t(16), size_t(17), size_t(256)}) {
        Bytes src = from_palette(10001, distinct, uint32_t(distinct));
        z4ai::PaletteStreams p;
        ASSERT_TRUE(z4ai::palette_split(src.data(), src.size() / 4, 4, p)) << distinct;
        EXPECT_LE(p.count, distinct);
        EXPECT_EQ(p.bits, z4ai::palette_bits_for(p.count));
        Bytes out(src.size());
        z4ai::palette_merge(p.codebook.span(), p.indices.span(), p.bits, src.size() / 4, 4, out.data(), 0);
        EXPECT_EQ(out, src) << distinct;
    }
}

TEST(Palette, TooManyDistinctValuesFallBack) {
    Bytes src = from_palette(20000, 256, 1);
    // Exactly 256 distinct (all present) still fits.
    for (size_t k = 0; k < 256; ++k) {
        float v = (float(k) - 128.0f) * 0.0037f;
        std::memcpy(src.data() + 4 * k, &v, 4);
    }
    z4ai::PaletteStreams p;
    EXPECT_TRUE(z4ai::palette_split(src.data(), src.size() / 4, 4, p));
    EXPECT_EQ(p.count, 256u);
    float odd = 12345.0f;  // the 257th value, at the very end
    std::memcpy(src.data() + src.size() - 4, &odd, 4);
    EXPECT_FALSE(z4ai::palette_split(src.data(), src.size() / 4, 4, p));
    Compressed z = compress_with(src, Z4AI_DTYPE_FP32, true);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_FALSE(has_layout(z.frame, "palette"));
    EXPECT_EQ(decompress(z.frame).data, src);
}

TEST(Palette, ChosenForFewValuesInWideContainers) {
    for (int32_t dt : {Z4AI_DTYPE_FP32, Z4AI_DTYPE_FP64}) {
        Bytes base = from_palette(1 << 16, 3, 2), src;
        for (size_t i = 0; i < base.size(); i += 4) {
            float f;
            std::memcpy(&f, base.data() + i, 4);
            if (dt == Z4AI_DTYPE_FP64)
                put<double>(src, double(f) + 1e-12);  // not fp32 values: narrow cannot take them
            else
                put<float>(src, f);
        }
        Compressed z = compress_with(src, dt, true);
        Compressed off = compress_with(src, dt, true, false);
        ASSERT_EQ(z.status, Z4AI_OK);
        EXPECT_TRUE(has_layout(z.frame, "palette")) << describe(z.frame).substr(0, 400);
        EXPECT_LE(z.frame.size(), off.frame.size());
        EXPECT_EQ(decompress(z.frame).data, src);
    }
}

TEST(Palette, OneOddValueInAPaletteChunkRoundTrips) {
    Bytes src;
    for (int i = 0; i < 40000; ++i) put<uint16_t>(src, i % 3 ? 0x3C00 : 0xBC00);
    put<uint16_t>(src, 0x7E01);  // a NaN with a payload
    src.push_back(7);            // odd tail byte
    Compressed z = compress_with(src, Z4AI_DTYPE_BF16, true);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_EQ(decompress(z.frame).data, src);
}

void expect_corrupt(Bytes codebook, Bytes indices, unsigned bits, size_t n) {
    Bytes out(n * 2);
    try {
        z4ai::palette_merge(z4ai::Bytes(codebook), z4ai::Bytes(indices), bits, n, 2, out.data(), 0);
        ADD_FAILURE() << "accepted a corrupt palette";
    } catch (const z4ai::Error& e) {
        EXPECT_EQ(e.code(), z4ai::Code::corrupt);
    }
}

TEST(Palette, CorruptStreamsAreRejected) {
    Bytes book{1, 0, 2, 0, 3, 0};              // 1, 2, 3
    expect_corrupt({}, {0}, 2, 4);             // empty codebook
    expect_corrupt({1, 0, 2}, {0}, 2, 4);      // not whole elements
    expect_corrupt({2, 0, 1, 0}, {0}, 1, 8);   // not increasing
    expect_corrupt({1, 0, 1, 0}, {0}, 1, 8);   // duplicate entry
    expect_corrupt(book, {0}, 1, 8);           // 3 entries need more than 1 bit
    expect_corrupt(book, {0b11000000}, 2, 4);  // index 3 out of range
    expect_corrupt(book, {0, 0}, 2, 4);        // index stream size wrong
    expect_corrupt(book, {0b01000000}, 2, 3);  // padding bits set
}

}  // namespace
