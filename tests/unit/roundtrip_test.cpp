// roundtrip_test.cpp - every dtype x effort x awkward size round-trips through
// the C ABI, one-shot and streaming, with deterministic frames for any thread count.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace z4ai_test;

namespace {

const int32_t kAllDtypes[] = {Z4AI_DTYPE_RAW,    Z4AI_DTYPE_BOOL,  Z4AI_DTYPE_UINT8,    Z4AI_DTYPE_INT8,
                              Z4AI_DTYPE_UINT16, Z4AI_DTYPE_INT16, Z4AI_DTYPE_UINT32,   Z4AI_DTYPE_INT32,
                              Z4AI_DTYPE_UINT64, Z4AI_DTYPE_INT64, Z4AI_DTYPE_FP8_E4M3, Z4AI_DTYPE_FP8_E5M2,
                              Z4AI_DTYPE_FP16,   Z4AI_DTYPE_BF16,  Z4AI_DTYPE_FP32,     Z4AI_DTYPE_FP64};

constexpr int64_t kChunk = 4096;
const size_t kSizes[] = {0, 1, 3, 7, 8, 9, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk + 5, 20000};

struct Case {
    int32_t dtype;
    int effort;
};

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, EverySizeOneShotAndStreaming) {
    const Case c = GetParam();
    for (size_t size : kSizes) {
        Bytes src = weights(c.dtype, size, static_cast<uint32_t>(size + 1));
        const Bytes original = src;
        Compressed z = compress(src, c.dtype, c.effort, kChunk);
        ASSERT_EQ(z.status, Z4AI_OK) << "size " << size;
        ASSERT_EQ(src, original) << "input was modified";
        ASSERT_LE(z.frame.size(), z4ai_compress_bound(size));
        Decompressed d = decompress(z.frame);
        ASSERT_EQ(d.status, Z4AI_OK) << "size " << size;
        ASSERT_EQ(d.data, src) << "size " << size;

        Dctx dctx = make_dctx();
        z4ai_status st;
        Bytes streamed = stream_decompress(dctx.get(), z.frame, 1, 1, &st);
        ASSERT_EQ(st, Z4AI_OK) << z4ai_dctx_last_error(dctx.get());
        ASSERT_EQ(streamed, src);
    }
}

std::vector<Case> all_cases() {
    std::vector<Case> v;
    for (int32_t d : kAllDtypes)
        for (int e : {Z4AI_EFFORT_FAST, Z4AI_EFFORT_DEFAULT, Z4AI_EFFORT_MAX}) v.push_back({d, e});
    return v;
}

INSTANTIATE_TEST_SUITE_P(AllDtypesAllTiers, RoundTrip, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) {
                             return std::string(z4ai_dtype_name(info.param.dtype)) + "_effort" +
                                    std::to_string(info.param.effort);
                         });

TEST(Streaming, OneByteBuffersGiveTheOneShotFrame) {
    for (int32_t dtype : {Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP32, Z4AI_DTYPE_INT8}) {
        Bytes src = weights(dtype, 3 * kChunk + 11);
        Cctx c = make_cctx();
        z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, dtype);
        z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, kChunk);
        Compressed one = compress(c.get(), src);
        ASSERT_EQ(one.status, Z4AI_OK);
        // Streaming with a pledged size writes the same header as one-shot.
        ASSERT_EQ(z4ai_cctx_set_pledged_size(c.get(), src.size()), Z4AI_OK);
        z4ai_status st;
        Bytes streamed = stream_compress(c.get(), src, 1, 1, &st);
        ASSERT_EQ(st, Z4AI_OK) << z4ai_cctx_last_error(c.get());
        // One-shot dedups across the whole input; this input has no repeats.
        EXPECT_EQ(streamed, one.frame);
    }
}

TEST(Streaming, UnknownSizeFramesDecodeEverywhere) {
    Bytes src = weights(Z4AI_DTYPE_FP16, 5 * kChunk + 3);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_FP16);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, kChunk);
    z4ai_status st;
    Bytes frame = stream_compress(c.get(), src, 777, 333, &st);
    ASSERT_EQ(st, Z4AI_OK);
    uint64_t size = 0;
    ASSERT_EQ(z4ai_frame_content_size(frame.data(), 40, &size), Z4AI_OK);
    EXPECT_EQ(size, Z4AI_CONTENT_SIZE_UNKNOWN);
    ASSERT_EQ(z4ai_frame_content_size(frame.data(), frame.size(), &size), Z4AI_OK);
    EXPECT_EQ(size, src.size());
    Decompressed d = decompress(frame);
    ASSERT_EQ(d.status, Z4AI_OK);
    EXPECT_EQ(d.data, src);
}

TEST(Streaming, FlushMakesShortChunksThatStillRoundTrip) {
    Bytes src = weights(Z4AI_DTYPE_BF16, 3 * kChunk);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_BF16);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, kChunk);
    Bytes frame(z4ai_compress_bound(src.size()));
    size_t opos = 0, remaining = 0;
    for (size_t at = 0; at < src.size(); at += 1000) {
        size_t n = std::min<size_t>(1000, src.size() - at), ipos = 0;
        bool last = at + n == src.size();
        ASSERT_EQ(z4ai_compress_stream_args(c.get(), frame.data(), frame.size(), &opos, src.data() + at, n,
                                            &ipos, last ? Z4AI_END : Z4AI_FLUSH, &remaining),
                  Z4AI_OK);
        ASSERT_EQ(ipos, n);
    }
    ASSERT_EQ(remaining, 0u);
    frame.resize(opos);
    Decompressed d = decompress(frame);
    ASSERT_EQ(d.status, Z4AI_OK);
    EXPECT_EQ(d.data, src);
}

TEST(Streaming, RandomBufferSizesDecode) {
    Bytes src = weights(Z4AI_DTYPE_FP32, 9 * kChunk + 1);
    Compressed z = compress(src, Z4AI_DTYPE_FP32, Z4AI_EFFORT_DEFAULT, kChunk);
    ASSERT_EQ(z.status, Z4AI_OK);
    for (size_t step : {2u, 13u, 100u, 4096u, 100000u}) {
        for (int threads : {1, 2, 3}) {
            Dctx d = make_dctx();
            z4ai_dctx_set_param(d.get(), Z4AI_D_THREADS, threads);
            z4ai_status st;
            Bytes out = stream_decompress(d.get(), z.frame, step, step * 3 + 1, &st);
            ASSERT_EQ(st, Z4AI_OK) << z4ai_dctx_last_error(d.get());
            ASSERT_EQ(out, src);
        }
    }
}

TEST(Streaming, ConcatenatedFramesDecodeOneAfterAnother) {
    Bytes a = weights(Z4AI_DTYPE_BF16, 5000, 1), b = weights(Z4AI_DTYPE_FP32, 7000, 2);
    Compressed za = compress(a, Z4AI_DTYPE_BF16), zb = compress(b, Z4AI_DTYPE_FP32);
    Bytes both = za.frame;
    both.insert(both.end(), zb.frame.begin(), zb.frame.end());
    size_t first = 0;
    ASSERT_EQ(z4ai_frame_compressed_size(both.data(), both.size(), &first), Z4AI_OK);
    EXPECT_EQ(first, za.frame.size());
    Dctx d = make_dctx();
    Bytes out(20000);
    size_t ipos = 0, opos = 0, remaining = 1;
    ASSERT_EQ(z4ai_decompress_stream_args(d.get(), out.data(), out.size(), &opos, both.data(), both.size(),
                                          &ipos, &remaining),
              Z4AI_OK);
    EXPECT_EQ(remaining, 0u);
    EXPECT_EQ(ipos, za.frame.size()) << "bytes past the frame must stay unconsumed";
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(opos)), a);
    size_t opos2 = opos;
    ASSERT_EQ(z4ai_decompress_stream_args(d.get(), out.data(), out.size(), &opos2, both.data(), both.size(),
                                          &ipos, &remaining),
              Z4AI_OK);
    EXPECT_EQ(remaining, 0u);
    EXPECT_EQ(Bytes(out.begin() + static_cast<long>(opos), out.begin() + static_cast<long>(opos2)), b);
}

TEST(Determinism, ThreadCountsGiveIdenticalFrames) {
    Bytes src = weights(Z4AI_DTYPE_BF16, 37 * kChunk + 123);
    Compressed one = compress(src, Z4AI_DTYPE_BF16, Z4AI_EFFORT_DEFAULT, kChunk, 1);
    ASSERT_EQ(one.status, Z4AI_OK);
    for (int threads : {2, 8, 0}) {
        Compressed many = compress(src, Z4AI_DTYPE_BF16, Z4AI_EFFORT_DEFAULT, kChunk, threads);
        ASSERT_EQ(many.status, Z4AI_OK);
        EXPECT_EQ(many.frame, one.frame) << threads << " threads";
        Dctx d = make_dctx();
        z4ai_dctx_set_param(d.get(), Z4AI_D_THREADS, threads);
        Decompressed back = decompress(d.get(), many.frame, src.size());
        ASSERT_EQ(back.status, Z4AI_OK);
        EXPECT_EQ(back.data, src);
    }
}

TEST(RangeDecode, MatchesSlicesAnywhere) {
    Bytes src = weights(Z4AI_DTYPE_FP16, 10 * kChunk + 77);
    Compressed z = compress(src, Z4AI_DTYPE_FP16, Z4AI_EFFORT_DEFAULT, kChunk);
    ASSERT_EQ(z.status, Z4AI_OK);
    Dctx d = make_dctx();
    std::mt19937 rng(3);
    for (int i = 0; i < 200; ++i) {
        uint64_t off = rng() % src.size();
        uint64_t len = rng() % (3 * kChunk);
        Bytes out(len + 1);
        size_t written = 0;
        ASSERT_EQ(z4ai_decompress_range(d.get(), out.data(), out.size(), z.frame.data(), z.frame.size(), off,
                                        len, &written),
                  Z4AI_OK);
        size_t expect = std::min<uint64_t>(len, src.size() - off);
        ASSERT_EQ(written, expect);
        ASSERT_TRUE(std::equal(out.begin(), out.begin() + static_cast<long>(written),
                               src.begin() + static_cast<long>(off)));
    }
    size_t written = 0;
    Bytes out(1);
    EXPECT_EQ(z4ai_decompress_range(d.get(), out.data(), 1, z.frame.data(), z.frame.size(), src.size() + 1, 1,
                                    &written),
              Z4AI_E_PARAM_OUT_OF_BOUNDS);
}

}  // namespace
