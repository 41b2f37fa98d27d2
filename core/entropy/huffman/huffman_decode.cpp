// huffman_decode.cpp - backend 4 decoder. Per segment: parse and validate the
// code lengths, build the multi-symbol table, then decode the four bitstreams
// together: a fast loop that runs a precomputed number of rounds with no bounds
// checks (5 lookups per stream per 64-bit reload), then a checked tail per stream.
// The loop is compiled twice (baseline x86-64 and BMI2) and picked at run time.
#include <algorithm>
#include <cstring>

#include "entropy/huffman/huffman.hpp"
#include "simd/dispatch.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai::huffman {
namespace {

constexpr uint8_t kModeRaw = 0, kModeRle = 1, kModeHuffman = 2;
constexpr unsigned kLookupsPerReload = 5;  // 5 x 11 bits <= 56 valid bits after a reload
constexpr size_t kMaxOutPerRound = 6 * kLookupsPerReload;

inline uint64_t load_be64(const uint8_t* p) { return __builtin_bswap64(load_u64(p)); }

// 64 bits starting at bit `pos` (MSB-first); bytes past the stream read as zero.
inline uint64_t safe_window(const uint8_t* in, size_t len, uint64_t pos) {
    const size_t byte = pos >> 3;
    if (byte + 8 <= len) return load_be64(in + byte) << (pos & 7);
    uint8_t tmp[8] = {};
    if (byte < len) std::memcpy(tmp, in + byte, len - byte);
    return load_be64(tmp) << (pos & 7);
}

struct Streams {
    const uint8_t* in[4];
    size_t len[4];
    uint8_t* out[4];
    uint8_t* end[4];
    uint64_t pos[4];
};

__attribute__((always_inline)) inline void fast_loop(const uint64_t* T, Streams& s) {
    for (;;) {
        size_t rounds = SIZE_MAX;
        for (unsigned j = 0; j < 4; ++j) {
            const size_t room = static_cast<size_t>(s.end[j] - s.out[j]);
            const int64_t in_limit = int64_t(s.len[j]) * 8 - 64 - int64_t(s.pos[j]);
            if (room < kMaxOutPerRound + 8 || in_limit < 0) return;
            const size_t r_out = (room - kMaxOutPerRound - 8) / kMaxOutPerRound + 1;
            const size_t r_in = static_cast<size_t>(in_limit) / (kLookupsPerReload * kMaxCodeLength) + 1;
            rounds = std::min(rounds, std::min(r_out, r_in));
        }
        const uint8_t *in0 = s.in[0], *in1 = s.in[1], *in2 = s.in[2], *in3 = s.in[3];
        uint8_t *o0 = s.out[0], *o1 = s.out[1], *o2 = s.out[2], *o3 = s.out[3];
        uint64_t p0 = s.pos[0], p1 = s.pos[1], p2 = s.pos[2], p3 = s.pos[3];
        for (size_t r = 0; r < rounds; ++r) {
            // The lowest bit of each window is a marker: after the round, its
            // position is the number of bits consumed (no per-lookup counter).
            uint64_t b0 = (load_be64(in0 + (p0 >> 3)) << (p0 & 7)) | 1;
            uint64_t b1 = (load_be64(in1 + (p1 >> 3)) << (p1 & 7)) | 1;
            uint64_t b2 = (load_be64(in2 + (p2 >> 3)) << (p2 & 7)) | 1;
            uint64_t b3 = (load_be64(in3 + (p3 >> 3)) << (p3 & 7)) | 1;
#define Z4AI_HUF_STEP(b, o)                               \
    do {                                                  \
        const uint64_t e = T[b >> (64 - kMaxCodeLength)]; \
        b <<= e & 63;                                     \
        store_u64(o, e >> 8);                             \
        o += e >> 56;                                     \
    } while (0)
#define Z4AI_HUF_ROUND     \
    Z4AI_HUF_STEP(b0, o0); \
    Z4AI_HUF_STEP(b1, o1); \
    Z4AI_HUF_STEP(b2, o2); \
    Z4AI_HUF_STEP(b3, o3)
            Z4AI_HUF_ROUND;
            Z4AI_HUF_ROUND;
            Z4AI_HUF_ROUND;
            Z4AI_HUF_ROUND;
            Z4AI_HUF_ROUND;
#undef Z4AI_HUF_ROUND
#undef Z4AI_HUF_STEP
            p0 += static_cast<unsigned>(__builtin_ctzll(b0));
            p1 += static_cast<unsigned>(__builtin_ctzll(b1));
            p2 += static_cast<unsigned>(__builtin_ctzll(b2));
            p3 += static_cast<unsigned>(__builtin_ctzll(b3));
        }
        s.out[0] = o0, s.out[1] = o1, s.out[2] = o2, s.out[3] = o3;
        s.pos[0] = p0, s.pos[1] = p1, s.pos[2] = p2, s.pos[3] = p3;
    }
}

void fast_loop_generic(const uint64_t* T, Streams& s) { fast_loop(T, s); }
#if defined(__x86_64__)
__attribute__((target("bmi,bmi2,lzcnt"))) void fast_loop_bmi2(const uint64_t* T, Streams& s) {
    fast_loop(T, s);
}
#endif

// Checked decode of what the fast loop left; validates the stream's bit count.
void tail(const DecodeTable& t, Streams& s, unsigned j) {
    const uint8_t* in = s.in[j];
    const size_t len = s.len[j];
    uint8_t* o = s.out[j];
    uint8_t* const end = s.end[j];
    uint64_t pos = s.pos[j];
    while (o < end) {
        const uint64_t b = safe_window(in, len, pos);
        const size_t idx = b >> (64 - kMaxCodeLength);
        const uint64_t e = t.multi[idx];
        const size_t ns = e >> 56;
        const size_t room = static_cast<size_t>(end - o);
        if (ns != 0 && ns <= room) {
            if (room >= 8)
                store_u64(o, e >> 8);
            else
                for (size_t k = 0; k < ns; ++k) o[k] = static_cast<uint8_t>(e >> (8 * k + 8));
            o += ns;
            pos += e & 0xFF;
        } else {
            const uint16_t f = t.first[idx];
            if (!(f >> 8)) fail(Code::corrupt, "huffman stream holds an unused code");
            *o++ = static_cast<uint8_t>(f);
            pos += f >> 8;
        }
    }
    if (pos > uint64_t(len) * 8 || (pos + 7) / 8 != len)
        fail(Code::corrupt, "huffman bitstream length does not match its symbol count");
}

void decode_segment(Reader::Cursor& c, uint8_t* dst, size_t n, DecodeTable& table, bool bmi2) {
    const uint8_t mode = *c.take(1);
    if (mode == kModeRaw) {
        std::memcpy(dst, c.take(n), n);
        return;
    }
    if (mode == kModeRle) {
        std::memset(dst, *c.take(1), n);
        return;
    }
    if (mode != kModeHuffman) fail(Code::corrupt, "unknown huffman segment mode");
    const uint8_t* h = c.take(2);
    const unsigned first = h[0], last = h[1];
    if (first > last) fail(Code::corrupt, "huffman symbol range is empty");
    const unsigned span = last - first + 1;
    const uint8_t* nib = c.take((span + 1) / 2);
    uint8_t len[256] = {};
    unsigned present = 0;
    for (unsigned k = 0; k < span; ++k) {
        len[first + k] = (nib[k / 2] >> (4 * (k & 1))) & 0x0F;
        present += len[first + k] != 0;
    }
    if ((span & 1) && (nib[span / 2] >> 4)) fail(Code::corrupt, "huffman length padding is not zero");
    if (present < 2 || !build_decode_table(len, table)) fail(Code::corrupt, "invalid huffman code lengths");
    const uint8_t* sz = c.take(8);
    Streams s;
    const size_t q = (n + 3) / 4;
    for (unsigned j = 0; j < 4; ++j) {
        s.len[j] = load_u16(sz + 2 * j);
        const size_t from = std::min(n, j * q);
        s.out[j] = dst + from;
        s.end[j] = dst + from + std::min(q, n - from);
        s.pos[j] = 0;
    }
    for (unsigned j = 0; j < 4; ++j) s.in[j] = c.take(s.len[j]);
#if defined(__x86_64__)
    if (bmi2)
        fast_loop_bmi2(table.multi, s);
    else
        fast_loop_generic(table.multi, s);
#else
    (void)bmi2;
    fast_loop_generic(table.multi, s);
#endif
    for (unsigned j = 0; j < 4; ++j) tail(table, s, j);
}

// The BMI2 refill path, chosen once per process (simd/dispatch.hpp).
bool select_bmi2_path(simd::Level level) noexcept { return level >= simd::Level::avx2; }
simd::Dispatched<bool> g_bmi2_path{select_bmi2_path};

}  // namespace

Reader::Reader(Bytes encoded, size_t n)
    : cursor_{encoded.data(), encoded.size(), "huffman stream truncated"}, total_(n) {
    log_ = *cursor_.take(1);
    if (log_ < kMinSegmentLog || log_ > kMaxSegmentLog) fail(Code::corrupt, "bad huffman segment size");
    bmi2_ = g_bmi2_path.get();
}

void Reader::next(uint8_t* dst, size_t count, DecodeTable& table) {
    const size_t seg = segment_size();
    if (count > total_ - done_ || (count % seg != 0 && done_ + count != total_))
        fail(Code::internal, "huffman reader asked for a partial segment");
    for (size_t at = 0; at < count; at += seg)
        decode_segment(cursor_, dst + at, std::min(seg, count - at), table, bmi2_);
    done_ += count;
}

void Reader::finish() const {
    if (done_ != total_) fail(Code::internal, "huffman reader not at the end");
    if (cursor_.left != 0) fail(Code::corrupt, "bytes follow the last huffman segment");
}

void decode(Bytes encoded, uint8_t* dst, size_t n) {
    Reader r(encoded, n);
    DecodeTable table;
    r.next(dst, n, table);
    r.finish();
}

}  // namespace z4ai::huffman
