// fastx_test.cpp - backend 5 (multi-level fixed-width escape code): round trips
// at every SIMD level (AVX-512, AVX2 + BMI2, portable) on skewed, flat, tiny and
// awkward inputs, every level/width shape the encoder can choose, incremental
// decoding across segment boundaries, and hostile streams (bad headers,
// truncation, flipped bits, lying escape counts) that must give Error(corrupt),
// never a crash or a write outside the output.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "entropy/fastx/fastx.hpp"
#include "simd/cpu.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

using namespace z4ai;

namespace {

using Vec = std::vector<uint8_t>;

Vec exponent_like(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 0.02f);
    Vec v(n);
    for (auto& b : v) {
        float x = g(rng);
        uint32_t u;
        std::memcpy(&u, &x, 4);
        b = static_cast<uint8_t>(u >> 23);
    }
    return v;
}

Vec geometric(size_t n, double p, uint32_t seed) {
    std::mt19937 rng(seed);
    std::geometric_distribution<int> g(p);
    Vec v(n);
    for (auto& b : v) b = static_cast<uint8_t>(std::min(g(rng), 255));
    return v;
}

Vec encode(const Vec& in, unsigned log = fastx::kDefaultSegmentLog) {
    Buffer out;
    fastx::encode(Bytes(in.data(), in.size()), log, out);
    EXPECT_EQ(out.size(), fastx::encoded_size(Bytes(in.data(), in.size()), log));
    return Vec(out.data(), out.data() + out.size());
}

// Decodes into a buffer with guard bytes on both sides that must stay intact.
Vec decode(const Vec& enc, size_t n) {
    Vec buf(n + 128, 0xA5);
    fastx::decode(Bytes(enc.data(), enc.size()), buf.data() + 64, n);
    for (size_t i = 0; i < 64; ++i) {
        EXPECT_EQ(buf[i], 0xA5);
        EXPECT_EQ(buf[n + 64 + i], 0xA5);
    }
    return Vec(buf.begin() + 64, buf.begin() + 64 + static_cast<long>(n));
}

const simd::Level kLevels[] = {simd::Level::scalar, simd::Level::avx2, simd::Level::avx512};

struct CapGuard {
    ~CapGuard() { simd::set_cap(simd::Level::avx512); }
};

void roundtrip_all_levels(const Vec& in, unsigned log = fastx::kDefaultSegmentLog) {
    CapGuard guard;
    const Vec enc = encode(in, log);
    for (simd::Level level : kLevels) {
        simd::set_cap(level);
        ASSERT_EQ(decode(enc, in.size()), in) << "level " << simd::level_name(level) << " size " << in.size();
    }
}

// (levels, widths) of the first segment of an encoding in escape mode.
std::pair<unsigned, Vec> first_shape(const Vec& enc) {
    if (enc.size() < 3 || enc[1] != 2) return {0, {}};
    const unsigned levels = enc[2];
    return {levels, Vec(enc.begin() + 3, enc.begin() + 3 + levels)};
}

bool decodes_as_corrupt(const Vec& enc, size_t n) {
    Vec out(n + 64);
    try {
        fastx::decode(Bytes(enc.data(), enc.size()), out.data(), n);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Code::corrupt) << e.message();
        return true;
    }
    return false;
}

TEST(Fastx, ExponentPlaneRoundTripsAndCompresses) {
    auto in = exponent_like(300000, 1);
    roundtrip_all_levels(in);
    auto enc = encode(in);
    // Gaussian weights' exponents: ~2.7 bits of entropy; the escape code stays near it.
    EXPECT_LT(double(enc.size()) * 8 / double(in.size()), 3.2);
}

TEST(Fastx, AwkwardSizesRoundTrip) {
    for (size_t n : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(9), size_t(63), size_t(64),
                     size_t(65), size_t(127), size_t(4095), size_t(4096), size_t(65536), size_t(65536 + 123)})
        roundtrip_all_levels(exponent_like(n, static_cast<uint32_t>(n)));
}

TEST(Fastx, SkewedFlatConstantAndRandomInputs) {
    for (double p : {0.95, 0.8, 0.5, 0.3, 0.15, 0.05, 0.02}) roundtrip_all_levels(geometric(100000, p, 7));
    roundtrip_all_levels(Vec(70000, 0x3C));  // rle segments
    std::mt19937 rng(3);
    Vec flat(70000);
    for (auto& b : flat) b = static_cast<uint8_t>(rng());
    roundtrip_all_levels(flat);  // raw segments
    EXPECT_LE(encode(flat).size(), flat.size() + 2 + flat.size() / 65536);
    Vec all(256 * 300);  // every symbol present: the deepest escapes
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>((i * 7919) % 256);
    roundtrip_all_levels(all);
}

TEST(Fastx, EverySegmentSizeRoundTrips) {
    auto in = exponent_like(150000, 4);
    for (unsigned log = fastx::kMinSegmentLog; log <= fastx::kMaxSegmentLog; ++log)
        roundtrip_all_levels(in, log);
}

TEST(Fastx, EncoderUsesEveryLevelCountAndWidth) {
    std::set<unsigned> levels, widths;
    std::vector<Vec> inputs;
    for (double p = 0.98; p > 0.01; p *= 0.8) inputs.push_back(geometric(65536, p, 1));
    std::mt19937 rng(5);
    for (unsigned k : {2u, 3u, 7u, 15u, 31u, 40u, 63u, 100u, 255u}) {  // uniform over k symbols
        Vec v(65536);
        for (auto& b : v) b = static_cast<uint8_t>(rng() % k);
        inputs.push_back(v);
    }
    for (const Vec& in : inputs) {
        Vec enc = encode(in);
        auto [l, w] = first_shape(enc);
        if (l == 0) continue;
        levels.insert(l);
        widths.insert(w.begin(), w.end());
        roundtrip_all_levels(in);
    }
    for (unsigned l = 1; l <= fastx::kMaxLevels; ++l)
        EXPECT_TRUE(levels.count(l)) << "no segment with " << l << " levels";
    for (unsigned w = 1; w <= fastx::kMaxWidth; ++w)
        EXPECT_TRUE(widths.count(w)) << "no level of width " << w;
}

TEST(Fastx, IncrementalReaderMatchesOneShotAcrossSegments) {
    CapGuard guard;
    auto in = exponent_like(3 * 4096 + 100, 9);
    auto enc = encode(in, 12);
    for (simd::Level level : kLevels) {
        simd::set_cap(level);
        for (size_t step : {size_t(64), size_t(192), size_t(4096), size_t(5000 / 64 * 64)}) {
            fastx::Reader r(Bytes(enc.data(), enc.size()), in.size());
            Vec out(in.size());
            size_t at = 0;
            while (at < in.size()) {
                size_t m = std::min(step, in.size() - at);
                r.next(out.data() + at, m);
                at += m;
            }
            r.finish();
            ASSERT_EQ(out, in) << "step " << step << " at " << simd::level_name(level);
        }
        fastx::Reader r(Bytes(enc.data(), enc.size()), in.size());
        Vec out(in.size());
        EXPECT_THROW(r.next(out.data(), 100), Error);  // not a multiple of 64, not the end
    }
}

TEST(Fastx, EveryTruncationIsCorrupt) {
    auto in = exponent_like(5000, 11);
    auto enc = encode(in, 12);
    for (size_t len = 0; len < enc.size(); ++len) {
        Vec cut(enc.begin(), enc.begin() + static_cast<long>(len));
        EXPECT_TRUE(decodes_as_corrupt(cut, in.size())) << "length " << len;
    }
    Vec longer = enc;
    longer.push_back(0);
    EXPECT_TRUE(decodes_as_corrupt(longer, in.size()));
}

TEST(Fastx, BitFlipsNeverCrashAtAnyLevel) {
    CapGuard guard;
    auto in = exponent_like(4096 + 200, 12);
    auto enc = encode(in, 12);
    for (simd::Level level : kLevels) {
        simd::set_cap(level);
        size_t corrupt = 0;
        for (size_t bit = 0; bit < enc.size() * 8; bit += (level == simd::Level::avx512 ? 1 : 7)) {
            Vec bad = enc;
            bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
            Vec out(in.size() + 128, 0xA5);
            try {
                fastx::decode(Bytes(bad.data(), bad.size()), out.data() + 64, in.size());
            } catch (const Error& e) {
                EXPECT_EQ(e.code(), Code::corrupt);
                ++corrupt;
            }
            for (size_t i = 0; i < 64; ++i) ASSERT_EQ(out[i], 0xA5);
            for (size_t i = 0; i < 64; ++i) ASSERT_EQ(out[in.size() + 64 + i], 0xA5);
        }
        EXPECT_GT(corrupt, 0u);
    }
}

// A hand-made one-segment stream: log 12, escape mode, `levels` with `widths`.
Vec segment(std::initializer_list<uint8_t> header, const Vec& rest) {
    Vec v = {12, 2};
    v.insert(v.end(), header);
    v.insert(v.end(), rest.begin(), rest.end());
    return v;
}

TEST(Fastx, HostileHeadersAreCorrupt) {
    const Vec ok = encode(exponent_like(4096, 13), 12);
    Vec bad = ok;
    bad[0] = 11;  // segment log below the minimum
    EXPECT_TRUE(decodes_as_corrupt(bad, 4096));
    bad = ok;
    bad[0] = 21;
    EXPECT_TRUE(decodes_as_corrupt(bad, 4096));
    bad = ok;
    bad[1] = 3;  // unknown mode
    EXPECT_TRUE(decodes_as_corrupt(bad, 4096));
    // Level count 0 and 5, width 0 and 7.
    EXPECT_TRUE(decodes_as_corrupt(segment({0}, Vec(100)), 8));
    EXPECT_TRUE(decodes_as_corrupt(segment({5, 1, 1, 1, 1, 1}, Vec(100)), 8));
    EXPECT_TRUE(decodes_as_corrupt(segment({1, 0}, Vec(100)), 8));
    EXPECT_TRUE(decodes_as_corrupt(segment({1, 7}, Vec(100)), 8));
    // One level of width 1 (symbol 9), 8 codes: escape count above the segment.
    EXPECT_TRUE(decodes_as_corrupt(segment({1, 1, 9, 9, 0, 0, 0}, {0x00}), 8));
    // Escape count 0, but the codes escape: more escapes than declared.
    EXPECT_TRUE(decodes_as_corrupt(segment({1, 1, 9, 0, 0, 0, 0}, {0xFF}), 8));
    // Escape count 2 with codes escaping once: fewer than declared.
    EXPECT_TRUE(decodes_as_corrupt(segment({1, 1, 9, 2, 0, 0, 0}, {0x01, 7, 7}), 8));
    // Valid: codes 0b00000001 -> escape then 7 x symbol 9, one raw byte 7.
    Vec good = segment({1, 1, 9, 1, 0, 0, 0}, {0x01, 7});
    Vec out(8);
    fastx::decode(Bytes(good.data(), good.size()), out.data(), 8);
    EXPECT_EQ(out, (Vec{7, 9, 9, 9, 9, 9, 9, 9}));
    // 5 codes of width 1: the 3 padding bits must be zero.
    Vec padded = segment({1, 1, 9, 0, 0, 0, 0}, {0x00});
    fastx::decode(Bytes(padded.data(), padded.size()), out.data(), 5);
    padded.back() = 0x80;
    EXPECT_TRUE(decodes_as_corrupt(padded, 5));
    // Deeper escape counts must not grow.
    EXPECT_TRUE(decodes_as_corrupt(segment({2, 1, 1, 9, 8, 1, 0, 0, 0, 2, 0, 0, 0}, {0x01, 0x01, 7, 7}), 8));
}

TEST(Fastx, LyingEscapeCountsNeverReadPastTheSource) {
    // Level 1 all escapes (0xFF codes) over a long segment, with a tiny declared
    // escape count: every SIMD path must stop at its check, not read on.
    CapGuard guard;
    const size_t n = 4096;
    Vec s = {12, 2, 1, 2, 1, 2, 3, 3, 0, 0, 0};  // 1 level of width 2, symbols 1 2 3, 3 escapes
    Vec codes(2 * n / 8, 0xFF);
    s.insert(s.end(), codes.begin(), codes.end());
    s.insert(s.end(), {5, 5, 5});
    for (simd::Level level : kLevels) {
        simd::set_cap(level);
        EXPECT_TRUE(decodes_as_corrupt(s, n)) << simd::level_name(level);
    }
}

}  // namespace
