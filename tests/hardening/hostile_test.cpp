// hostile_test.cpp - frames built to lie: huge declared sizes, shapes, block
// counts and chunk sizes must not make the decoder allocate what they claim
// (only what the input can produce, capped by Z4AI_D_MAX_MEMORY); reserved bits
// and fields are checked; every single-bit flip is detected with checksums and
// harmless without; every truncation is an error.
#include <gtest/gtest.h>

#include <random>

#include "alloc_tracker.hpp"
#include "frame/format.hpp"
#include "test_support.hpp"
#include "util/le.hpp"

using namespace z4ai_test;
using z4ai::BlockType;

namespace {

constexpr size_t kMiB = size_t(1) << 20;

// Writes frames field by field with the core's own writers, so only the claims we
// choose are false and every check word is right.
struct FrameBuilder {
    z4ai::FrameHeader h;
    z4ai::Buffer out;
    std::vector<z4ai::FooterEntry> entries;
    uint64_t content = 0;

    explicit FrameBuilder(unsigned chunk_log = 12, bool checksum = false) {
        h.chunk_log = chunk_log;
        h.checksum = checksum;
    }
    void begin() { z4ai::write_header(h, out); }
    // A block whose checksum (if any) is computed over `decoded` (decoded_size bytes).
    void block(BlockType type, uint32_t decoded_size, const Bytes& payload, uint8_t flags = 0,
               const uint8_t* decoded = nullptr) {
        z4ai::BlockHeader b;
        b.payload_size = static_cast<uint32_t>(payload.size());
        b.decoded_size = decoded_size;
        b.type = type;
        b.flags = flags;
        if (h.checksum) b.checksum = z4ai::block_checksum(b, {payload.data(), payload.size()}, decoded);
        size_t bh = z4ai::block_header_size(h.checksum);
        z4ai::write_block_header(b, h.checksum, out.extend(bh));
        out.append(payload.data(), payload.size());
        entries.push_back({static_cast<uint32_t>(bh + payload.size()), decoded_size});
        content += decoded_size;
    }
    Bytes finish() {
        z4ai::write_end_block(content, entries.data(), entries.size(), h.checksum, out);
        return Bytes(out.data(), out.data() + out.size());
    }
};

// DATA payload: raw layout, one constant stream of n bytes of value v (2 bytes of
// payload decode to n bytes).
Bytes constant_payload(uint32_t n, uint8_t v = 0x3C) {
    z4ai::PayloadHeader p;
    p.layout = 0;
    p.stream_count = 1;
    p.streams[0] = {1, 1, n};
    Bytes out(z4ai::payload_header_size(1) + 1);
    z4ai::write_payload_header(p, out.data());
    out.back() = v;
    return out;
}
// DATA payload: planes layout of width 2 with two constant planes.
Bytes constant_planes_payload(uint32_t n) {
    z4ai::PayloadHeader p;
    p.layout = 1;
    p.layout_param = 2;
    p.stream_count = 2;
    p.streams[0] = {1, 1, n / 2};
    p.streams[1] = {1, 1, n / 2};
    Bytes out(z4ai::payload_header_size(2) + 2, 0x11);
    z4ai::write_payload_header(p, out.data());
    return out;
}
Bytes dup_payload(uint32_t target) {
    Bytes p(4);
    z4ai::store_u32(p.data(), target);
    return p;
}

z4ai_status stream_status(const Bytes& frame, int64_t max_memory, size_t step = 4096) {
    Dctx d = make_dctx();
    if (max_memory) z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, max_memory);
    z4ai_status st;
    stream_decompress(d.get(), frame, step, 1 << 16, &st);
    return st;
}

TEST(Hostile, HugeContentSizeInTheHeaderAllocatesNothing) {
    FrameBuilder b;
    b.h.content_size_known = true;
    b.h.content_size = uint64_t(1) << 62;
    b.begin();
    Bytes frame = b.finish();
    uint64_t claimed = 0;
    ASSERT_EQ(z4ai_frame_content_size(frame.data(), frame.size(), &claimed), Z4AI_OK);
    EXPECT_EQ(claimed, uint64_t(1) << 62);  // a claim, reported as such
    Dctx d = make_dctx();
    size_t written = 0;
    uint8_t one;
    size_t peak = peak_during([&] {
        EXPECT_EQ(z4ai_decompress(d.get(), &one, 1, frame.data(), frame.size(), &written), Z4AI_E_CORRUPT);
        EXPECT_EQ(stream_status(frame, 0), Z4AI_E_CORRUPT);
    });
    EXPECT_LT(peak, 256 * 1024u);
    b.h.content_size = (uint64_t(1) << 62) + 1;  // beyond the format's limit
    b.out.clear();
    b.begin();
    frame = b.finish();
    EXPECT_EQ(z4ai_frame_content_size(frame.data(), frame.size(), &claimed), Z4AI_E_CORRUPT);
}

TEST(Hostile, HugeShapeIsRejectedWithoutAllocating) {
    FrameBuilder b;
    b.h.dtype = Z4AI_DTYPE_FP64;
    b.h.ndim = 8;
    for (auto& dim : b.h.dims) dim = uint64_t(1) << 40;
    b.begin();
    Bytes frame = b.finish();
    uint64_t dims[8];
    size_t ndim = 0;
    EXPECT_EQ(z4ai_frame_shape(frame.data(), frame.size(), dims, 8, &ndim), Z4AI_OK);  // header only
    Dctx d = make_dctx();
    size_t written = 0;
    size_t peak = peak_during([&] {
        EXPECT_EQ(z4ai_decompress(d.get(), nullptr, 0, frame.data(), frame.size(), &written), Z4AI_E_CORRUPT);
        EXPECT_EQ(stream_status(frame, 0), Z4AI_E_CORRUPT);
    });
    EXPECT_LT(peak, 256 * 1024u);
    // A shape whose product overflows 64 bits must not wrap to the content size.
    b.h.ndim = 2;
    b.h.dims = {};
    b.h.dims[0] = uint64_t(1) << 63;
    b.h.dims[1] = 2;
    b.h.dtype = Z4AI_DTYPE_UINT8;
    b.out.clear();
    b.begin();
    frame = b.finish();
    EXPECT_EQ(z4ai_decompress(d.get(), nullptr, 0, frame.data(), frame.size(), &written), Z4AI_E_CORRUPT);
}

// 256 MiB chunks, one DATA block of 256 MiB made of a 1-byte constant stream and
// 400 DUP blocks: 100 GiB of content from ~7 KB of input.
Bytes amplification_frame() {
    FrameBuilder b(28);
    b.begin();
    const uint32_t n = uint32_t(1) << 28;
    b.block(BlockType::data, n, constant_payload(n), z4ai::block_flag::keep);
    for (int i = 0; i < 400; ++i) b.block(BlockType::dup, n, dup_payload(0));
    return b.finish();
}

TEST(Hostile, AmplifyingFrameIsBoundedByTheCallerAndTheMemoryLimit) {
    Bytes frame = amplification_frame();
    ASSERT_LT(frame.size(), 16 * 1024u);
    uint64_t size = 0;
    ASSERT_EQ(z4ai_frame_content_size(frame.data(), frame.size(), &size), Z4AI_OK);
    EXPECT_EQ(size, 401ull << 28);
    Dctx d = make_dctx();
    ASSERT_EQ(z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, 64 * kMiB), Z4AI_OK);
    Bytes out(kMiB);
    size_t written = 0;
    size_t peak = peak_during([&] {
        // One-shot: the caller's buffer is the bound.
        EXPECT_EQ(z4ai_decompress(d.get(), out.data(), out.size(), frame.data(), frame.size(), &written),
                  Z4AI_E_DST_TOO_SMALL);
        // A range inside one 256 MiB block would need it whole: over the limit.
        EXPECT_EQ(z4ai_decompress_range(d.get(), out.data(), 4096, frame.data(), frame.size(), 5ull << 28,
                                        4096, &written),
                  Z4AI_E_MEMORY_LIMIT)
            << z4ai_dctx_last_error(d.get());
        // Streaming needs a whole chunk: over the limit, refused before allocating.
        EXPECT_EQ(stream_status(frame, 64 * kMiB), Z4AI_E_MEMORY_LIMIT);
    });
    EXPECT_LT(peak, 2 * kMiB) << "the decoder allocated what the frame claimed";
}

TEST(Hostile, PlanesBlockAboveTheMemoryLimitIsRefused) {
    FrameBuilder b(26);  // 64 MiB chunks
    b.begin();
    const uint32_t n = uint32_t(1) << 26;
    b.block(BlockType::data, n, constant_planes_payload(n));
    Bytes frame = b.finish();
    Dctx d = make_dctx();
    ASSERT_EQ(z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, 16 * kMiB), Z4AI_OK);
    Bytes out(n);
    size_t written = 0;
    size_t peak = peak_during([&] {
        EXPECT_EQ(z4ai_decompress(d.get(), out.data(), out.size(), frame.data(), frame.size(), &written),
                  Z4AI_E_MEMORY_LIMIT);
    });
    EXPECT_LT(peak, kMiB);
    // Within the limit it decodes (the planes interleave to 0x1111...).
    ASSERT_EQ(z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, 256 * kMiB), Z4AI_OK);
    ASSERT_EQ(z4ai_decompress(d.get(), out.data(), out.size(), frame.data(), frame.size(), &written),
              Z4AI_OK);
    EXPECT_EQ(written, n);
    EXPECT_EQ(out[12345], 0x11);
}

TEST(Hostile, FooterClaimingHugeBlockCountsIsCorrupt) {
    FrameBuilder b;
    b.begin();
    Bytes frame = b.finish();
    // The END block's footer starts 12 bytes after its header (no checksum).
    size_t end_at = frame.size() - z4ai::load_u32(frame.data() + frame.size() - 8);
    for (uint32_t count : {1u, 1000u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
        Bytes bad = frame;
        z4ai::store_u32(bad.data() + end_at + 12 + 8, count);
        Dctx d = make_dctx();
        size_t written = 0, csize = 0;
        size_t peak = peak_during([&] {
            EXPECT_LT(z4ai_decompress(d.get(), nullptr, 0, bad.data(), bad.size(), &written), 0) << count;
            EXPECT_LT(z4ai_frame_compressed_size(bad.data(), bad.size(), &csize), 0) << count;
            EXPECT_LT(stream_status(bad, 0), 0) << count;
        });
        EXPECT_LT(peak, 256 * 1024u) << count;
    }
}

TEST(Hostile, ManyTinyBlocksCostMemoryInProportionToTheInput) {
    FrameBuilder b;
    b.begin();
    b.block(BlockType::data, 1, constant_payload(1, 7), z4ai::block_flag::keep);
    const int dups = 50000;
    for (int i = 0; i < dups; ++i) b.block(BlockType::dup, 1, dup_payload(0));
    Bytes frame = b.finish();
    Dctx d = make_dctx();
    Bytes out(dups + 1);
    size_t written = 0;
    size_t peak = peak_during([&] {
        ASSERT_EQ(z4ai_decompress(d.get(), out.data(), out.size(), frame.data(), frame.size(), &written),
                  Z4AI_OK);
        EXPECT_EQ(stream_status(frame, 0, 1 << 16), Z4AI_OK);
    });
    EXPECT_EQ(written, out.size());
    EXPECT_EQ(std::count(out.begin(), out.end(), 7), static_cast<long>(out.size()));
    EXPECT_LT(peak, 8 * frame.size()) << "frame of " << frame.size() << " bytes";
}

// ---- reserved bits and fields ----

Bytes planes_frame() {
    Bytes src = weights(Z4AI_DTYPE_BF16, 8192, 11);
    Compressed z = compress(src, Z4AI_DTYPE_BF16, Z4AI_EFFORT_DEFAULT, 4096);
    return z.frame;
}

void expect_rejected(const Bytes& bad, const char* what, z4ai_status want = Z4AI_E_CORRUPT) {
    Dctx d = make_dctx();
    Bytes out(1 << 16);
    size_t written = 0;
    EXPECT_EQ(z4ai_decompress(d.get(), out.data(), out.size(), bad.data(), bad.size(), &written), want)
        << what;
    EXPECT_EQ(stream_status(bad, 0, 7), want) << what << " (streaming)";
}

TEST(Hostile, ReservedBitsAndFieldsMustBeZero) {
    const Bytes frame = planes_frame();
    ASSERT_FALSE(frame.empty());
    ASSERT_EQ(frame[5], 0x03);  // checksum + content size
    const size_t header = 24, block = header, payload = block + 16;
    ASSERT_EQ(frame[payload + 1], 1) << "first block should use the planes layout";
    const size_t end = frame.size() - z4ai::load_u32(frame.data() + frame.size() - 8);
    const size_t footer = end + 16;
    for (int bit = 3; bit < 8; ++bit) {
        Bytes bad = frame;
        bad[5] |= static_cast<uint8_t>(1 << bit);
        expect_rejected(bad, "frame flag bit");
    }
    for (size_t at : {17, 18, 19}) {
        Bytes bad = frame;
        bad[at] = 0x40;
        expect_rejected(bad, "reserved header byte");
    }
    {
        Bytes bad = frame;
        bad[5] &= ~2;  // content size present but flagged unknown
        expect_rejected(bad, "content size without its flag");
    }
    for (int bit = 1; bit < 8; ++bit) {
        Bytes bad = frame;
        bad[block + 9] |= static_cast<uint8_t>(1 << bit);
        expect_rejected(bad, "block flag bit");
    }
    for (size_t at : {block + 10, block + 11}) {
        Bytes bad = frame;
        bad[at] = 1;
        expect_rejected(bad, "reserved block header byte");
    }
    {
        Bytes bad = frame;
        bad[payload + 4 + 1] = 1;  // first stream entry's must-be-zero byte
        expect_rejected(bad, "reserved stream entry byte");
    }
    for (int bit = 4; bit < 7; ++bit) {
        Bytes bad = frame;
        bad[payload + 2] |= static_cast<uint8_t>(1 << bit);
        expect_rejected(bad, "planes parameter bit");
    }
    {
        Bytes bad = frame;
        bad[payload] = 1;  // delta kind in a frame without reference
        expect_rejected(bad, "delta kind without reference");
    }
    for (size_t at : {end + 9, end + 10, end + 4, end + 12}) {  // END flags, reserved, decoded size, checksum
        Bytes bad = frame;
        bad[at] = 1;
        expect_rejected(bad, "END block field");
    }
    {
        Bytes bad = frame;
        bad[footer + 12] = 1;
        expect_rejected(bad, "reserved footer field");
    }
}

// ---- bit flips and truncations over real frames ----

Bytes read_golden(const std::string& name) {
    std::string path = std::string(Z4AI_GOLDEN_DIR) + "/" + name;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return {};
    Bytes out;
    uint8_t buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
    return out;
}

struct Decoded {
    z4ai_status one_shot, stream, range;
    Bytes data;
};

Decoded decode_all_ways(const Bytes& frame, const Bytes* reference, bool verify) {
    Decoded r{};
    Dctx d = make_dctx();
    z4ai_dctx_set_param(d.get(), Z4AI_D_VERIFY_CHECKSUM, verify);
    if (reference) z4ai_dctx_ref_reference(d.get(), reference->data(), reference->size());
    Bytes out(1 << 16);
    size_t written = 0;
    r.one_shot = z4ai_decompress(d.get(), out.data(), out.size(), frame.data(), frame.size(), &written);
    if (r.one_shot == Z4AI_OK) r.data.assign(out.begin(), out.begin() + static_cast<long>(written));
    Bytes streamed = stream_decompress(d.get(), frame, 97, 1000, &r.stream);
    if (r.stream == Z4AI_OK && r.one_shot == Z4AI_OK) EXPECT_EQ(streamed, r.data);
    r.range =
        z4ai_decompress_range(d.get(), out.data(), out.size(), frame.data(), frame.size(), 1, 5000, &written);
    size_t info = 0;
    z4ai_frame_compressed_size(frame.data(), frame.size(), &info);  // must not crash
    return r;
}

struct GoldenCase {
    const char* name;
    const char* reference;
    uint64_t sample_bits;  // 0 = every bit
};

class GoldenFlips : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenFlips, EveryFlipIsDetectedOrHarmless) {
    const GoldenCase& c = GetParam();
    Bytes frame = read_golden(c.name);
    ASSERT_FALSE(frame.empty()) << c.name;
    Bytes reference;
    if (c.reference) reference = read_golden(c.reference);
    const Bytes* ref = c.reference ? &reference : nullptr;
    Decoded good = decode_all_ways(frame, ref, true);
    ASSERT_EQ(good.one_shot, Z4AI_OK);
    ASSERT_EQ(good.stream, Z4AI_OK);
    bool has_checksum = frame[5] & 1;
    uint64_t bits = frame.size() * 8;
    std::mt19937_64 rng(99);
    uint64_t tried = 0, undetected = 0;
    for (uint64_t i = 0; i < (c.sample_bits ? c.sample_bits : bits); ++i) {
        uint64_t bit = c.sample_bits ? rng() % bits : i;
        Bytes bad = frame;
        bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        Decoded r = decode_all_ways(bad, ref, true);
        ++tried;
        if (has_checksum) {
            // Detected means an error: never success, with any bytes.
            if (r.one_shot == Z4AI_OK || r.stream == Z4AI_OK) ++undetected;
        } else if (r.one_shot == Z4AI_OK) {
            EXPECT_EQ(r.data.size(), good.data.size()) << "bit " << bit;
        }
    }
    EXPECT_EQ(undetected, 0u) << "of " << tried << " flips in " << c.name;
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenFlips,
                         ::testing::Values(GoldenCase{"empty.default.z4ai", nullptr, 0},
                                           GoldenCase{"bf16.delta.z4ai", "reference.bf16", 0},
                                           GoldenCase{"bool.default.z4ai", nullptr, 0},
                                           GoldenCase{"uint8.max.z4ai", nullptr, 0},
                                           GoldenCase{"bf16-dup.default.z4ai", nullptr, 3000},
                                           GoldenCase{"fp32-pruned.fast.z4ai", nullptr, 3000},
                                           GoldenCase{"bf16.nochecksum.z4ai", nullptr, 3000}),
                         [](const auto& info) {
                             std::string s = info.param.name;
                             for (char& ch : s)
                                 if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return s;
                         });

TEST(Hostile, EveryTruncationOfRealFramesIsAnError) {
    Bytes reference = read_golden("reference.bf16");
    for (const char* name :
         {"bf16.delta.z4ai", "bool.default.z4ai", "bf16-dup.default.z4ai", "empty.fast.z4ai"}) {
        Bytes frame = read_golden(name);
        ASSERT_FALSE(frame.empty()) << name;
        bool delta = std::string(name).find("delta") != std::string::npos;
        for (size_t n = 0; n < frame.size(); ++n) {
            Bytes cut(frame.begin(), frame.begin() + static_cast<long>(n));
            Decoded r = decode_all_ways(cut, delta ? &reference : nullptr, true);
            ASSERT_LT(r.one_shot, 0) << name << " cut to " << n;
            ASSERT_LT(r.stream, 0) << name << " cut to " << n;
            size_t csize = 0;
            ASSERT_LT(z4ai_frame_compressed_size(cut.data(), cut.size(), &csize), 0) << name << " " << n;
        }
    }
}

}  // namespace
