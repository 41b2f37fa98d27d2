// huffman_encode.cpp - backend 4 encoder: per segment one histogram, one
// length-limited code, four bitstreams written MSB-first (see FORMAT.md).
#include <algorithm>
#include <cstring>

#include "entropy/huffman/huffman.hpp"
#include "simd/dispatch.hpp"
#include "util/histogram.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai::huffman {
namespace {

constexpr uint8_t kModeRaw = 0, kModeRle = 1, kModeHuffman = 2;

inline void store_be64(uint8_t* p, uint64_t v) { store_u64(p, __builtin_bswap64(v)); }

// Canonical codes (MSB-first): shorter codes first, then by symbol value.
// code[s] = (code bits << 8) | length.
void canonical_codes(const uint8_t len[256], uint32_t code[256]) {
    unsigned per_len[kMaxCodeLength + 1] = {};
    for (unsigned s = 0; s < 256; ++s) ++per_len[len[s]];
    uint32_t next[kMaxCodeLength + 2] = {};
    uint32_t c = 0;
    for (unsigned l = 1; l <= kMaxCodeLength; ++l) {
        next[l] = c;
        c = (c + per_len[l]) << 1;
    }
    for (unsigned s = 0; s < 256; ++s) code[s] = len[s] ? ((next[len[s]]++) << 8) | len[s] : 0;
}

struct Writer {
    uint8_t* out;
    uint64_t acc = 0;
    unsigned bits = 0;  // pending bits in the low end of acc, < 8 after flush
    __attribute__((always_inline)) inline void put(uint32_t c) {
        const unsigned l = c & 0xFF;
        acc = (acc << l) | (c >> 8);
        bits += l;
    }
    // Needs 8 writable bytes at out; valid while bits <= 64 and bits > 0.
    __attribute__((always_inline)) inline void flush() {
        store_be64(out, acc << (64 - bits));
        out += bits >> 3;
        bits &= 7;
    }
    inline void finish() {
        if (bits) *out++ = static_cast<uint8_t>(acc << (8 - bits));
        bits = 0;
    }
};

// Encodes count symbols; flushes every 4 (at most 7 + 44 pending bits).
__attribute__((always_inline)) inline void encode_run(Writer& w, const uint8_t* s, size_t count,
                                                      const uint32_t* code) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        w.put(code[s[i]]);
        w.put(code[s[i + 1]]);
        w.put(code[s[i + 2]]);
        w.put(code[s[i + 3]]);
        w.flush();
    }
    for (; i < count; ++i) {
        w.put(code[s[i]]);
        w.flush();
    }
}

// Writes the four streams of one segment at area + j * max_stream.
__attribute__((always_inline)) inline void encode_streams(const uint8_t* in, size_t q, const size_t counts[4],
                                                          const uint32_t* code, uint8_t* area,
                                                          size_t max_stream, size_t sizes[4]) {
    // Two passes of two writers each: enough independent chains to overlap,
    // few enough live values to stay in registers.
    const size_t common = counts[3] - counts[3] % 5;  // groups of 5: 7 + 55 pending bits <= 64
    const uint8_t* src[4] = {in, in + q, in + 2 * q, in + 3 * q};
    Writer w[4] = {{area}, {area + max_stream}, {area + 2 * max_stream}, {area + 3 * max_stream}};
    for (unsigned pair = 0; pair < 4; pair += 2) {
        uint64_t a0 = 0, a1 = 0;
        unsigned n0 = 0, n1 = 0;
        uint8_t *o0 = w[pair].out, *o1 = w[pair + 1].out;
        const uint8_t *s0 = src[pair], *s1 = src[pair + 1];
#define Z4AI_PUT(a, n, sym)             \
    do {                                \
        const uint32_t c = code[sym];   \
        a = (a << (c & 63)) | (c >> 8); \
        n += c & 0xFF;                  \
    } while (0)
#define Z4AI_FLUSH(a, n, o)           \
    do {                              \
        store_be64(o, a << (64 - n)); \
        o += n >> 3;                  \
        n &= 7;                       \
    } while (0)
        for (size_t i = 0; i < common; i += 5) {
            Z4AI_PUT(a0, n0, s0[i]);
            Z4AI_PUT(a1, n1, s1[i]);
            Z4AI_PUT(a0, n0, s0[i + 1]);
            Z4AI_PUT(a1, n1, s1[i + 1]);
            Z4AI_PUT(a0, n0, s0[i + 2]);
            Z4AI_PUT(a1, n1, s1[i + 2]);
            Z4AI_PUT(a0, n0, s0[i + 3]);
            Z4AI_PUT(a1, n1, s1[i + 3]);
            Z4AI_PUT(a0, n0, s0[i + 4]);
            Z4AI_PUT(a1, n1, s1[i + 4]);
            Z4AI_FLUSH(a0, n0, o0);
            Z4AI_FLUSH(a1, n1, o1);
        }
#undef Z4AI_PUT
#undef Z4AI_FLUSH
        w[pair] = {o0, a0, n0};
        w[pair + 1] = {o1, a1, n1};
    }
    for (unsigned j = 0; j < 4; ++j) {
        encode_run(w[j], src[j] + common, counts[j] - common, code);
        w[j].finish();
        sizes[j] = static_cast<size_t>(w[j].out - (area + j * max_stream));
    }
}

void encode_streams_generic(const uint8_t* in, size_t q, const size_t counts[4], const uint32_t* code,
                            uint8_t* area, size_t max_stream, size_t sizes[4]) {
    encode_streams(in, q, counts, code, area, max_stream, sizes);
}
#if defined(__x86_64__)
__attribute__((target("bmi,bmi2"))) void encode_streams_bmi2(const uint8_t* in, size_t q,
                                                             const size_t counts[4], const uint32_t* code,
                                                             uint8_t* area, size_t max_stream,
                                                             size_t sizes[4]) {
    encode_streams(in, q, counts, code, area, max_stream, sizes);
}
#endif

// Chosen once per process (simd/dispatch.hpp).
using EncodeStreamsFn = decltype(&encode_streams_generic);
EncodeStreamsFn select_encode_streams(simd::Level level) noexcept {
#if defined(__x86_64__)
    if (level >= simd::Level::avx2) return encode_streams_bmi2;
#endif
    (void)level;
    return encode_streams_generic;
}
simd::Dispatched<EncodeStreamsFn> g_encode_streams{select_encode_streams};

void encode_segment(const uint8_t* in, size_t n, Buffer& out) {
    uint32_t freq[256];
    byte_histogram(in, n, freq);
    unsigned present = 0, first = 256, last = 0;
    for (unsigned s = 0; s < 256; ++s)
        if (freq[s]) {
            ++present;
            if (first == 256) first = s;
            last = s;
        }
    if (present == 1) {
        uint8_t* p = out.extend(2);
        p[0] = kModeRle;
        p[1] = static_cast<uint8_t>(first);
        return;
    }
    uint8_t len[256];
    build_lengths(freq, len);
    uint64_t bits = 0;
    for (unsigned s = first; s <= last; ++s) bits += uint64_t(freq[s]) * len[s];
    const size_t table_bytes = (last - first + 2) / 2;
    const size_t header = 3 + table_bytes + 8;
    // Each stream pads to a byte: at most 4 bytes on top of bits / 8.
    if (header + bits / 8 + 4 >= n + 1) {
        uint8_t* p = out.extend(1 + n);
        p[0] = kModeRaw;
        std::memcpy(p + 1, in, n);
        return;
    }
    uint32_t code[256];
    canonical_codes(len, code);

    const size_t q = (n + 3) / 4;
    size_t counts[4];
    for (unsigned j = 0; j < 4; ++j) {
        size_t from = std::min(n, j * q);
        counts[j] = std::min(q, n - from);
    }
    // Worst case per stream: q symbols of 11 bits, plus 8 bytes of flush slack.
    const size_t max_stream = (q * kMaxCodeLength + 7) / 8 + 8;
    const size_t base = out.size();
    out.reserve(base + header + 4 * max_stream);
    out.resize(base + header);
    uint8_t* h = out.data() + base;
    h[0] = kModeHuffman;
    h[1] = static_cast<uint8_t>(first);
    h[2] = static_cast<uint8_t>(last);
    std::memset(h + 3, 0, table_bytes);
    for (unsigned s = first; s <= last; ++s) {
        unsigned k = s - first;
        h[3 + k / 2] |= static_cast<uint8_t>(len[s] << (4 * (k & 1)));
    }
    uint8_t* area = out.data() + base + header;
    size_t sizes[4];
    g_encode_streams.get()(in, q, counts, code, area, max_stream, sizes);
    uint8_t* sz = out.data() + base + header - 8;
    size_t at = 0;
    for (unsigned j = 0; j < 4; ++j) {
        store_u16(sz + 2 * j, static_cast<uint16_t>(sizes[j]));
        if (j) std::memmove(area + at, area + j * max_stream, sizes[j]);
        at += sizes[j];
    }
    out.resize(base + header + at);
}

}  // namespace

void encode(Bytes in, unsigned segment_log, Buffer& out) {
    if (segment_log < kMinSegmentLog || segment_log > kMaxSegmentLog)
        fail(Code::internal, "huffman segment size out of range");
    const uint8_t log_byte = static_cast<uint8_t>(segment_log);
    out.append(&log_byte, 1);
    const size_t seg = size_t(1) << segment_log;
    for (size_t at = 0; at < in.size(); at += seg)
        encode_segment(in.data() + at, std::min(seg, in.size() - at), out);
}

}  // namespace z4ai::huffman
