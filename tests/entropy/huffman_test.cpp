// huffman_test.cpp - backend 4 (segmented 4-stream Huffman): round trips on
// skewed, flat, tiny and awkward inputs at every SIMD level, length limiting,
// and hostile streams (corrupt headers, truncation, flipped bits) that must give
// Error(corrupt), never a crash or an out-of-bounds access.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "entropy/huffman/huffman.hpp"
#include "simd/cpu.hpp"
#include "util/status.hpp"

using namespace z4ai;

namespace {

std::vector<uint8_t> exponent_like(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 0.02f);
    std::vector<uint8_t> v(n);
    for (auto& b : v) {
        float x = g(rng);
        uint32_t u;
        std::memcpy(&u, &x, 4);
        b = static_cast<uint8_t>(u >> 23);  // biased exponent
    }
    return v;
}

std::vector<uint8_t> geometric(size_t n, double p, uint32_t seed) {
    std::mt19937 rng(seed);
    std::geometric_distribution<int> g(p);
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(std::min(g(rng), 255));
    return v;
}

std::vector<uint8_t> encode(const std::vector<uint8_t>& in, unsigned log = huffman::kDefaultSegmentLog) {
    Buffer out;
    huffman::encode(Bytes(in.data(), in.size()), log, out);
    return std::vector<uint8_t>(out.data(), out.data() + out.size());
}

// Decodes into a buffer with guard bytes on both sides that must stay intact.
std::vector<uint8_t> decode(const std::vector<uint8_t>& enc, size_t n) {
    std::vector<uint8_t> buf(n + 64, 0xA5);
    huffman::decode(Bytes(enc.data(), enc.size()), buf.data() + 32, n);
    for (size_t i = 0; i < 32; ++i) {
        EXPECT_EQ(buf[i], 0xA5);
        EXPECT_EQ(buf[n + 32 + i], 0xA5);
    }
    return std::vector<uint8_t>(buf.begin() + 32, buf.begin() + 32 + static_cast<long>(n));
}

const simd::Level kLevels[] = {simd::Level::scalar, simd::Level::avx2, simd::Level::avx512};

struct CapGuard {
    ~CapGuard() { simd::set_cap(simd::Level::avx512); }
};

void roundtrip_all_levels(const std::vector<uint8_t>& in, unsigned log = huffman::kDefaultSegmentLog) {
    CapGuard guard;
    std::vector<uint8_t> reference;
    for (simd::Level level : kLevels) {
        simd::set_cap(level);
        auto enc = encode(in, log);
        if (reference.empty())
            reference = enc;
        else
            ASSERT_EQ(enc, reference) << "encoder output differs at " << simd::level_name(level);
        ASSERT_EQ(decode(enc, in.size()), in) << "level " << simd::level_name(level);
    }
}

TEST(Huffman, ExponentPlaneRoundTripsAndCompresses) {
    auto in = exponent_like(300000, 1);
    roundtrip_all_levels(in);
    auto enc = encode(in);
    EXPECT_LT(enc.size(), in.size() * 0.45);  // ~3 bits per symbol
}

TEST(Huffman, AwkwardSizes) {
    for (size_t n :
         {size_t(1), size_t(2), size_t(3), size_t(4), size_t(5), size_t(7), size_t(31), size_t(33),
          size_t(100), size_t(4095), size_t(65535), size_t(65536), size_t(65537), size_t(200003)}) {
        SCOPED_TRACE(n);
        roundtrip_all_levels(exponent_like(n, static_cast<uint32_t>(n)));
        roundtrip_all_levels(geometric(n, 0.3, static_cast<uint32_t>(n)));
    }
}

TEST(Huffman, EverySegmentSize) {
    auto in = geometric(150001, 0.2, 3);
    for (unsigned log = huffman::kMinSegmentLog; log <= huffman::kMaxSegmentLog; ++log) {
        SCOPED_TRACE(log);
        roundtrip_all_levels(in, log);
    }
}

TEST(Huffman, SkewedFlatAndConstantSegments) {
    std::vector<uint8_t> in;
    auto a = geometric(70000, 0.9, 5);  // very skewed: 1-bit codes, 6 symbols per lookup
    in.insert(in.end(), a.begin(), a.end());
    in.insert(in.end(), 70000, 42);  // constant segment
    std::mt19937 rng(9);
    for (int i = 0; i < 70000; ++i) in.push_back(static_cast<uint8_t>(rng()));  // flat: raw segment
    std::vector<uint8_t> two(70000);
    for (size_t i = 0; i < two.size(); ++i) two[i] = (rng() & 7) ? 3 : 200;
    in.insert(in.end(), two.begin(), two.end());
    roundtrip_all_levels(in);
}

TEST(Huffman, LengthLimitKeepsCodesCompleteAndShort) {
    // Fibonacci-like frequencies force a deep unconstrained tree.
    uint32_t freq[256] = {};
    uint32_t a = 1, b = 1;
    for (int s = 0; s < 30; ++s) {
        freq[s] = a;
        uint32_t c = a + b;
        a = b;
        b = c;
    }
    for (int s = 100; s < 256; ++s) freq[s] = 1;
    uint8_t len[256];
    huffman::build_lengths(freq, len);
    uint32_t kraft = 0;
    for (int s = 0; s < 256; ++s) {
        ASSERT_LE(len[s], huffman::kMaxCodeLength);
        ASSERT_EQ(freq[s] != 0, len[s] != 0);
        if (len[s]) kraft += 1u << (huffman::kMaxCodeLength - len[s]);
    }
    EXPECT_EQ(kraft, 1u << huffman::kMaxCodeLength);
    // And data with that distribution round-trips.
    std::vector<uint8_t> in;
    for (int s = 0; s < 256; ++s)
        for (uint32_t k = 0; k < std::min<uint32_t>(freq[s], 5000); ++k)
            in.push_back(static_cast<uint8_t>(s));
    std::shuffle(in.begin(), in.end(), std::mt19937(4));
    roundtrip_all_levels(in);
}

TEST(Huffman, RandomDistributionsRoundTrip) {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 40; ++trial) {
        size_t n = 1 + rng() % 140000;
        unsigned alphabet = 2 + rng() % 255;
        std::vector<double> w(alphabet);
        for (auto& x : w) x = std::pow(double(rng() % 1000 + 1), 1.0 + (rng() % 3));
        std::discrete_distribution<int> d(w.begin(), w.end());
        std::vector<uint8_t> in(n);
        uint8_t offset = static_cast<uint8_t>(rng() % (257 - alphabet));
        for (auto& b : in) b = static_cast<uint8_t>(offset + d(rng));
        SCOPED_TRACE(trial);
        roundtrip_all_levels(in, huffman::kMinSegmentLog + rng() % 6);
    }
}

void expect_corrupt_or_ok(const std::vector<uint8_t>& enc, size_t n) {
    try {
        decode(enc, n);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Code::corrupt) << e.message();
    }
}

TEST(Huffman, CorruptHeadersAreErrorsNotCrashes) {
    auto in = exponent_like(140000, 21);
    auto enc = encode(in);
    const size_t n = in.size();
    auto expect_corrupt = [&](std::vector<uint8_t> bad) {
        try {
            decode(bad, n);
            ADD_FAILURE() << "accepted a corrupt stream";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Code::corrupt);
        }
    };
    {
        auto bad = enc;
        bad[0] = 5;  // segment log below the minimum
        expect_corrupt(bad);
        bad[0] = 30;
        expect_corrupt(bad);
    }
    {
        auto bad = enc;
        bad[1] = 9;  // unknown segment mode
        expect_corrupt(bad);
    }
    {
        auto bad = enc;
        std::swap(bad[2], bad[3]);  // first > last (or range changed)
        if (bad[2] > bad[3]) {
            expect_corrupt(bad);
        }
    }
    {
        auto bad = enc;
        bad[4] = 0xFF;  // code lengths 15: above the limit
        expect_corrupt(bad);
    }
    {
        auto bad = enc;
        const unsigned span = enc[3] - enc[2] + 1;
        for (unsigned k = 0; k < (span + 1) / 2; ++k) bad[4 + k] = 0x11;  // all length 1: oversubscribed
        expect_corrupt(bad);
    }
    {
        auto bad = enc;
        bad.pop_back();  // truncated
        expect_corrupt(bad);
        auto longer = enc;
        longer.push_back(0);  // trailing garbage
        expect_corrupt(longer);
    }
    {
        auto bad = enc;
        const unsigned span = enc[3] - enc[2] + 1;
        size_t sizes_at = 4 + (span + 1) / 2;
        bad[sizes_at] ^= 0x40;  // a stream size lies
        expect_corrupt(bad);
    }
    // Every truncation length and random byte flips: error or (rarely) a wrong
    // decode, never a crash (ASan builds check the bounds).
    for (size_t cut = 0; cut < enc.size(); cut += 97) {
        std::vector<uint8_t> bad(enc.begin(), enc.begin() + static_cast<long>(cut));
        expect_corrupt_or_ok(bad, n);
    }
    std::mt19937 rng(5);
    for (int trial = 0; trial < 300; ++trial) {
        auto bad = enc;
        int flips = 1 + rng() % 4;
        for (int f = 0; f < flips; ++f) bad[rng() % std::min<size_t>(bad.size(), 200)] ^= 1u << (rng() % 8);
        expect_corrupt_or_ok(bad, n);
        bad = enc;
        bad[rng() % bad.size()] ^= 1u << (rng() % 8);
        expect_corrupt_or_ok(bad, n);
    }
}

TEST(Huffman, IncompleteCodesAreCorruptAndCompleteOnesDecode) {
    // Hand-made segment: symbols 0 and 1 with lengths 1 and 2 (code space 3/4,
    // pattern 11 unused): rejected at the header.
    std::vector<uint8_t> enc = {16, 2, 0, 1, 0x21};
    enc.insert(enc.end(), {1, 0, 1, 0, 1, 0, 1, 0});  // four streams of one byte (n = 4)
    enc.insert(enc.end(), {0x00, 0x80, 0x40, 0x80});
    try {
        decode(enc, 4);
        ADD_FAILURE() << "incomplete code accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Code::corrupt);
    }
    // Symbols 0, 1, 2 with lengths 1, 2, 2: codes 0, 10, 11 (canonical, MSB first).
    enc[4] = 0x21;
    enc.insert(enc.begin() + 5, 0x02);
    enc[3] = 2;
    enc[enc.size() - 1] = 0xC0;  // stream 3: 11 -> symbol 2
    EXPECT_EQ(decode(enc, 4), (std::vector<uint8_t>{0, 1, 0, 2}));
    enc.push_back(0);    // a stream size that does not match its bits
    enc[6 + 2 * 3] = 2;  // B3 = 2: stream 3 is "11" plus a whole zero byte
    try {
        decode(enc, 4);
        ADD_FAILURE() << "stream with an extra byte accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Code::corrupt);
    }
}

}  // namespace
