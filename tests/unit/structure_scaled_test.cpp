// structure_scaled_test.cpp - layout 4 (scaled-int): per-row and group-wise
// int8/int4 values dequantized into fp16/bf16/fp32 are found and re-derived
// bit-exactly; odd elements become exceptions; corrupt streams are errors.
#include <gtest/gtest.h>

#include <limits>

#include "structure_support.hpp"
#include "transform/exception_list.hpp"
#include "transform/scaled.hpp"
#include "util/status.hpp"

using namespace z4ai_test;

namespace {

int32_t dtype_of(Container c) {
    return c == Container::fp16 ? Z4AI_DTYPE_FP16 : c == Container::bf16 ? Z4AI_DTYPE_BF16 : Z4AI_DTYPE_FP32;
}

void expect_scaled_roundtrip(const Bytes& src, Container c, double min_gain_over_planes) {
    Compressed on = compress_with(src, dtype_of(c), true);
    Compressed off = compress_with(src, dtype_of(c), true, false);
    ASSERT_EQ(on.status, Z4AI_OK);
    EXPECT_TRUE(has_layout(on.frame, "scaled-int")) << describe(on.frame).substr(0, 600);
    EXPECT_LT(double(on.frame.size()) * min_gain_over_planes, double(off.frame.size()));
    Decompressed back = decompress(on.frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, src);
}

TEST(ScaledInt, Int8PerRowInFp16) {
    expect_scaled_roundtrip(quantized(700, 384, 384, 8, Container::fp16, 1), Container::fp16, 1.7);
}
TEST(ScaledInt, Int4PerRowInFp16) {
    expect_scaled_roundtrip(quantized(700, 384, 384, 4, Container::fp16, 2), Container::fp16, 1.6);
}
TEST(ScaledInt, Int4GroupsOf128InFp16) {
    expect_scaled_roundtrip(quantized(300, 1000, 128, 4, Container::fp16, 3), Container::fp16, 1.6);
}
TEST(ScaledInt, Int8PerRowInFp32) {
    expect_scaled_roundtrip(quantized(300, 1536, 1536, 8, Container::fp32, 4), Container::fp32, 3.0);
}
TEST(ScaledInt, Int4PerRowInBf16) {
    expect_scaled_roundtrip(quantized(700, 384, 384, 4, Container::bf16, 5), Container::bf16, 1.4);
}
TEST(ScaledInt, ShortRowsOf27) {
    expect_scaled_roundtrip(quantized(8000, 27, 27, 4, Container::fp16, 6), Container::fp16, 1.2);
}

TEST(ScaledInt, OddElementsBecomeExceptionsAndRoundTrip) {
    Bytes src = quantized(600, 384, 384, 8, Container::fp16, 7);
    std::mt19937 rng(8);
    const uint16_t odd[] = {
        0x8000 /* -0.0 */,        0x7C00 /* inf */,       0xFC00, 0x7E00 /* NaN */,
        0x7D55 /* NaN payload */, 0x0001 /* subnormal */, 0x3C00 /* 1.0: far off scale */};
    for (size_t k = 0; k < 200; ++k) {
        size_t at = 2 * (rng() % (src.size() / 2));
        uint16_t v;
        if (k < sizeof odd / sizeof odd[0]) {
            v = odd[k];
        } else {
            std::memcpy(&v, src.data() + at, 2);
            v ^= 1;  // near miss: one ulp off the scaled value
        }
        std::memcpy(src.data() + at, &v, 2);
    }
    Compressed z = compress_with(src, Z4AI_DTYPE_FP16, true);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_TRUE(has_layout(z.frame, "scaled-int"));
    Decompressed back = decompress(z.frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, src);
}

TEST(ScaledInt, MixedChunkWithDenseRunsRoundTrips) {
    Bytes q = quantized(400, 384, 384, 4, Container::fp16, 9);
    Bytes dense = weights(Z4AI_DTYPE_FP16, 40000, 10);
    Bytes src;
    src.insert(src.end(), dense.begin(), dense.begin() + 1536);  // a 1-D tensor first
    src.insert(src.end(), q.begin(), q.begin() + q.size() / 2);
    src.insert(src.end(), dense.begin(), dense.end());
    src.insert(src.end(), q.begin() + q.size() / 2, q.end());
    for (size_t split : {size_t(0), size_t(4096)}) {
        Compressed z = compress_with(src, Z4AI_DTYPE_FP16, true, true, Z4AI_EFFORT_DEFAULT, split);
        ASSERT_EQ(z.status, Z4AI_OK);
        Decompressed back = decompress(z.frame);
        ASSERT_EQ(back.status, Z4AI_OK);
        EXPECT_EQ(back.data, src);
    }
}

TEST(ScaledInt, AllZerosAndConstantChunksRoundTrip) {
    for (uint16_t v : {uint16_t(0), uint16_t(0x3C00), uint16_t(0x8000)}) {
        Bytes src;
        for (int i = 0; i < 50000; ++i) put<uint16_t>(src, v);
        Compressed z = compress_with(src, Z4AI_DTYPE_FP16, true);
        ASSERT_EQ(z.status, Z4AI_OK);
        EXPECT_LT(z.frame.size(), 200u);
        Decompressed back = decompress(z.frame);
        EXPECT_EQ(back.data, src);
    }
}

TEST(ScaledInt, SplitMergeIsExactOnEveryContainer) {
    for (Container c : {Container::fp16, Container::bf16, Container::fp32}) {
        auto sc = c == Container::fp16   ? z4ai::ScaledContainer::fp16
                  : c == Container::bf16 ? z4ai::ScaledContainer::bf16
                                         : z4ai::ScaledContainer::fp32;
        Bytes src = quantized(64, 384, 128, 8, c, 11);
        unsigned w = z4ai::scaled_width(sc);
        size_t n = src.size() / w;
        src[w * 100] ^= 0x01;  // a near miss
        z4ai::ScaledStreams st;
        ASSERT_TRUE(z4ai::scaled_split(src.data(), n, sc, st));
        EXPECT_GE(st.exceptions + st.raw_count, 1u);
        EXPECT_EQ(st.raw.size(), st.raw_count * w);
        Bytes out(src.size());
        z4ai::scaled_merge(st.lengths.span(), st.scales.span(), st.q.span(), st.index.span(), st.raw.span(),
                           n, sc, out.data(), 0);
        EXPECT_EQ(out, src);
    }
}

TEST(ScaledInt, DenseDataIsNotTakenForScaledIntegers) {
    for (int32_t dt : {Z4AI_DTYPE_FP16, Z4AI_DTYPE_FP32}) {
        Bytes src = weights(dt, 1 << 18, 12);
        z4ai::ScaledStreams st;
        auto sc = dt == Z4AI_DTYPE_FP16 ? z4ai::ScaledContainer::fp16 : z4ai::ScaledContainer::fp32;
        EXPECT_FALSE(z4ai::scaled_split(src.data(), src.size() / z4ai::scaled_width(sc), sc, st));
    }
}

// Hand-built streams for the corruption checks: 2 segments of 4 elements.
struct Streams {
    Bytes lengths{4, 4};
    Bytes scales = [] {
        Bytes s(8, 0);
        uint32_t a = z4ai::f32_bits(0.01f), b = 0;  // segment 1 scaled, segment 2 raw
        for (int k = 0; k < 4; ++k)
            s[k * 2 + 0] = uint8_t(a >> (8 * k)), s[k * 2 + 1] = uint8_t(b >> (8 * k));
        return s;
    }();
    Bytes q{1, 2, 0xFF, 0};
    Bytes index;
    Bytes raw = Bytes(8, 0x11);
};

void expect_corrupt(const Streams& s) {
    Bytes out(16);
    try {
        z4ai::scaled_merge(z4ai::Bytes(s.lengths), z4ai::Bytes(s.scales), z4ai::Bytes(s.q),
                           z4ai::Bytes(s.index), z4ai::Bytes(s.raw), 8, z4ai::ScaledContainer::fp16,
                           out.data(), 0);
        ADD_FAILURE() << "accepted corrupt scaled-int streams";
    } catch (const z4ai::Error& e) {
        EXPECT_EQ(e.code(), z4ai::Code::corrupt);
    }
}

TEST(ScaledInt, CorruptStreamsAreRejected) {
    {
        Streams s;  // the valid baseline decodes
        Bytes out(16);
        z4ai::scaled_merge(z4ai::Bytes(s.lengths), z4ai::Bytes(s.scales), z4ai::Bytes(s.q),
                           z4ai::Bytes(s.index), z4ai::Bytes(s.raw), 8, z4ai::ScaledContainer::fp16,
                           out.data(), 0);
    }
    Streams s;
    s.lengths = {4, 5};  // sums past the block
    expect_corrupt(s);
    s = Streams{};
    s.lengths = {4, 3};  // short of the block
    expect_corrupt(s);
    s = Streams{};
    s.lengths = {0, 4, 4};  // zero-length segment
    expect_corrupt(s);
    s = Streams{};
    for (int k = 0; k < 4; ++k) s.scales[k * 2] = k == 3 ? 0x80 : 0;  // -0.0 flag on a zero scale
    expect_corrupt(s);
    s = Streams{};
    s.scales[3 * 2] = 0x7F, s.scales[2 * 2] = 0xC0;  // NaN scale
    expect_corrupt(s);
    s = Streams{};
    s.q.pop_back();  // integer stream short
    expect_corrupt(s);
    s = Streams{};
    s.q.push_back(0);  // integer stream too long
    expect_corrupt(s);
    s = Streams{};
    s.index = {5};  // exception inside the raw segment
    expect_corrupt(s);
    s = Streams{};
    s.index = {1};  // exception without a raw value left
    expect_corrupt(s);
    s = Streams{};
    s.raw.pop_back();  // not whole elements
    expect_corrupt(s);
    s = Streams{};
    s.scales.pop_back();  // scales do not match the segment count
    expect_corrupt(s);
}

}  // namespace
