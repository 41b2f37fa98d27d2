// structure_frames_test.cpp - the structure layouts through the C ABI: chosen
// automatically, shown by z4ai_frame_describe, decoded by whole-frame, range and
// streaming reads; corrupt layout parameters are errors, never crashes; mixed
// files fall back chunk by chunk at no more than a few bytes of cost.
#include <gtest/gtest.h>

#include "structure_support.hpp"

using namespace z4ai_test;

namespace {

struct Case {
    const char* name;
    Bytes src;
    int32_t dtype;
    const char* layout;
};

std::vector<Case> cases() {
    std::vector<Case> v;
    std::vector<float> w = gaussian(40000, 1);
    Bytes up;
    for (float f : w) put<uint32_t>(up, uint32_t(z4ai::fp32_to_bf16_bits(z4ai::f32_bits(f))) << 16);
    v.push_back({"narrow", up, Z4AI_DTYPE_FP32, "narrow"});
    v.push_back({"scaled", quantized(200, 384, 384, 4, Container::fp16, 2), Z4AI_DTYPE_FP16, "scaled-int"});
    Bytes pal;
    std::mt19937 rng(3);
    for (int i = 0; i < 40000; ++i) put<float>(pal, float(rng() % 5) * 0.25f);
    v.push_back({"palette", pal, Z4AI_DTYPE_FP32, "palette"});
    return v;
}

TEST(StructureFrames, EveryReadPathDecodesTheNewLayouts) {
    for (const Case& c : cases()) {
        Compressed z = compress_with(c.src, c.dtype, true, true, Z4AI_EFFORT_DEFAULT, 1 << 16);
        ASSERT_EQ(z.status, Z4AI_OK) << c.name;
        EXPECT_TRUE(has_layout(z.frame, c.layout)) << c.name;
        EXPECT_EQ(decompress(z.frame).data, c.src) << c.name;
        // A range that starts and ends inside chunks.
        Dctx d = make_dctx();
        size_t off = 70001, len = 70003;
        ASSERT_GT(c.src.size(), off + len);
        Bytes part(len);
        size_t got = 0;
        ASSERT_EQ(
            z4ai_decompress_range(d.get(), part.data(), len, z.frame.data(), z.frame.size(), off, len, &got),
            Z4AI_OK)
            << c.name;
        EXPECT_EQ(got, len);
        EXPECT_TRUE(std::equal(part.begin(), part.end(), c.src.begin() + off)) << c.name;
        z4ai_status st;
        Bytes streamed = stream_decompress(d.get(), z.frame, 777, 1000, &st);
        EXPECT_EQ(st, Z4AI_OK);
        EXPECT_EQ(streamed, c.src) << c.name;
        // Streaming compression takes the same paths.
        Cctx cc = make_cctx();
        z4ai_cctx_set_param(cc.get(), Z4AI_C_DTYPE, c.dtype);
        Bytes sframe = stream_compress(cc.get(), c.src, 5000, 3000, &st);
        ASSERT_EQ(st, Z4AI_OK);
        EXPECT_TRUE(has_layout(sframe, c.layout)) << c.name;
        EXPECT_EQ(decompress(sframe).data, c.src) << c.name;
        // Every tier finds the structure.
        for (int effort : {Z4AI_EFFORT_FAST, Z4AI_EFFORT_MAX}) {
            Compressed e = compress_with(c.src, c.dtype, true, true, effort);
            EXPECT_TRUE(has_layout(e.frame, c.layout)) << c.name << effort;
            EXPECT_EQ(decompress(e.frame).data, c.src) << c.name;
        }
    }
}

TEST(StructureFrames, CorruptLayoutParametersAreErrors) {
    for (const Case& c : cases()) {
        Compressed z = compress_with(c.src, c.dtype, false);  // no checksum: the parser must catch it
        ASSERT_EQ(z.status, Z4AI_OK);
        size_t at = first_payload_offset(false);
        ASSERT_TRUE(has_layout(z.frame, c.layout));
        uint8_t layout = z.frame[at + 1];
        ASSERT_GE(layout, 3);
        ASSERT_LE(layout, 5);
        for (int param = 0; param < 256; ++param) {
            if (param == z.frame[at + 2]) continue;
            Bytes bad = z.frame;
            bad[at + 2] = static_cast<uint8_t>(param);
            Decompressed back = decompress(bad);
            // Parameters FORMAT.md defines may decode (to other bytes: no checksum here)
            // or be rejected by a size check; undefined ones must be rejected.
            bool defined = layout == 3 ? (param & 0x70) == 0 && (param & 0x0F) >= 1 && (param & 0x0F) <= 3
                           : layout == 4
                               ? param >= 1 && param <= 3
                               : (param & 0xC0) == 0 &&
                                     ((param & 0x0F) == 2 || (param & 0x0F) == 4 || (param & 0x0F) == 8);
            if (!defined) {
                EXPECT_EQ(back.status, Z4AI_E_CORRUPT) << c.name << " param " << param;
            } else {
                EXPECT_TRUE(back.status == Z4AI_OK || back.status == Z4AI_E_CORRUPT)
                    << c.name << " param " << param;
            }
        }
        // Every byte of the stream table and of the first streams, flipped.
        for (size_t k = at + 3; k < std::min(z.frame.size() - 40, at + 400); ++k) {
            Bytes bad = z.frame;
            bad[k] ^= 0x5A;
            Decompressed back = decompress(bad);
            if (back.status == Z4AI_OK) continue;  // a flip inside coded data can decode to other bytes
            EXPECT_TRUE(back.status == Z4AI_E_CORRUPT || back.status == Z4AI_E_MEMORY_LIMIT)
                << c.name << " byte " << k << ": " << z4ai_status_name(back.status);
        }
    }
}

TEST(StructureFrames, UnstructuredChunksCostAtMostAFewBytes) {
    for (int32_t dt : {Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP16, Z4AI_DTYPE_FP32, Z4AI_DTYPE_FP64}) {
        Bytes src = weights(dt, 1 << 19, 21);
        Compressed on = compress_with(src, dt, true, true, Z4AI_EFFORT_DEFAULT, 1 << 16);
        Compressed off = compress_with(src, dt, true, false, Z4AI_EFFORT_DEFAULT, 1 << 16);
        ASSERT_EQ(on.status, Z4AI_OK);
        EXPECT_LE(on.frame.size(), off.frame.size()) << dt;
    }
    // A file mixing structured and dense chunks: each chunk pays for itself.
    std::vector<Case> cs = cases();
    Bytes dense = weights(Z4AI_DTYPE_FP32, 1 << 17, 22), mixed = dense;
    mixed.insert(mixed.end(), cs[0].src.begin(), cs[0].src.end());
    mixed.insert(mixed.end(), dense.begin(), dense.end());
    Compressed on = compress_with(mixed, Z4AI_DTYPE_FP32, true, true, Z4AI_EFFORT_DEFAULT, 1 << 16);
    Compressed off = compress_with(mixed, Z4AI_DTYPE_FP32, true, false, Z4AI_EFFORT_DEFAULT, 1 << 16);
    EXPECT_LT(on.frame.size(), off.frame.size());
    EXPECT_EQ(decompress(on.frame).data, mixed);
}

TEST(StructureFrames, StructureParameterIsSettableAndReadable) {
    Cctx c = make_cctx();
    int64_t v = -1;
    ASSERT_EQ(z4ai_cctx_get_param(c.get(), Z4AI_C_STRUCTURE, &v), Z4AI_OK);
    EXPECT_EQ(v, 1);
    EXPECT_EQ(z4ai_cctx_set_param(c.get(), Z4AI_C_STRUCTURE, 0), Z4AI_OK);
    ASSERT_EQ(z4ai_cctx_get_param(c.get(), Z4AI_C_STRUCTURE, &v), Z4AI_OK);
    EXPECT_EQ(v, 0);
    EXPECT_EQ(z4ai_cctx_set_param(c.get(), Z4AI_C_STRUCTURE, 2), Z4AI_E_PARAM_OUT_OF_BOUNDS);
}

}  // namespace

namespace {

TEST(StructureFrames, UnalignedTiedCopyCostsAboutOneCopy) {
    // 3 MiB of weights, then a 1.5 MiB region of it again at an offset that is
    // not a multiple of the chunk size (a tied embedding saved twice).
    Bytes base = weights(Z4AI_DTYPE_BF16, 3 << 20, 31);
    Bytes tied = base;
    tied.insert(tied.end(), base.begin() + 12346, base.begin() + 12346 + (3 << 19));
    Compressed once = compress_with(base, Z4AI_DTYPE_BF16, true, true, Z4AI_EFFORT_DEFAULT, 1 << 18);
    Compressed twice = compress_with(tied, Z4AI_DTYPE_BF16, true, true, Z4AI_EFFORT_DEFAULT, 1 << 18);
    ASSERT_EQ(twice.status, Z4AI_OK);
    EXPECT_LT(twice.frame.size(), once.frame.size() + 4096) << "the copy should be DUP blocks";
    EXPECT_NE(describe(twice.frame).find("\"type\":\"dup\""), std::string::npos);
    EXPECT_EQ(decompress(twice.frame).data, tied);
    // Range reads across the re-cut blocks.
    Dctx d = make_dctx();
    size_t off = base.size() - 1000, len = 300000, got = 0;
    Bytes part(len);
    ASSERT_EQ(z4ai_decompress_range(d.get(), part.data(), len, twice.frame.data(), twice.frame.size(), off,
                                    len, &got),
              Z4AI_OK);
    EXPECT_TRUE(std::equal(part.begin(), part.end(), tied.begin() + off));
    // Streaming decode honours KEEP on the re-cut blocks.
    z4ai_status st;
    EXPECT_EQ(stream_decompress(d.get(), twice.frame, 100000, 65536, &st), tied);
    EXPECT_EQ(st, Z4AI_OK);
}

TEST(StructureFrames, SelfSimilarInputsKeepTheRepeatScanLinear) {
    Bytes zeros(8 << 20, 0);  // one long zero run: every window repeats
    Compressed z = compress_with(zeros, Z4AI_DTYPE_FP32, true, true, Z4AI_EFFORT_DEFAULT, 1 << 15);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_EQ(decompress(z.frame).data, zeros);
    Bytes periodic;
    Bytes unit = weights(Z4AI_DTYPE_FP16, 20000, 32);
    while (periodic.size() < (6 << 20)) periodic.insert(periodic.end(), unit.begin(), unit.end());
    z = compress_with(periodic, Z4AI_DTYPE_FP16, true, true, Z4AI_EFFORT_DEFAULT, 1 << 15);
    ASSERT_EQ(z.status, Z4AI_OK);
    EXPECT_EQ(decompress(z.frame).data, periodic);
}

}  // namespace
