// fastx_encode.cpp - backend 5 encoder: per segment one histogram, the symbols
// ranked by count (ties by value, so output is deterministic), the level widths
// that give the smallest segment (every pattern of 1-4 levels of 1-6 bits is
// costed exactly from the ranked counts), then each level's codes packed eight
// to w bytes, escapes collected branch-free for the next level.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "entropy/fastx/fastx.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai::fastx {
namespace {

constexpr uint8_t kModeRaw = 0, kModeRle = 1, kModeEscape = 2;

void histogram(const uint8_t* p, size_t n, uint32_t freq[256]) {
    uint32_t h[4][256] = {};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        ++h[0][p[i]];
        ++h[1][p[i + 1]];
        ++h[2][p[i + 2]];
        ++h[3][p[i + 3]];
    }
    for (; i < n; ++i) ++h[0][p[i]];
    for (unsigned s = 0; s < 256; ++s) freq[s] = h[0][s] + h[1][s] + h[2][s] + h[3][s];
}

inline size_t packed_size(unsigned width, size_t codes) { return width * ((codes + 7) / 8); }
inline unsigned level_symbols(unsigned width) { return (1u << width) - 1; }

struct Plan {
    double order0_bytes = 0;  // the segment's order-0 entropy
    uint8_t mode = kModeRaw;
    size_t size = 0;  // encoded segment size
    uint8_t order[256];
    unsigned levels = 0;
    unsigned width[kMaxLevels] = {};
    size_t escapes[kMaxLevels] = {};  // E_i: codes of level i that escape
};

// Size of an escape segment with the given widths; fills escapes.
size_t escape_size(const size_t covered_upto[257], size_t n, const unsigned* width, unsigned levels,
                   size_t escapes[kMaxLevels]) {
    size_t size = 2 + levels, coded = n, rank = 0;
    for (unsigned i = 0; i < levels; ++i) {
        const unsigned k = level_symbols(width[i]);
        rank = std::min<size_t>(rank + k, 256);
        size += k + 4 + packed_size(width[i], coded);
        coded = n - covered_upto[rank];
        escapes[i] = coded;
    }
    return size + coded;  // + the raw bytes of the last level's escapes
}

Plan plan_segment(const uint8_t* p, size_t n) {
    Plan plan;
    uint32_t freq[256];
    histogram(p, n, freq);
    for (unsigned s = 0; s < 256; ++s) {
        plan.order[s] = static_cast<uint8_t>(s);
        if (freq[s]) plan.order0_bytes -= double(freq[s]) * std::log2(double(freq[s]) / double(n)) / 8;
    }
    std::stable_sort(plan.order, plan.order + 256, [&](uint8_t a, uint8_t b) { return freq[a] > freq[b]; });
    if (freq[plan.order[0]] == n) {
        plan.mode = kModeRle;
        plan.size = 2;
        return plan;
    }
    size_t covered_upto[257];  // symbols among the r most frequent
    covered_upto[0] = 0;
    for (unsigned r = 0; r < 256; ++r) covered_upto[r + 1] = covered_upto[r] + freq[plan.order[r]];
    plan.mode = kModeRaw;
    plan.size = n + 1;
    // Every width pattern, shorter ones first: a tie keeps fewer levels (faster).
    unsigned w[kMaxLevels];
    size_t esc[kMaxLevels];
    for (unsigned levels = 1; levels <= kMaxLevels; ++levels) {
        unsigned patterns = 1;
        for (unsigned i = 0; i < levels; ++i) patterns *= kMaxWidth;
        for (unsigned code = 0; code < patterns; ++code) {
            for (unsigned i = 0, c = code; i < levels; ++i, c /= kMaxWidth) w[i] = 1 + c % kMaxWidth;
            const size_t size = escape_size(covered_upto, n, w, levels, esc);
            if (size < plan.size) {
                plan.mode = kModeEscape;
                plan.size = size;
                plan.levels = levels;
                std::copy(w, w + levels, plan.width);
                std::copy(esc, esc + levels, plan.escapes);
            }
        }
    }
    return plan;
}

// Packs the codes of `n` symbols (code[s] < 2^W) into out (packed_size(W, n)
// bytes) and appends every symbol whose code is the escape (2^W - 1) to
// `escaped` (which needs one byte of slack); returns their count.
template <unsigned W>
size_t pack_level(const uint8_t* p, size_t n, const uint8_t code[256], uint8_t* out, uint8_t* escaped) {
    constexpr unsigned kEscape = (1u << W) - 1;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 8, out += W) {
        uint64_t v = 0;
        const unsigned group = static_cast<unsigned>(std::min<size_t>(8, n - i));
        for (unsigned j = 0; j < group; ++j) {
            const uint8_t s = p[i + j], c = code[s];
            v |= uint64_t(c) << (W * j);
            escaped[k] = s;
            k += c == kEscape;
        }
        for (unsigned b = 0; b < W; ++b) out[b] = static_cast<uint8_t>(v >> (8 * b));
    }
    return k;
}

size_t pack(unsigned width, const uint8_t* p, size_t n, const uint8_t code[256], uint8_t* out,
            uint8_t* escaped) {
    switch (width) {
        case 1: return pack_level<1>(p, n, code, out, escaped);
        case 2: return pack_level<2>(p, n, code, out, escaped);
        case 3: return pack_level<3>(p, n, code, out, escaped);
        case 4: return pack_level<4>(p, n, code, out, escaped);
        case 5: return pack_level<5>(p, n, code, out, escaped);
        default: return pack_level<6>(p, n, code, out, escaped);
    }
}

// Returns the segment's order-0 entropy in bytes.
double encode_segment(const uint8_t* p, size_t n, Buffer& out, Buffer& scratch) {
    const Plan plan = plan_segment(p, n);
    uint8_t* o = out.extend(plan.size);
    o[0] = plan.mode;
    if (plan.mode == kModeRaw) {
        std::memcpy(o + 1, p, n);
        return plan.order0_bytes;
    }
    if (plan.mode == kModeRle) {
        o[1] = p[0];
        return plan.order0_bytes;
    }
    uint8_t* at = o + 1;
    *at++ = static_cast<uint8_t>(plan.levels);
    for (unsigned i = 0; i < plan.levels; ++i) *at++ = static_cast<uint8_t>(plan.width[i]);
    uint8_t code[kMaxLevels][256];
    unsigned rank = 0;
    for (unsigned i = 0; i < plan.levels; ++i) {
        const unsigned k = level_symbols(plan.width[i]);
        std::memset(code[i], static_cast<int>(k), 256);  // the escape code
        for (unsigned c = 0; c < k; ++c, ++at) {
            const uint8_t s = rank < 256 ? plan.order[rank] : 0;  // unused codes name byte 0
            if (rank < 256) code[i][s] = static_cast<uint8_t>(c);
            *at = s;
            ++rank;
        }
    }
    for (unsigned i = 0; i < plan.levels; ++i, at += 4) store_u32(at, static_cast<uint32_t>(plan.escapes[i]));
    // Each level's escapes become the next level's input (ping-pong scratch).
    scratch.resize(2 * (n + 8));
    uint8_t* bufs[2] = {scratch.data(), scratch.data() + n + 8};
    const uint8_t* in = p;
    size_t count = n;
    for (unsigned i = 0; i < plan.levels; ++i) {
        uint8_t* escaped = bufs[i % 2];
        const size_t e = pack(plan.width[i], in, count, code[i], at, escaped);
        if (e != plan.escapes[i]) fail(Code::internal, "fastx escape counts disagree with the plan");
        at += packed_size(plan.width[i], count);
        in = escaped;
        count = e;
    }
    if (count) std::memcpy(at, in, count);
    if (at + count != o + plan.size) fail(Code::internal, "fastx segment size disagrees with the plan");
    return plan.order0_bytes;
}

}  // namespace

void encode(Bytes in, unsigned segment_log, Buffer& out, double* order0_bytes) {
    if (segment_log < kMinSegmentLog || segment_log > kMaxSegmentLog)
        fail(Code::internal, "fastx segment log out of range");
    const size_t seg = size_t(1) << segment_log;
    // Upper bound: every segment raw (mode byte + bytes).
    out.reserve(out.size() + 1 + in.size() + in.size() / seg + 1);
    const uint8_t log_byte = static_cast<uint8_t>(segment_log);
    out.append(&log_byte, 1);
    Buffer scratch;
    double order0 = 0;
    for (size_t at = 0; at < in.size(); at += seg)
        order0 += encode_segment(in.data() + at, std::min(seg, in.size() - at), out, scratch);
    if (order0_bytes) *order0_bytes = order0;
}

size_t encoded_size(Bytes in, unsigned segment_log) {
    const size_t seg = size_t(1) << segment_log;
    size_t total = 1;
    for (size_t at = 0; at < in.size(); at += seg)
        total += plan_segment(in.data() + at, std::min(seg, in.size() - at)).size;
    return total;
}

}  // namespace z4ai::fastx
