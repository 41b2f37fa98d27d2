// errors_test.cpp - hostile and mistaken input: every failure is a pinned status
// with a message, never a crash, a hang or wrong output.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace z4ai_test;

namespace {

Bytes small_frame(bool checksum = true) {
    Bytes src = weights(Z4AI_DTYPE_BF16, 3000, 5);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_BF16);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 4096);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHECKSUM, checksum);
    uint64_t dims[2] = {30, 50};
    z4ai_cctx_set_shape(c.get(), dims, 2);
    return compress(c.get(), src).frame;
}

TEST(Errors, DestinationTooSmall) {
    Bytes src = weights(Z4AI_DTYPE_FP32, 10000);
    Cctx c = make_cctx();
    Bytes dst(100);
    size_t written = 1;
    EXPECT_EQ(z4ai_compress(c.get(), dst.data(), dst.size(), src.data(), src.size(), &written),
              Z4AI_E_DST_TOO_SMALL);
    EXPECT_EQ(written, 0u);
    EXPECT_STRNE(z4ai_cctx_last_error(c.get()), "");
    Compressed z = compress(src, Z4AI_DTYPE_FP32);
    Dctx d = make_dctx();
    Decompressed r = decompress(d.get(), z.frame, src.size() - 1);
    EXPECT_EQ(r.status, Z4AI_E_DST_TOO_SMALL);
    // The context stays usable after an error.
    r = decompress(d.get(), z.frame, src.size());
    EXPECT_EQ(r.status, Z4AI_OK);
    EXPECT_EQ(r.data, src);
}

TEST(Errors, EveryTruncationIsAnError) {
    Bytes frame = small_frame();
    Dctx d = make_dctx();
    for (size_t n = 0; n < frame.size(); ++n) {
        Bytes cut(frame.begin(), frame.begin() + static_cast<long>(n));
        Decompressed r = decompress(d.get(), cut, 4000);
        EXPECT_LT(r.status, 0) << "length " << n;
        z4ai_status st;
        Dctx sd = make_dctx();
        stream_decompress(sd.get(), cut, 64, 64, &st);
        EXPECT_LT(st, 0) << "stream, length " << n;
    }
}

TEST(Errors, EverySingleBitFlipIsDetectedWithChecksums) {
    Bytes frame = small_frame(true);
    Bytes expect = weights(Z4AI_DTYPE_BF16, 3000, 5);
    Dctx d = make_dctx();
    size_t undetected = 0;
    for (size_t bit = 0; bit < frame.size() * 8; ++bit) {
        Bytes bad = frame;
        bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        Decompressed r = decompress(d.get(), bad, 4000);
        if (r.status == Z4AI_OK) ++undetected;
    }
    EXPECT_EQ(undetected, 0u);
}

TEST(Errors, BitFlipsWithoutChecksumNeverCrash) {
    Bytes frame = small_frame(false);
    Dctx d = make_dctx();
    for (size_t bit = 0; bit < frame.size() * 8; ++bit) {
        Bytes bad = frame;
        bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        Decompressed r = decompress(d.get(), bad, 4000);
        if (r.status == Z4AI_OK) {
            EXPECT_EQ(r.data.size(), 3000u);
        }
    }
}

TEST(Errors, GarbageIsUnknownFormat) {
    Bytes junk = random_bytes(1000);
    Dctx d = make_dctx();
    EXPECT_EQ(decompress(d.get(), junk, 10000).status, Z4AI_E_UNKNOWN_FORMAT);
    uint64_t size;
    EXPECT_EQ(z4ai_frame_content_size(junk.data(), junk.size(), &size), Z4AI_E_UNKNOWN_FORMAT);
    junk[0] = 'Z', junk[1] = '4', junk[2] = 'A', junk[3] = 'I';
    EXPECT_LT(decompress(d.get(), junk, 10000).status, 0);
}

TEST(Errors, TrailingBytesAfterTheFrame) {
    Bytes frame = small_frame();
    frame.push_back(0);
    Dctx d = make_dctx();
    EXPECT_EQ(decompress(d.get(), frame, 4000).status, Z4AI_E_CORRUPT);
}

TEST(Errors, NewerFormatVersionIsReported) {
    Bytes frame = small_frame();
    frame[4] = 2;
    Dctx d = make_dctx();
    EXPECT_EQ(decompress(d.get(), frame, 4000).status, Z4AI_E_VERSION_UNSUPPORTED);
}

TEST(Errors, ReservedBitsMustBeZero) {
    Bytes frame = small_frame();
    frame[5] |= 0x80;
    Dctx d = make_dctx();
    EXPECT_EQ(decompress(d.get(), frame, 4000).status, Z4AI_E_CORRUPT);
}

TEST(Errors, MemoryLimitIsEnforced) {
    Bytes src = weights(Z4AI_DTYPE_BF16, 1 << 20);
    Compressed z = compress(src, Z4AI_DTYPE_BF16, Z4AI_EFFORT_DEFAULT, 1 << 20);
    Dctx d = make_dctx();
    ASSERT_EQ(z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, 1 << 16), Z4AI_OK);
    z4ai_status st;
    stream_decompress(d.get(), z.frame, 1 << 16, 1 << 16, &st);
    EXPECT_EQ(st, Z4AI_E_MEMORY_LIMIT);
}

TEST(Params, BoundsAndUnknownIds) {
    Cctx c = make_cctx();
    EXPECT_EQ(z4ai_cctx_set_param(c.get(), 9999, 1), Z4AI_E_PARAM_UNSUPPORTED);
    EXPECT_EQ(z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, 7), Z4AI_E_PARAM_OUT_OF_BOUNDS);
    EXPECT_EQ(z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 5000), Z4AI_E_PARAM_OUT_OF_BOUNDS);
    EXPECT_EQ(z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, 21), Z4AI_E_PARAM_OUT_OF_BOUNDS);
    EXPECT_NE(std::string(z4ai_cctx_last_error(c.get())).find("outside"), std::string::npos);
    int64_t lo, hi, v;
    ASSERT_EQ(z4ai_cparam_bounds(Z4AI_C_LEVEL, &lo, &hi), Z4AI_OK);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, 22);
    ASSERT_EQ(z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 65536), Z4AI_OK);
    ASSERT_EQ(z4ai_cctx_get_param(c.get(), Z4AI_C_CHUNK_SIZE, &v), Z4AI_OK);
    EXPECT_EQ(v, 65536);
    EXPECT_EQ(z4ai_cctx_reset(c.get(), Z4AI_RESET_PARAMETERS), Z4AI_OK);
    ASSERT_EQ(z4ai_cctx_get_param(c.get(), Z4AI_C_CHUNK_SIZE, &v), Z4AI_OK);
    EXPECT_EQ(v, 0);
    EXPECT_EQ(z4ai_cctx_set_param(nullptr, Z4AI_C_LEVEL, 1), Z4AI_E_INVALID_ARGUMENT);
    EXPECT_EQ(z4ai_dctx_set_param(nullptr, Z4AI_D_THREADS, 1), Z4AI_E_INVALID_ARGUMENT);
}

TEST(Params, ShapeMustMatchContent) {
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_FP32);
    uint64_t dims[2] = {10, 10};
    ASSERT_EQ(z4ai_cctx_set_shape(c.get(), dims, 2), Z4AI_OK);
    Bytes src = weights(Z4AI_DTYPE_FP32, 400);
    EXPECT_EQ(compress(c.get(), src).status, Z4AI_OK);
    Bytes wrong = weights(Z4AI_DTYPE_FP32, 404);
    EXPECT_EQ(compress(c.get(), wrong).status, Z4AI_E_INVALID_ARGUMENT);
}

TEST(Status, NamesArePinned) {
    EXPECT_STREQ(z4ai_status_name(Z4AI_OK), "Z4AI_OK");
    EXPECT_STREQ(z4ai_status_name(-4), "Z4AI_E_CORRUPT");
    EXPECT_STREQ(z4ai_status_name(-5), "Z4AI_E_CHECKSUM");
    EXPECT_STREQ(z4ai_status_name(-3), "Z4AI_E_DST_TOO_SMALL");
    EXPECT_STREQ(z4ai_status_name(-12345), "Z4AI_E_UNKNOWN_STATUS");
    for (int s = -1; s >= -21; --s) EXPECT_STRNE(z4ai_status_name(s), "Z4AI_E_UNKNOWN_STATUS") << s;
}

TEST(DTypes, TableAndNames) {
    for (int32_t d = 0; d < 16; ++d) {
        ASSERT_NE(z4ai_dtype_name(d), nullptr);
        int32_t back = -1;
        ASSERT_EQ(z4ai_dtype_from_name(z4ai_dtype_name(d), &back), Z4AI_OK);
        EXPECT_EQ(back, d);
        EXPECT_GT(z4ai_dtype_width(d), 0u);
    }
    int32_t d;
    EXPECT_EQ(z4ai_dtype_from_name("bfloat16", &d), Z4AI_OK);
    EXPECT_EQ(d, Z4AI_DTYPE_BF16);
    EXPECT_EQ(z4ai_dtype_from_name("float7", &d), Z4AI_E_DTYPE_UNKNOWN);
    EXPECT_EQ(z4ai_dtype_width(99), 0u);
    EXPECT_EQ(z4ai_dtype_name(-1), nullptr);
}

TEST(FrameInfo, HeaderFieldsAndDescription) {
    Bytes frame = small_frame();
    int32_t dtype = -1;
    ASSERT_EQ(z4ai_frame_dtype(frame.data(), frame.size(), &dtype), Z4AI_OK);
    EXPECT_EQ(dtype, Z4AI_DTYPE_BF16);
    uint64_t dims[8];
    size_t ndim = 0;
    ASSERT_EQ(z4ai_frame_shape(frame.data(), frame.size(), dims, 8, &ndim), Z4AI_OK);
    ASSERT_EQ(ndim, 2u);
    EXPECT_EQ(dims[0], 30u);
    EXPECT_EQ(dims[1], 50u);
    size_t need = 0;
    ASSERT_EQ(z4ai_frame_describe(frame.data(), frame.size(), nullptr, 0, &need), Z4AI_E_DST_TOO_SMALL);
    std::string json(need, '\0');
    size_t written = 0;
    ASSERT_EQ(z4ai_frame_describe(frame.data(), frame.size(), json.data(), json.size(), &written), Z4AI_OK);
    json.resize(written);
    EXPECT_NE(json.find("\"dtype\":\"bf16\""), std::string::npos);
    EXPECT_NE(json.find("\"shape\":[30,50]"), std::string::npos);
    EXPECT_NE(json.find("\"layout\":\"planes\""), std::string::npos);
}

TEST(Version, RuntimeMatchesHeader) {
    EXPECT_EQ(z4ai_version_number(), static_cast<uint32_t>(Z4AI_VERSION_NUMBER));
    EXPECT_STRNE(z4ai_version_string(), "");
}

}  // namespace

TEST(Params, EffortNamesHaveOneParser) {
    int32_t e = -1;
    const std::pair<const char*, int32_t> names[] = {
        {"fast", Z4AI_EFFORT_FAST}, {"default", Z4AI_EFFORT_DEFAULT}, {"balanced", Z4AI_EFFORT_DEFAULT},
        {"max", Z4AI_EFFORT_MAX}};
    for (const auto& [name, want] : names) {
        ASSERT_EQ(z4ai_effort_from_name(name, &e), Z4AI_OK) << name;
        EXPECT_EQ(e, want) << name;
    }
    EXPECT_EQ(z4ai_effort_from_name("fastest", &e), Z4AI_E_PARAM_OUT_OF_BOUNDS);
    EXPECT_EQ(z4ai_effort_from_name(nullptr, &e), Z4AI_E_INVALID_ARGUMENT);
    EXPECT_EQ(z4ai_effort_from_name("max", nullptr), Z4AI_E_INVALID_ARGUMENT);
    EXPECT_STREQ(z4ai_effort_name(Z4AI_EFFORT_FAST), "fast");
    EXPECT_STREQ(z4ai_effort_name(Z4AI_EFFORT_DEFAULT), "default");
    EXPECT_STREQ(z4ai_effort_name(Z4AI_EFFORT_MAX), "max");
    EXPECT_EQ(z4ai_effort_name(3), nullptr);
    EXPECT_EQ(z4ai_effort_name(-1), nullptr);
}

TEST(Errors, ContextFreeCallsReportTheirDetailPerThread) {
    const uint8_t junk[32] = {'Z', '4', 'A', 'I', 9};
    uint64_t size = 0;
    EXPECT_EQ(z4ai_frame_content_size(junk, sizeof junk, &size), Z4AI_E_VERSION_UNSUPPORTED);
    EXPECT_NE(std::string(z4ai_last_error()).find("version"), std::string::npos) << z4ai_last_error();
    Bytes frame = small_frame();
    ASSERT_EQ(z4ai_frame_content_size(frame.data(), frame.size(), &size), Z4AI_OK);
    EXPECT_STREQ(z4ai_last_error(), "");
}

TEST(Params, GetParamReportsUnknownIdsOnTheContext) {
    Cctx c = make_cctx();
    int64_t v = 0;
    EXPECT_EQ(z4ai_cctx_get_param(c.get(), 9999, &v), Z4AI_E_PARAM_UNSUPPORTED);
    EXPECT_NE(std::string(z4ai_cctx_last_error(c.get())).find("9999"), std::string::npos);
    EXPECT_EQ(z4ai_cctx_get_param(c.get(), Z4AI_C_EFFORT, nullptr), Z4AI_E_INVALID_ARGUMENT);
    Dctx d = make_dctx();
    EXPECT_EQ(z4ai_dctx_get_param(d.get(), 9999, &v), Z4AI_E_PARAM_UNSUPPORTED);
    ASSERT_EQ(z4ai_dctx_get_param(d.get(), Z4AI_D_MAX_MEMORY, &v), Z4AI_OK);
    EXPECT_EQ(v, int64_t(1) << 30);
}

TEST(Reader, TensorInfoV2IsSizePrefixed) {
    const std::string json = R"({"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}})";
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((json.size() >> (8 * i)) & 0xFF);
    file += json + "xyz";
    z4ai_reader* r = z4ai_reader_create();
    ASSERT_EQ(z4ai_reader_open_memory(r, file.data(), file.size()), Z4AI_OK) << z4ai_reader_last_error(r);
    z4ai_tensor_info_v2 info;
    z4ai_tensor_info_v2_init(&info);
    EXPECT_EQ(info.struct_size, sizeof info);
    ASSERT_EQ(z4ai_reader_tensor_info_v2(r, 0, &info), Z4AI_OK);
    EXPECT_EQ(std::string(info.info.name, info.info.name_size), "a");
    EXPECT_EQ(info.info.nbytes, 3u);
    z4ai_tensor_info old{};
    ASSERT_EQ(z4ai_reader_tensor_info(r, 0, &old), Z4AI_OK);
    EXPECT_EQ(old.nbytes, info.info.nbytes);
    info.struct_size = 8;  // an older or uninitialised struct
    EXPECT_EQ(z4ai_reader_tensor_info_v2(r, 0, &info), Z4AI_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(z4ai_last_error()).find("struct_size"), std::string::npos);
    z4ai_reader_free(r);
}
