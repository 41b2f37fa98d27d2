// structure_narrow_test.cpp - layout 3 (narrow): float conversions, exact round
// trips with exceptions (NaN payloads, -0.0, denormals, infinities, one stray
// bit in a dead mantissa), the chosen layout, and corrupt streams.
#include <gtest/gtest.h>

#include <limits>

#include "structure_support.hpp"
#include "transform/exception_list.hpp"
#include "transform/narrow.hpp"
#include "util/status.hpp"

using namespace z4ai_test;

namespace {

// Reference fp16 value by arithmetic (independent of floatbits.cpp).
double fp16_reference(uint16_t h) {
    int e = (h >> 10) & 0x1F, m = h & 0x3FF;
    double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (e == 0) return sign * std::ldexp(double(m), -24);
    if (e == 31) return m ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
    return sign * std::ldexp(double(1024 + m), e - 25);
}

TEST(FloatBits, Fp16WidensExactlyAndNarrowsBack) {
    for (uint32_t h = 0; h < 65536; ++h) {
        uint32_t f = z4ai::fp16_to_fp32_bits(static_cast<uint16_t>(h));
        double ref = fp16_reference(static_cast<uint16_t>(h));
        if (std::isnan(ref)) {
            EXPECT_EQ(f & 0x7F800000u, 0x7F800000u);
            EXPECT_EQ((f & 0x7FFFFF) >> 13, h & 0x3FFu);
        } else {
            EXPECT_EQ(double(z4ai::f32_from_bits(f)), ref) << h;
        }
        uint16_t back = 0;
        EXPECT_TRUE(z4ai::fp32_to_fp16_exact(f, &back) || ((h & 0x7C00) == 0x7C00 && !(h & 0x200))) << h;
        if (!std::isnan(ref)) {
            EXPECT_EQ(back, h);
        }
    }
}

TEST(FloatBits, Fp32ToFp16RoundsToNearestEven) {
    std::mt19937 rng(3);
    for (int i = 0; i < 200000; ++i) {
        uint32_t f = rng();
        float x = z4ai::f32_from_bits(f);
        if (std::isnan(x)) continue;
        uint16_t h = z4ai::fp32_to_fp16_bits(f);
        double got = fp16_reference(h);
        // Neighbours of the result must not be closer (ties to even).
        double err = std::fabs(got - double(x));
        if (std::isinf(got)) {
            EXPECT_GE(std::fabs(double(x)), 65520.0) << f;
            continue;
        }
        uint16_t mag = h & 0x7FFF;
        for (int d : {-1, 1}) {
            if ((mag == 0 && d < 0) || mag + d >= 0x7C00) continue;
            uint16_t n = static_cast<uint16_t>((h & 0x8000) | (mag + d));
            double e2 = std::fabs(fp16_reference(n) - double(x));
            EXPECT_TRUE(e2 > err || (e2 == err && (h & 1) == 0)) << f;
        }
    }
}

TEST(FloatBits, Fp32ToFp64IsExactIncludingSubnormalsAndNaN) {
    std::mt19937 rng(4);
    for (int i = 0; i < 200000; ++i) {
        uint32_t f = i < 1000 ? uint32_t(i) : rng();  // the smallest subnormals too
        uint64_t d = z4ai::fp32_to_fp64_bits(f);
        float x = z4ai::f32_from_bits(f);
        if (!std::isnan(x)) {
            EXPECT_EQ(z4ai::f64_from_bits(d), double(x)) << f;
        }
        uint32_t back = 0;
        EXPECT_TRUE(z4ai::fp64_to_fp32_exact(d, &back)) << f;
        EXPECT_EQ(back, f);
    }
    uint32_t out;
    EXPECT_FALSE(z4ai::fp64_to_fp32_exact(z4ai::f64_bits(0.1), &out));
    EXPECT_FALSE(z4ai::fp64_to_fp32_exact(z4ai::f64_bits(1e300), &out));
    EXPECT_FALSE(z4ai::fp64_to_fp32_exact(z4ai::f64_bits(1e-300), &out));
    EXPECT_FALSE(z4ai::fp64_to_fp32_exact(1, &out));  // fp64 subnormal
}

// fp32 values holding bf16 (low 16 bits zero), with the awkward ones mixed in.
Bytes upcast_bf16_with_oddities(size_t n, uint32_t seed) {
    std::vector<float> w = gaussian(n, seed);
    Bytes out;
    for (size_t i = 0; i < n; ++i)
        put<uint32_t>(out, uint32_t(z4ai::fp32_to_bf16_bits(z4ai::f32_bits(w[i]))) << 16);
    const uint32_t odd[] = {0x80000000u /* -0.0 */,
                            0x7F800000u /* inf */,
                            0xFF800000u,
                            0x7FC00000u /* NaN */,
                            0x7FC00001u /* NaN with a low payload bit: exception */,
                            0xFFFF0000u,
                            0x00010000u /* subnormal, fits */,
                            0x00000001u /* smallest subnormal: exception */,
                            0x3F800001u /* 1.0 + one stray bit: exception */};
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; ++k)
        std::memcpy(out.data() + 4 * (37 * k + 11), &odd[k], 4);
    return out;
}

TEST(Narrow, UpcastBf16UsesNarrowAndRoundTripsWithExceptions) {
    Bytes src = upcast_bf16_with_oddities(1 << 16, 1);
    Compressed z = compress_with(src, Z4AI_DTYPE_FP32, true);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_TRUE(has_layout(z.frame, "narrow")) << describe(z.frame);
    EXPECT_NE(describe(z.frame).find("fp32-as-bf16"), std::string::npos);
    Compressed off = compress_with(src, Z4AI_DTYPE_FP32, true, false);
    // Rotated planes already see the zero low half (sign in plane 0, plane 1 constant);
    // narrow also drops the sign plane's 7 dead bits.
    EXPECT_LT(z.frame.size(), off.frame.size());
    Decompressed back = decompress(z.frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, src);
}

TEST(Narrow, UpcastFp16UsesFp16ModeIncludingSubnormals) {
    std::vector<float> w = gaussian(1 << 16, 2);
    Bytes src;
    for (size_t i = 0; i < w.size(); ++i) {
        float v = w[i];
        if (i % 1000 == 5) v = std::ldexp(float(i % 7 + 1), -24);  // fp16 subnormals
        if (i % 1000 == 6) v = 65504.0f;
        put<uint32_t>(src, z4ai::fp16_to_fp32_bits(z4ai::fp32_to_fp16_bits(z4ai::f32_bits(v))));
    }
    put<uint32_t>(src, 0x3F800001u);  // one element that is not an fp16 value
    Compressed z = compress_with(src, Z4AI_DTYPE_FP32, true);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_NE(describe(z.frame).find("fp32-as-fp16"), std::string::npos) << describe(z.frame);
    Decompressed back = decompress(z.frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, src);
}

TEST(Narrow, Fp64HoldingFp32UsesNarrowAndKeepsOddTail) {
    std::vector<float> w = gaussian(1 << 15, 3);
    Bytes src;
    for (float v : w) put<double>(src, double(v));
    put<double>(src, 0.1);                      // not an fp32 value: exception
    put<uint64_t>(src, 0x7FF8000000000001ull);  // NaN with a low payload bit
    put<double>(src, double(std::numeric_limits<float>::denorm_min()));
    src.push_back(0xAB);  // odd tail byte
    Compressed z = compress_with(src, Z4AI_DTYPE_FP64, true);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_NE(describe(z.frame).find("fp64-as-fp32"), std::string::npos) << describe(z.frame);
    Decompressed back = decompress(z.frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, src);
}

TEST(Narrow, DenseFp32FallsBackToPlanesAtNoCost) {
    Bytes src = weights(Z4AI_DTYPE_FP32, 1 << 18);
    Compressed on = compress_with(src, Z4AI_DTYPE_FP32, true);
    Compressed off = compress_with(src, Z4AI_DTYPE_FP32, true, false);
    ASSERT_EQ(on.status, Z4AI_OK);
    EXPECT_FALSE(has_layout(on.frame, "narrow"));
    EXPECT_LE(on.frame.size(), off.frame.size());
}

TEST(Narrow, SplitMergeRoundTripsAdversarialBits) {
    std::mt19937 rng(5);
    for (uint8_t mode = 1; mode <= 3; ++mode) {
        auto m = static_cast<z4ai::NarrowMode>(mode);
        unsigned w = z4ai::narrow_wide_width(m), nw = z4ai::narrow_narrow_width(m);
        size_t n = 5000;
        Bytes src(n * w);
        for (size_t i = 0; i < n; ++i) {
            uint64_t r = (uint64_t(rng()) << 32) | rng();
            if (i % 3 == 0) r &= w == 4 ? 0xFFFF0000ull : 0xFFFFFFFFE0000000ull;  // many fit
            std::memcpy(src.data() + i * w, &r, w);
        }
        Bytes narrow(n * nw);
        z4ai::Buffer index, values;
        size_t misses = z4ai::narrow_split(src.data(), n, m, narrow.data(), index, values);
        EXPECT_EQ(misses, values.size() / w);
        EXPECT_EQ(misses, z4ai::narrow_count_misses(src.data(), n, m, n));
        Bytes out(n * w);
        z4ai::narrow_merge(narrow.data(), n, m, index.span(), values.span(), out.data(), 0);
        EXPECT_EQ(out, src) << int(mode);
    }
}

TEST(Narrow, CorruptExceptionStreamsAreRejected) {
    const size_t n = 8;
    Bytes narrow(n * 2, 0), out(n * 4);
    uint8_t value[4] = {1, 2, 3, 4};
    auto expect_corrupt = [&](Bytes index, size_t values) {
        Bytes vals;
        for (size_t k = 0; k < values; ++k) vals.insert(vals.end(), value, value + 4);
        try {
            z4ai::narrow_merge(narrow.data(), n, z4ai::NarrowMode::fp32_as_bf16, z4ai::Bytes(index),
                               z4ai::Bytes(vals), out.data(), 0);
            ADD_FAILURE() << "accepted a corrupt exception list";
        } catch (const z4ai::Error& e) {
            EXPECT_EQ(e.code(), z4ai::Code::corrupt);
        }
    };
    expect_corrupt({8}, 1);      // position out of range
    expect_corrupt({1, 6}, 1);   // two positions, one value
    expect_corrupt({1}, 2);      // one position, two values
    expect_corrupt({0x80}, 1);   // truncated varint
    expect_corrupt({2, 5}, 2);   // second position 2+1+5 = 8: out of range
    Bytes partial_values(3, 0);  // not a whole element
    try {
        z4ai::narrow_merge(narrow.data(), n, z4ai::NarrowMode::fp32_as_bf16, z4ai::Bytes(),
                           z4ai::Bytes(partial_values), out.data(), 0);
        ADD_FAILURE();
    } catch (const z4ai::Error& e) {
        EXPECT_EQ(e.code(), z4ai::Code::corrupt);
    }
}

}  // namespace
