// fastx_decode.cpp - backend 5 decoder. A segment's deeper levels (the escapes
// of level 1, typically 20-40% of its symbols, fewer at each level down) are
// decoded up front into scratch, deepest first; level 1 is then decoded on
// demand, 64 symbols per step: unpack 64 w-bit codes, look them up, fill the
// escape lanes from the level below in order. The AVX-512 path (VBMI/VBMI2)
// does a step in ~8 instructions; the portable path does 8 symbols at a time.
// Escape counts are checked after every step, so a hostile stream can never
// make a step read past its escape source's slack.
#include <algorithm>
#include <cstring>

#include "entropy/fastx/fastx.hpp"
#include "simd/dispatch.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace z4ai::fastx {
namespace {

constexpr uint8_t kModeRaw = 0, kModeRle = 1, kModeEscape = 2;
constexpr size_t kSlack = 64;  // escape sources are readable this far past their end

inline size_t packed_size(unsigned width, size_t codes) { return width * ((codes + 7) / 8); }
inline unsigned level_symbols(unsigned width) { return (1u << width) - 1; }
inline uint64_t load_group(const uint8_t* p, unsigned width) {
    uint64_t v = 0;
    for (unsigned b = 0; b < width; ++b) v |= uint64_t(p[b]) << (8 * b);
    return v;
}

[[noreturn]] void too_many_escapes() {
    fail(Code::corrupt, "fastx codes escape more often than the segment says");
}

// Decodes `count` codes of width W (count % 8 == 0, or the level's last codes)
// starting at `codes`; the escape code takes the next byte of esc. Returns the
// escapes used; throws when that exceeds `limit`. Reads < limit + 8 bytes of esc.
template <unsigned W>
size_t level_portable(const uint8_t* codes, size_t count, const uint8_t* table, const uint8_t* esc,
                      size_t limit, uint8_t* dst) {
    constexpr unsigned kMask = (1u << W) - 1;
    size_t k = 0;
    // Escapes are ~20-40% of the codes at random positions: select with masks,
    // never a branch per symbol.
    auto step = [&](unsigned c, uint8_t* out) {
        const unsigned is_escape = c == kMask;
        const uint8_t pick = static_cast<uint8_t>(0u - is_escape);
        *out = static_cast<uint8_t>((esc[k] & pick) | (table[c] & ~pick));
        k += is_escape;
    };
    size_t i = 0;
    for (; i + 8 <= count; i += 8, codes += W) {
        const uint64_t v = load_group(codes, W);
        for (unsigned j = 0; j < 8; ++j) step((v >> (W * j)) & kMask, dst + i + j);
        if (k > limit) too_many_escapes();
    }
    if (i < count) {
        const uint64_t v = load_group(codes, W);
        for (unsigned j = 0; i + j < count; ++j) step((v >> (W * j)) & kMask, dst + i + j);
        if (k > limit) too_many_escapes();
    }
    return k;
}

#if defined(__x86_64__)
#define Z4AI_FASTX_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt")))

// Byte k of qword g gathers code byte W*g + min(k, W-1): the qword then holds
// the group's 8 codes in its low 8*W bits.
template <unsigned W>
struct Spread {
    alignas(64) uint8_t index[64];
    constexpr Spread() : index() {
        for (unsigned g = 0; g < 8; ++g)
            for (unsigned k = 0; k < 8; ++k)
                index[8 * g + k] = static_cast<uint8_t>(W * g + (k < W ? k : W - 1));
    }
};
template <unsigned W>
constexpr Spread<W> kSpread{};

// GCC 12's VBMI intrinsics pass an undefined vector as the (unused) merge
// source, which -Wmaybe-uninitialized reports at every call site.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// 64 symbols per step; returns how many it decoded (a multiple of 64).
template <unsigned W>
Z4AI_FASTX_AVX512 size_t level_avx512(const uint8_t* codes, size_t count, const uint8_t* table,
                                      const uint8_t* esc, size_t limit, uint8_t* dst, size_t& used) {
    const __m512i spread = _mm512_load_si512(kSpread<W>.index);
    // Byte j of each qword takes the qword's bits W*j .. W*j+7; the code is the low W.
    uint64_t shift_bytes = 0;
    for (unsigned j = 0; j < 8; ++j) shift_bytes |= uint64_t(W * j) << (8 * j);
    const __m512i shifts = _mm512_set1_epi64(static_cast<long long>(shift_bytes));
    const __m512i mask = _mm512_set1_epi8((1 << W) - 1);
    const __m512i lut = _mm512_loadu_si512(table);  // 64 bytes; codes index the first 2^W
    constexpr __mmask64 kLoad = (__mmask64(1) << (8 * W)) - 1;
    size_t k = 0, i = 0;
    for (; i + 64 <= count; i += 64, codes += 8 * W) {
        const __m512i raw = _mm512_maskz_loadu_epi8(kLoad, codes);
        const __m512i c = _mm512_and_si512(
            _mm512_multishift_epi64_epi8(shifts, _mm512_permutexvar_epi8(spread, raw)), mask);
        const __mmask64 m = _mm512_cmpeq_epi8_mask(c, mask);
        const __m512i s = _mm512_mask_expandloadu_epi8(_mm512_permutexvar_epi8(c, lut), m, esc + k);
        _mm512_storeu_si512(dst + i, s);
        k += static_cast<size_t>(_mm_popcnt_u64(m));
        if (k > limit) too_many_escapes();
    }
    used = k;
    return i;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#define Z4AI_FASTX_AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt")))

// For each 8-lane escape mask, the shuffle that moves escape byte r to the lane
// of the r-th set bit (other lanes: zero, blended away).
struct ExpandTable {
    alignas(16) uint8_t lanes[256][8];
    constexpr ExpandTable() : lanes() {
        for (unsigned m = 0; m < 256; ++m) {
            unsigned r = 0;
            for (unsigned j = 0; j < 8; ++j) lanes[m][j] = (m >> j) & 1 ? static_cast<uint8_t>(r++) : 0x80;
        }
    }
};
constexpr ExpandTable kExpand{};

// 8 symbols per step with SSE4.1 shuffles and BMI2 pdep (AVX2-level CPUs
// without AVX-512 VBMI2); returns how many it decoded (a multiple of 64).
template <unsigned W>
Z4AI_FASTX_AVX2 size_t level_avx2(const uint8_t* codes, size_t count, const uint8_t* table,
                                  const uint8_t* esc, size_t limit, uint8_t* dst, size_t& used) {
    constexpr uint64_t kDeposit = 0x0101010101010101ull * ((1u << W) - 1);  // W low bits of each byte
    // pshufb looks up 16 entries: wider codes blend 2 (W = 5) or 4 (W = 6) tables
    // chosen by the code's high bits.
    constexpr unsigned kTables = W <= 4 ? 1 : 1u << (W - 4);
    __m128i lut[kTables];
    for (unsigned q = 0; q < kTables; ++q)
        lut[q] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * q));
    const __m128i mask = _mm_set1_epi8((1 << W) - 1);
    const __m128i nibble = _mm_set1_epi8(0x0F);
    size_t k = 0, i = 0;
    for (; i + 64 <= count; i += 64) {
        for (unsigned g = 0; g < 8; ++g, codes += W) {
            const __m128i c =
                _mm_cvtsi64_si128(static_cast<long long>(_pdep_u64(load_group(codes, W), kDeposit)));
            const __m128i is_escape = _mm_cmpeq_epi8(c, mask);
            const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(is_escape)) & 0xFF;
            const __m128i fill =
                _mm_shuffle_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(esc + k)),
                                 _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kExpand.lanes[m])));
            __m128i sym = _mm_shuffle_epi8(lut[0], c);
            if constexpr (kTables > 1) {
                const __m128i high = _mm_and_si128(_mm_srli_epi16(c, 4), nibble);
                for (unsigned q = 1; q < kTables; ++q)
                    sym = _mm_blendv_epi8(sym, _mm_shuffle_epi8(lut[q], c),
                                          _mm_cmpeq_epi8(high, _mm_set1_epi8(static_cast<char>(q))));
            }
            _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + i + 8 * g),
                             _mm_blendv_epi8(sym, fill, is_escape));
            k += static_cast<unsigned>(_mm_popcnt_u32(m));
        }
        if (k > limit) too_many_escapes();
    }
    used = k;
    return i;
}

enum class Path { portable, avx2, avx512 };

template <unsigned W>
size_t decode_level_w(const uint8_t* codes, size_t count, const uint8_t* table, const uint8_t* esc,
                      size_t limit, uint8_t* dst, Path path) {
    size_t used = 0, done = 0;
    if (path == Path::avx512) done = level_avx512<W>(codes, count, table, esc, limit, dst, used);
    if (path == Path::avx2) done = level_avx2<W>(codes, count, table, esc, limit, dst, used);
#else
enum class Path { portable };

template <unsigned W>
size_t decode_level_w(const uint8_t* codes, size_t count, const uint8_t* table, const uint8_t* esc,
                      size_t limit, uint8_t* dst, Path) {
    size_t used = 0, done = 0;
#endif
    return used +
           level_portable<W>(codes + done / 8 * W, count - done, table, esc + used, limit - used, dst + done);
}

// table: 64 bytes (the level's symbols, then anything).
size_t decode_level(unsigned width, const uint8_t* codes, size_t count, const uint8_t* table,
                    const uint8_t* esc, size_t limit, uint8_t* dst, Path simd) {
    switch (width) {
        case 1: return decode_level_w<1>(codes, count, table, esc, limit, dst, simd);
        case 2: return decode_level_w<2>(codes, count, table, esc, limit, dst, simd);
        case 3: return decode_level_w<3>(codes, count, table, esc, limit, dst, simd);
        case 4: return decode_level_w<4>(codes, count, table, esc, limit, dst, simd);
        case 5: return decode_level_w<5>(codes, count, table, esc, limit, dst, simd);
        default: return decode_level_w<6>(codes, count, table, esc, limit, dst, simd);
    }
}

// The bits after the last code of a packed level must be zero.
void check_padding(const uint8_t* codes, unsigned width, size_t count) {
    if (count % 8 == 0) return;
    const uint64_t v = load_group(codes + packed_size(width, count) - width, width);
    if (v >> (width * (count % 8))) fail(Code::corrupt, "fastx padding bits are not zero");
}

// The escape-decoding path, chosen once per process (simd/dispatch.hpp).
uint8_t select_decode_path(simd::Level level) noexcept {
#if defined(__x86_64__)
    if (level >= simd::Level::avx512) return static_cast<uint8_t>(Path::avx512);
    if (level >= simd::Level::avx2 && simd::fast_pdep()) return static_cast<uint8_t>(Path::avx2);
#endif
    (void)level;
    return 0;
}
simd::Dispatched<uint8_t> g_decode_path{select_decode_path};

}  // namespace

Reader::Reader(Bytes encoded, size_t n)
    : cursor_{encoded.data(), encoded.size(), "fastx stream truncated"}, total_(n) {
    log_ = *cursor_.take(1);
    if (log_ < kMinSegmentLog || log_ > kMaxSegmentLog) fail(Code::corrupt, "bad fastx segment size");
    path_ = g_decode_path.get();
}

void Reader::open_segment() {
    seg_n_ = std::min(size_t(1) << log_, total_ - done_);
    seg_done_ = 0;
    mode_ = *cursor_.take(1);
    switch (mode_) {
        case kModeRaw: codes_ = cursor_.take(seg_n_); return;
        case kModeRle: rle_ = *cursor_.take(1); return;
        case kModeEscape: break;
        default: fail(Code::corrupt, "unknown fastx segment mode");
    }
    const unsigned levels = *cursor_.take(1);
    if (levels < 1 || levels > kMaxLevels) fail(Code::corrupt, "fastx level count out of range");
    const uint8_t* widths = cursor_.take(levels);
    alignas(64) uint8_t tables[kMaxLevels][64] = {};
    for (unsigned i = 0; i < levels; ++i) {
        if (widths[i] < 1 || widths[i] > kMaxWidth) fail(Code::corrupt, "fastx code width out of range");
        std::memcpy(tables[i], cursor_.take(level_symbols(widths[i])), level_symbols(widths[i]));
    }
    size_t escapes[kMaxLevels];
    const uint8_t* counts = cursor_.take(4 * levels);
    for (unsigned i = 0; i < levels; ++i) {
        escapes[i] = load_u32(counts + 4 * i);
        if (escapes[i] > (i ? escapes[i - 1] : seg_n_))
            fail(Code::corrupt, "fastx escape counts exceed the segment");
    }
    const uint8_t* codes[kMaxLevels];
    for (unsigned i = 0; i < levels; ++i) {
        const size_t count = i ? escapes[i - 1] : seg_n_;
        codes[i] = cursor_.take(packed_size(widths[i], count));
        check_padding(codes[i], widths[i], count);
    }
    const size_t raw_count = escapes[levels - 1];
    const uint8_t* raw = cursor_.take(raw_count);
    // Deepest level first: each decodes into the escape source of the one above.
    Buffer* src = &raw_;
    src->resize(raw_count + kSlack);
    if (raw_count) std::memcpy(src->data(), raw, raw_count);
    std::memset(src->data() + raw_count, 0, kSlack);
    for (unsigned i = levels - 1; i >= 1; --i) {
        Buffer* out = &deeper_[i % 2];
        const size_t count = escapes[i - 1];
        out->resize(count + kSlack);
        std::memset(out->data() + count, 0, kSlack);
        if (decode_level(widths[i], codes[i], count, tables[i], src->data(), escapes[i], out->data(),
                         Path(path_)) != escapes[i])
            fail(Code::corrupt, "fastx escape count mismatch");
        src = out;
    }
    codes_ = codes[0];
    width_ = widths[0];
    std::memcpy(table_, tables[0], 64);
    level1_escapes_ = src->data();
    escapes_ = escapes[0];
    escapes_used_ = 0;
}

void Reader::close_segment() {
    if (mode_ == kModeEscape && escapes_used_ != escapes_)
        fail(Code::corrupt, "fastx level-1 escape count mismatch");
    done_ += seg_n_;
    seg_n_ = seg_done_ = 0;
}

void Reader::next(uint8_t* dst, size_t count) {
    if (count > total_ - (done_ + seg_done_) ||
        (count % kGranule != 0 && done_ + seg_done_ + count != total_))
        fail(Code::internal, "fastx reader asked for a partial step");
    while (count) {
        if (seg_done_ == seg_n_) open_segment();
        const size_t m = std::min(count, seg_n_ - seg_done_);
        switch (mode_) {
            case kModeRaw: std::memcpy(dst, codes_ + seg_done_, m); break;
            case kModeRle: std::memset(dst, rle_, m); break;
            default:
                escapes_used_ +=
                    decode_level(width_, codes_ + seg_done_ / 8 * width_, m, table_,
                                 level1_escapes_ + escapes_used_, escapes_ - escapes_used_, dst, Path(path_));
        }
        seg_done_ += m;
        dst += m;
        count -= m;
        if (seg_done_ == seg_n_) close_segment();
    }
}

void Reader::finish() const {
    if (done_ != total_) fail(Code::internal, "fastx reader not at the end");
    if (cursor_.left != 0) fail(Code::corrupt, "bytes follow the last fastx segment");
}

void decode(Bytes encoded, uint8_t* dst, size_t n) {
    Reader r(encoded, n);
    r.next(dst, n);
    r.finish();
}

}  // namespace z4ai::fastx
