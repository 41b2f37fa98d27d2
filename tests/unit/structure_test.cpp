// structure_test.cpp - the paths that exploit structure: sparse chunks, duplicate
// chunks, checkpoint deltas, and awkward float values.
#include <gtest/gtest.h>

#include <limits>

#include "test_support.hpp"

using namespace z4ai_test;

namespace {

std::string describe(const Bytes& frame) {
    size_t need = 0;
    z4ai_frame_describe(frame.data(), frame.size(), nullptr, 0, &need);
    std::string s(need, '\0');
    size_t w = 0;
    z4ai_frame_describe(frame.data(), frame.size(), s.data(), s.size(), &w);
    s.resize(w);
    return s;
}

TEST(Sparse, PrunedWeightsUseTheZeroAwarePath) {
    Bytes dense = weights(Z4AI_DTYPE_FP32, 1 << 18);
    Bytes pruned = dense;
    std::mt19937 rng(9);
    for (size_t i = 0; i < pruned.size() / 4; ++i)
        if (rng() & 1) std::memset(pruned.data() + 4 * i, 0, 4);
    Compressed zd = compress(dense, Z4AI_DTYPE_FP32);
    Compressed zp = compress(pruned, Z4AI_DTYPE_FP32);
    ASSERT_EQ(zp.status, Z4AI_OK);
    EXPECT_NE(describe(zp.frame).find("\"layout\":\"sparse\""), std::string::npos);
    // Half the values are gone: the frame should shrink by well over a third.
    EXPECT_LT(zp.frame.size(), zd.frame.size() * 0.65);
    Decompressed back = decompress(zp.frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, pruned);
}

TEST(Dedup, RepeatedChunksAreStoredOnce) {
    Bytes block = weights(Z4AI_DTYPE_BF16, 1 << 16);
    Bytes src;
    for (int i = 0; i < 4; ++i) src.insert(src.end(), block.begin(), block.end());
    Compressed once = compress(block, Z4AI_DTYPE_BF16, Z4AI_EFFORT_DEFAULT, 1 << 16);
    Compressed four = compress(src, Z4AI_DTYPE_BF16, Z4AI_EFFORT_DEFAULT, 1 << 16);
    ASSERT_EQ(four.status, Z4AI_OK);
    EXPECT_LT(four.frame.size(), once.frame.size() + 200);
    EXPECT_NE(describe(four.frame).find("\"type\":\"dup\""), std::string::npos);
    Decompressed back = decompress(four.frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, src);
    // The streaming decoder keeps flagged chunks for later DUP blocks.
    Dctx d = make_dctx();
    z4ai_status st;
    EXPECT_EQ(stream_decompress(d.get(), four.frame, 1000, 1000, &st), src);
    EXPECT_EQ(st, Z4AI_OK);
    // Range reads resolve DUP blocks too.
    Bytes part(5000);
    size_t w = 0;
    ASSERT_EQ(z4ai_decompress_range(d.get(), part.data(), part.size(), four.frame.data(), four.frame.size(),
                                    3 * (1 << 16) + 100, part.size(), &w),
              Z4AI_OK);
    EXPECT_TRUE(std::equal(part.begin(), part.end(), src.begin() + 3 * (1 << 16) + 100));
}

TEST(Delta, SmallChangesCostLittleAndNeedTheRightReference) {
    Bytes base = weights(Z4AI_DTYPE_BF16, 1 << 18, 1);
    Bytes next = base;
    std::mt19937 rng(4);
    for (size_t i = 0; i < next.size() / 2; i += 64) next[2 * i] ^= static_cast<uint8_t>(rng() & 3);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_BF16);
    ASSERT_EQ(z4ai_cctx_ref_reference(c.get(), base.data(), base.size()), Z4AI_OK);
    Compressed delta = compress(c.get(), next);
    ASSERT_EQ(delta.status, Z4AI_OK);
    Compressed plain = compress(next, Z4AI_DTYPE_BF16);
    EXPECT_LT(delta.frame.size() * 5, plain.frame.size());

    Dctx d = make_dctx();
    EXPECT_EQ(decompress(d.get(), delta.frame, next.size()).status, Z4AI_E_REFERENCE_MISSING);
    Bytes wrong = base;
    wrong[100] ^= 1;
    ASSERT_EQ(z4ai_dctx_ref_reference(d.get(), wrong.data(), wrong.size()), Z4AI_OK);
    EXPECT_EQ(decompress(d.get(), delta.frame, next.size()).status, Z4AI_E_REFERENCE_MISMATCH);
    ASSERT_EQ(z4ai_dctx_ref_reference(d.get(), base.data(), base.size() - 2), Z4AI_OK);
    EXPECT_EQ(decompress(d.get(), delta.frame, next.size()).status, Z4AI_E_REFERENCE_MISMATCH);
    ASSERT_EQ(z4ai_dctx_ref_reference(d.get(), base.data(), base.size()), Z4AI_OK);
    Decompressed back = decompress(d.get(), delta.frame, next.size());
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, next);
    z4ai_status st;
    EXPECT_EQ(stream_decompress(d.get(), delta.frame, 333, 4096, &st), next);
    EXPECT_EQ(st, Z4AI_OK);
}

TEST(Delta, UnchangedChunksCostAFewBytes) {
    Bytes base = weights(Z4AI_DTYPE_FP32, 1 << 20, 2);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_FP32);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 1 << 16);
    z4ai_cctx_ref_reference(c.get(), base.data(), base.size());
    Compressed same = compress(c.get(), base);
    ASSERT_EQ(same.status, Z4AI_OK);
    // 16 chunks, each a 16-byte REF_COPY block, plus header and footer.
    EXPECT_LT(same.frame.size(), 16u * 16 + 300);
    Dctx d = make_dctx();
    z4ai_dctx_ref_reference(d.get(), base.data(), base.size());
    EXPECT_EQ(decompress(d.get(), same.frame, base.size()).data, base);
}

TEST(Delta, ReferenceShorterThanTheInput) {
    Bytes base = weights(Z4AI_DTYPE_INT16, 10000, 3);
    Bytes next = weights(Z4AI_DTYPE_INT16, 30000, 3);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_INT16);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 4096);
    z4ai_cctx_ref_reference(c.get(), base.data(), base.size());
    Compressed z = compress(c.get(), next);
    ASSERT_EQ(z.status, Z4AI_OK);
    Dctx d = make_dctx();
    z4ai_dctx_ref_reference(d.get(), base.data(), base.size());
    Decompressed back = decompress(d.get(), z.frame, next.size());
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, next);
}

TEST(FloatValues, SpecialValuesRoundTripBitExactly) {
    std::vector<float> v = {0.0f,
                            -0.0f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::lowest(),
                            1.0f,
                            -1.0f};
    Bytes src(v.size() * 4 * 500);
    for (size_t i = 0; i < src.size() / 4; ++i) {
        float f = v[i % v.size()];
        uint32_t u;
        std::memcpy(&u, &f, 4);
        if (i % 37 == 0) u = 0x7FC00000u | static_cast<uint32_t>(i);  // NaN with payload
        if (i % 41 == 0) u = 0xFF800001u;                             // signalling NaN, sign set
        std::memcpy(src.data() + 4 * i, &u, 4);
    }
    for (int effort : {0, 1, 2}) {
        Compressed z = compress(src, Z4AI_DTYPE_FP32, effort, 4096);
        ASSERT_EQ(z.status, Z4AI_OK);
        Decompressed back = decompress(z.frame);
        ASSERT_EQ(back.status, Z4AI_OK);
        EXPECT_EQ(back.data, src);
    }
}

TEST(Incompressible, RandomBytesNeverGrowMuch) {
    Bytes src = random_bytes(1 << 20);
    for (int effort : {0, 1, 2}) {
        Compressed z = compress(src, Z4AI_DTYPE_FP32, effort, 1 << 16);
        ASSERT_EQ(z.status, Z4AI_OK);
        // Stored chunks: 16 bytes block header + 44 bytes of stream table per 64 KiB.
        EXPECT_LT(z.frame.size(), src.size() + 16 * 80 + 200);
        EXPECT_EQ(decompress(z.frame).data, src);
    }
}

}  // namespace
