// tiers_test.cpp - the planner's contracts through the C ABI: every tier
// round-trips every float dtype on weight-like, upcast, quantized and
// repetitive data; max is never larger than default; and frames and decoded
// bytes are identical at every SIMD level (scalar, AVX2, AVX-512).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../unit/test_support.hpp"
#include "simd/cpu.hpp"

using namespace z4ai_test;

namespace {

struct CapGuard {
    ~CapGuard() { z4ai::simd::set_cap(z4ai::simd::Level::avx512); }
};

// Weight-like data with structure the planner should find: a plain region, an
// upcast region (low bytes zero), a quantized region (few distinct values) and
// a repeated pattern (zstd territory).
Bytes mixed(int32_t dtype, size_t bytes, uint32_t seed) {
    Bytes out = weights(dtype, bytes, seed);
    const size_t w = z4ai_dtype_width(dtype);
    const size_t n = bytes / w, q = n / 4;
    std::mt19937 rng(seed);
    for (size_t i = q; i < 2 * q; ++i) out[i * w] = 0;  // lowest byte zero
    for (size_t i = 2 * q; i < 3 * q; ++i) std::memcpy(&out[i * w], &out[(2 * q + rng() % 16) * w], w);
    for (size_t i = 3 * q; i < n; ++i) std::memcpy(&out[i * w], &out[(3 * q + i % 97) * w], w);
    return out;
}

const int32_t kFloatDtypes[] = {Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP16, Z4AI_DTYPE_FP32, Z4AI_DTYPE_FP64};
const int kEfforts[] = {Z4AI_EFFORT_FAST, Z4AI_EFFORT_DEFAULT, Z4AI_EFFORT_MAX};

TEST(Tiers, MaxIsNeverLargerThanDefault) {
    for (int32_t dtype : kFloatDtypes)
        for (size_t size : {size_t(70000), size_t(250000)})
            for (uint32_t seed : {1u}) {
                for (const Bytes& src : {weights(dtype, size, seed), mixed(dtype, size, seed)}) {
                    Compressed d = compress(src, dtype, Z4AI_EFFORT_DEFAULT, 65536);
                    Compressed m = compress(src, dtype, Z4AI_EFFORT_MAX, 65536);
                    ASSERT_EQ(d.status, Z4AI_OK);
                    ASSERT_EQ(m.status, Z4AI_OK);
                    EXPECT_LE(m.frame.size(), d.frame.size()) << z4ai_dtype_name(dtype) << " size " << size;
                    EXPECT_EQ(decompress(m.frame).data, src);
                }
            }
}

TEST(Tiers, DefaultCompressesWeightsLikeAnEntropyCoder) {
    // bf16 Gaussian weights: the exponent plane is ~3 bits, the rest random.
    Bytes src = weights(Z4AI_DTYPE_BF16, 1 << 20, 5);
    Compressed d = compress(src, Z4AI_DTYPE_BF16, Z4AI_EFFORT_DEFAULT);
    ASSERT_EQ(d.status, Z4AI_OK);
    EXPECT_GT(double(src.size()) / double(d.frame.size()), 1.40);
}

TEST(Tiers, FramesAndOutputsIdenticalAtEverySimdLevel) {
    CapGuard guard;
    for (int32_t dtype : kFloatDtypes)
        for (int effort : kEfforts) {
            Bytes src = mixed(dtype, 140000 + 6, 3);
            Bytes reference_frame;
            for (auto level :
                 {z4ai::simd::Level::scalar, z4ai::simd::Level::avx2, z4ai::simd::Level::avx512}) {
                z4ai::simd::set_cap(level);
                Compressed c = compress(src, dtype, effort, 65536);
                ASSERT_EQ(c.status, Z4AI_OK);
                if (reference_frame.empty())
                    reference_frame = c.frame;
                else
                    ASSERT_EQ(c.frame, reference_frame) << z4ai_dtype_name(dtype) << " effort " << effort
                                                        << " at " << z4ai::simd::level_name(level);
                // Decode the reference frame at this level too.
                Decompressed d = decompress(reference_frame);
                ASSERT_EQ(d.status, Z4AI_OK);
                ASSERT_EQ(d.data, src) << z4ai::simd::level_name(level);
            }
        }
}

TEST(Tiers, EveryTierRoundTripsMixedDataWithThreads) {
    for (int32_t dtype : kFloatDtypes)
        for (int effort : kEfforts) {
            Bytes src = mixed(dtype, 200000, 9);
            Compressed one = compress(src, dtype, effort, 65536, 1);
            Compressed two = compress(src, dtype, effort, 65536, 2);
            ASSERT_EQ(one.status, Z4AI_OK);
            ASSERT_EQ(one.frame, two.frame) << "frames depend on the thread count";
            ASSERT_EQ(decompress(one.frame).data, src);
        }
}

}  // namespace
