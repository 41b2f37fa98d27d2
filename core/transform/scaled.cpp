#include "transform/scaled.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "transform/exception_list.hpp"
#include "transform/floatbits.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {

bool scaled_container_valid(uint8_t c) noexcept { return c >= 1 && c <= 3; }
unsigned scaled_width(ScaledContainer c) noexcept { return c == ScaledContainer::fp32 ? 4 : 2; }
const char* scaled_container_name(ScaledContainer c) noexcept {
    switch (c) {
        case ScaledContainer::fp16: return "fp16";
        case ScaledContainer::bf16: return "bf16";
        case ScaledContainer::fp32: return "fp32";
    }
    return "unknown";
}

uint32_t scaled_value(int q, uint32_t scale_bits, ScaledContainer c) noexcept {
    // One IEEE binary32 multiply (round to nearest even; q is exact in binary32).
    float product = static_cast<float>(q) * f32_from_bits(scale_bits);
    uint32_t p = f32_bits(product);
    switch (c) {
        case ScaledContainer::fp16: return fp32_to_fp16_bits(p);
        case ScaledContainer::bf16: return fp32_to_bf16_bits(p);
        case ScaledContainer::fp32: return p;
    }
    return p;
}

namespace {

constexpr int kQMin = -128, kQMax = 127;
constexpr size_t kWindow = 32;         // elements looked at to find a segment's scale
constexpr size_t kMinPrefix = 6;       // a scale must explain this many elements to start a segment
constexpr size_t kSample = 512;        // elements per sample window analysed before the whole chunk
constexpr size_t kSampleRawLimit = 4;  // unexplained elements a sample window may hold

// |value| and the interval of |real| that rounds to it, per 16-bit code
// (the fp32 product's own rounding is checked exactly later).
struct ElemInfo {
    double mag, lo, hi;
};

// Element view over the container.
struct View {
    const uint8_t* in;
    ScaledContainer c;
    const ElemInfo* table;  // 65536 entries for fp16/bf16, null for fp32

    uint32_t bits(size_t i) const {
        return c == ScaledContainer::fp32 ? load_u32(in + 4 * i) : load_u16(in + 2 * i);
    }
    static double value_of(uint32_t b, ScaledContainer c) {
        switch (c) {
            case ScaledContainer::fp16: return f32_from_bits(fp16_to_fp32_bits(static_cast<uint16_t>(b)));
            case ScaledContainer::bf16: return f32_from_bits(bf16_to_fp32_bits(static_cast<uint16_t>(b)));
            case ScaledContainer::fp32: return f32_from_bits(b);
        }
        return 0;
    }
    // Signed value of element bits b.
    double value_of(uint32_t b) const {
        if (!table) return value_of(b, c);
        return (b & 0x8000) ? -table[b].mag : table[b].mag;
    }
    uint32_t sign_bit() const { return c == ScaledContainer::fp32 ? 0x80000000u : 0x8000u; }
    static uint32_t inf_bits(ScaledContainer c) {
        switch (c) {
            case ScaledContainer::fp16: return 0x7C00;
            case ScaledContainer::bf16: return 0x7F80;
            case ScaledContainer::fp32: return 0x7F800000u;
        }
        return 0;
    }
    // Finite and non-zero: can anchor or narrow a scale.
    bool usable(uint32_t b) const { return (b & ~sign_bit()) != 0 && (b & ~sign_bit()) < inf_bits(c); }
    // +0.0 or -0.0: q = 0 under any scale (-0.0 via the segment's negative-zero flag).
    bool is_zero(uint32_t b) const { return (b & ~sign_bit()) == 0; }

    static ElemInfo compute(uint32_t a, ScaledContainer c) {
        ElemInfo e;
        e.mag = value_of(a, c);
        if (a == 0 || a >= inf_bits(c)) {
            e.lo = e.hi = e.mag;
            return e;
        }
        double prev = value_of(a - 1, c);
        double next = a + 1 >= inf_bits(c) ? e.mag + (e.mag - prev) : value_of(a + 1, c);
        e.lo = 0.5 * (prev + e.mag);
        e.hi = 0.5 * (e.mag + next);
        return e;
    }
    struct Elem {
        double mag, lo, hi;
        bool negative;
    };
    Elem elem(uint32_t b) const {
        uint32_t a = b & ~sign_bit();
        ElemInfo i = table ? table[b] : compute(a, c);
        return {i.mag, i.lo, i.hi, (b & sign_bit()) != 0};
    }
};

const ElemInfo* table_for(ScaledContainer c) {
    if (c == ScaledContainer::fp32) return nullptr;
    static const std::vector<ElemInfo> fp16 = [] {
        std::vector<ElemInfo> t(65536);
        for (uint32_t b = 0; b < 65536; ++b) t[b] = View::compute(b & 0x7FFF, ScaledContainer::fp16);
        return t;
    }();
    static const std::vector<ElemInfo> bf16 = [] {
        std::vector<ElemInfo> t(65536);
        for (uint32_t b = 0; b < 65536; ++b) t[b] = View::compute(b & 0x7FFF, ScaledContainer::bf16);
        return t;
    }();
    return c == ScaledContainer::fp16 ? fp16.data() : bf16.data();
}

struct Interval {
    double lo, hi;
};

// Tries to fit element b into the scale interval; narrows it on success.
// 1/q for q = 0..128 (the intervals are heuristics: exactness is checked later).
struct Reciprocals {
    double v[129];
    Reciprocals() {
        v[0] = 0;
        for (int q = 1; q <= 128; ++q) v[q] = 1.0 / q;
    }
};
const Reciprocals kInv;

inline bool fit(const View& v, uint32_t b, Interval& s, int* q_out) {
    if (v.is_zero(b)) {
        *q_out = 0;
        return true;
    }
    if (!v.usable(b)) return false;
    View::Elem e = v.elem(b);
    double mid = 0.5 * (s.lo + s.hi);
    double qa = std::floor(e.mag / mid + 0.5);
    if (qa < 1 || qa > (e.negative ? -kQMin : kQMax)) return false;
    const double inv = kInv.v[int(qa)];
    double lo = std::max(s.lo, e.lo * inv), hi = std::min(s.hi, e.hi * inv);
    if (lo > hi) return false;
    s.lo = lo;
    s.hi = hi;
    *q_out = e.negative ? -int(qa) : int(qa);
    return true;
}

struct Segment {
    size_t start, len;
    bool scaled;
    Interval s;
};

// Finds the scale of a segment starting at element i (non-zero, usable): the
// largest scale (smallest multiple of a window anchor) explaining the longest
// prefix of the next elements. Returns the number of elements explained.
size_t find_scale(const View& v, size_t i, size_t end, Interval* out) {
    uint32_t window[kWindow];
    size_t n = 0;
    for (size_t k = i; k < end && n < kWindow; ++k) {
        uint32_t b = v.bits(k);
        if (v.is_zero(b)) continue;
        if (!v.usable(b)) break;
        window[n++] = b;
    }
    if (n == 0) return 0;
    size_t anchors[2] = {0, 0};
    double best_mag = -1, best_mag8 = -1;
    for (size_t k = 0; k < n; ++k) {
        double m = v.value_of(window[k] & ~v.sign_bit());
        if (m > best_mag) best_mag = m, anchors[0] = k;
        if (k < 8 && m > best_mag8) best_mag8 = m, anchors[1] = k;
    }
    // A finer grid (scale / k) also explains the row and, with larger integers, may
    // wrongly absorb a few elements of the next row: prefer the largest scale whose
    // prefix is within a few elements of the longest.
    constexpr size_t kSlack = 3;
    uint8_t prefix_of[2][129] = {};
    size_t best = 0;
    for (int a = 0; a < 2; ++a) {
        if (a == 1 && anchors[1] == anchors[0]) break;
        View::Elem e = v.elem(window[anchors[a]]);
        int tmax = e.negative ? -kQMin : kQMax;
        for (int t = 1; t <= tmax; ++t) {
            Interval s{e.lo / t, e.hi / t};
            size_t prefix = 0;
            int q;
            while (prefix < n && fit(v, window[prefix], s, &q)) ++prefix;
            prefix_of[a][t] = static_cast<uint8_t>(prefix);
            best = std::max(best, prefix);
            if (prefix == n) break;  // no larger t can be preferred to this one
        }
        if (best == n) break;
    }
    if (best == 0) return 0;
    const size_t want = best > kSlack ? best - kSlack : best;
    for (int a = 0; a < 2; ++a) {
        View::Elem e = v.elem(window[anchors[a]]);
        for (int t = 1; t <= 128; ++t) {
            if (prefix_of[a][t] < want) continue;
            Interval s{e.lo / t, e.hi / t};
            size_t prefix = 0;
            int q;
            while (prefix < n && fit(v, window[prefix], s, &q)) ++prefix;
            *out = s;
            return prefix;
        }
    }
    return best;
}

// Cuts elements [0, end) into segments. Stops early (returns false) once more
// than `raw_limit` elements are raw.
bool segment_chunk(const View& v, size_t end, size_t raw_limit, std::vector<Segment>& segs) {
    segs.clear();
    size_t raw = 0;
    size_t i = 0;
    auto add_raw = [&](size_t at) {
        if (!segs.empty() && !segs.back().scaled && segs.back().start + segs.back().len == at)
            ++segs.back().len;
        else
            segs.push_back({at, 1, false, {0, 0}});
        ++raw;
    };
    while (i < end) {
        size_t start = i;
        while (i < end && v.is_zero(v.bits(i))) ++i;  // zeros fit any scale: they join the next segment
        if (i == end) {
            segs.push_back({start, i - start, true, {1.0, 1.0}});
            break;
        }
        Interval s{0, 0};
        size_t explained = find_scale(v, i, end, &s);
        if (explained < kMinPrefix && explained < end - i) {
            // Leading zeros become their own all-zero segment (scale 1).
            if (i > start) segs.push_back({start, i - start, true, {1.0, 1.0}});
            add_raw(i++);
            if (raw > raw_limit) return false;
            continue;
        }
        // Extend: zeros and fitting elements join; a misfit is an exception when
        // the elements after it still fit, otherwise the segment ends there.
        size_t k = i;
        int q;
        while (k < end) {
            if (fit(v, v.bits(k), s, &q)) {
                ++k;
                continue;
            }
            unsigned checked = 0, ok = 0;
            for (size_t j = k + 1; j < end && checked < 4; ++j) {
                uint32_t b = v.bits(j);
                if (v.is_zero(b)) continue;
                Interval probe = s;
                ++checked;
                ok += fit(v, b, probe, &q);
            }
            if (checked >= 3 && ok + 1 >= checked) {
                ++k;  // exception inside the segment (decided exactly later)
                continue;
            }
            break;
        }
        segs.push_back({start, k - start, true, s});
        i = k;
    }
    return true;
}

// Chooses the fp32 scale in (or next to) the interval that reproduces the most
// elements of the segment exactly; returns its bits and the misfit count.
// Also leaves in `q` the integer of every element under the chosen scale, or
// kNoFit where the scale does not reproduce it (zeros: 0).
constexpr int kNoFit = 1001;
uint32_t choose_scale(const View& v, const Segment& seg, size_t* misses, std::vector<int>& q) {
    thread_local std::vector<int> trial;
    trial.resize(seg.len);
    q.resize(seg.len);
    double mid = 0.5 * (seg.s.lo + seg.s.hi);
    float m = static_cast<float>(mid);
    uint32_t center = f32_bits(m);
    if (!(m > 0) || !std::isfinite(m)) center = f32_bits(1.0f);
    uint32_t best_bits = center;
    size_t best_miss = SIZE_MAX;
    static const int offsets[] = {0, 1, -1, 2, -2, 3, -3};
    for (int off : offsets) {
        uint32_t cand = center + off;
        float cf = f32_from_bits(cand);
        if (!(cf > 0) || !std::isfinite(cf)) continue;
        size_t miss = 0;
        const double inv = 1.0 / double(cf);
        size_t k = 0;
        for (; k < seg.len && miss < best_miss; ++k) {
            uint32_t b = v.bits(seg.start + k);
            if (v.is_zero(b)) {
                trial[k] = 0;
                continue;
            }
            int qq = 0;
            if (v.usable(b)) {
                double r = std::floor(v.value_of(b) * inv + 0.5);
                if (r >= kQMin && r <= kQMax) qq = int(r);
            }
            if (qq == 0 || scaled_value(qq, cand, v.c) != b) {
                ++miss;
                qq = kNoFit;
            }
            trial[k] = qq;
        }
        if (k == seg.len && miss < best_miss) {
            best_miss = miss;
            best_bits = cand;
            q.swap(trial);
            trial.resize(seg.len);
            if (miss == 0) break;
        }
    }
    *misses = best_miss;
    return best_bits;
}

}  // namespace

bool scaled_split(const uint8_t* in, size_t elements, ScaledContainer c, ScaledStreams& out) {
    const unsigned w = scaled_width(c);
    if (elements < 64) return false;
    thread_local std::vector<Segment> segs;
    // Sample first: most chunks are not scaled integers and must cost little.
    // Four windows spread over the chunk; two must look like scaled integers
    // (mostly scaled elements, in segments long enough to pay for a 4-byte scale).
    {
        const size_t window = std::min(elements, kSample);
        unsigned hits = 0, tried = 0;
        for (unsigned k = 0; k < 4 && hits < 2; ++k) {
            size_t start = (elements - window) * k / 4;
            if (k && start == 0) break;
            ++tried;
            View v{in + w * start, c, table_for(c)};
            // A window of scaled integers starts segments at almost every try; a
            // dense one fails each (every failure scans up to 256 candidate
            // scales): give up after a few, not after window/16 (this sampler
            // was ~20% of default-tier compress time on dense weights).
            if (!segment_chunk(v, window, kSampleRawLimit, segs)) continue;
            size_t scaled = 0;
            for (const Segment& s : segs)
                if (s.scaled) scaled += s.len;
            if (scaled >= window * 3 / 4 && segs.size() <= window / 16) ++hits;
            if (hits + (3 - k) < 2) break;  // the remaining windows cannot make two hits
        }
        if (hits < std::min(2u, tried)) return false;
    }
    View v{in, c, table_for(c)};
    if (!segment_chunk(v, elements, elements / 2, segs)) return false;

    out.lengths.clear();
    out.scales.resize(4 * segs.size());
    out.q.resize(elements);
    out.raw.clear();
    out.segments = segs.size();
    out.scaled_elements = out.raw_count = out.exceptions = 0;
    ExceptionWriter ex(out.index);
    uint8_t* q = out.q.data();
    const uint32_t negzero = v.sign_bit();
    for (size_t j = 0; j < segs.size(); ++j) {
        const Segment& seg = segs[j];
        put_varint(out.lengths, seg.len);
        uint32_t scale = 0;
        if (seg.scaled) {
            size_t misses = 0;
            thread_local std::vector<int> chosen;
            scale = choose_scale(v, seg, &misses, chosen);
            // First pass: the integers; -0.0 marked with a sentinel (int8 has no -0).
            constexpr int kNegZero = 1000, kMiss = 1001;
            bool has_negzero = false, has_m128 = false;
            thread_local std::vector<int> qs;
            qs.resize(seg.len);
            for (size_t k = 0; k < seg.len; ++k) {
                uint32_t b = v.bits(seg.start + k);
                int qq = kMiss;
                if (b == 0) {
                    qq = 0;
                } else if (b == negzero) {
                    qq = kNegZero;
                    has_negzero = true;
                } else if (chosen[k] != kNoFit) {
                    qq = chosen[k];
                }
                has_m128 |= qq == -128;
                qs[k] = qq;
            }
            // The scale's sign bit says "q = -128 means -0.0 in this segment".
            const bool flag = has_negzero && !has_m128;
            if (flag) scale |= 0x80000000u;
            for (size_t k = 0; k < seg.len; ++k) {
                int qq = qs[k];
                if (qq == kNegZero && flag) qq = -128;
                if (qq == kNegZero || qq == kMiss) {
                    size_t at = seg.start + k;
                    ex.add(at);
                    out.raw.append(in + w * at, w);
                    ++out.exceptions;
                    qq = 0;
                }
                *q++ = static_cast<uint8_t>(static_cast<int8_t>(qq));
            }
            out.scaled_elements += seg.len;
        } else {
            out.raw.append(in + w * seg.start, w * seg.len);
        }
        for (unsigned k = 0; k < 4; ++k) out.scales.data()[k * segs.size() + j] = uint8_t(scale >> (8 * k));
    }
    out.q.resize(out.scaled_elements);
    out.raw_count = out.raw.size() / w;
    return true;
}

size_t scaled_count_segments(Bytes lengths, size_t elements, uint64_t offset) {
    size_t pos = 0, count = 0;
    uint64_t total = 0;
    while (pos < lengths.size()) {
        uint64_t len = get_varint(lengths, &pos, offset);
        if (len == 0 || len > elements - total)
            fail_corrupt("scaled-int segment lengths do not fit the block", offset);
        total += len;
        ++count;
    }
    if (total != elements) fail_corrupt("scaled-int segment lengths do not cover the block", offset);
    return count;
}

void scaled_merge(Bytes lengths, Bytes scales, Bytes q, Bytes index, Bytes raw, size_t elements,
                  ScaledContainer c, uint8_t* out, uint64_t offset) {
    const unsigned w = scaled_width(c);
    const size_t segments = scaled_count_segments(lengths, elements, offset);
    if (scales.size() != 4 * segments)
        fail_corrupt("scaled-int scale stream does not match the segments", offset);
    if (raw.size() % w) fail_corrupt("scaled-int raw values are not whole elements", offset);
    const size_t raw_count = raw.size() / w;
    ExceptionReader ex(index, elements, offset);
    size_t pos = 0, at = 0, qi = 0, ri = 0;
    for (size_t j = 0; j < segments; ++j) {
        uint64_t len = get_varint(lengths, &pos, offset);
        uint32_t scale = 0;
        for (unsigned k = 0; k < 4; ++k) scale |= uint32_t(scales[k * segments + j]) << (8 * k);
        if (scale == 0) {
            if (ex.peek() < at + len) fail_corrupt("scaled-int exception inside a raw segment", offset);
            if (len > raw_count - ri) fail_corrupt("scaled-int raw values run short", offset);
            std::memcpy(out + w * at, raw.data() + w * ri, w * len);
            ri += len;
            at += len;
            continue;
        }
        const bool negzero = scale >> 31;
        scale &= 0x7FFFFFFFu;
        if (scale == 0 || (scale & 0x7F800000u) == 0x7F800000u)
            fail_corrupt("scaled-int scale is zero or not finite", offset);
        if (len > q.size() - qi) fail_corrupt("scaled-int integer stream runs short", offset);
        const uint32_t negzero_bits = w == 4 ? 0x80000000u : 0x8000u;
        // One value per distinct integer of the segment: a table over [lo, hi].
        const int8_t* qs = reinterpret_cast<const int8_t*>(q.data()) + qi;
        int lo = 127, hi = -128;
        for (uint64_t k = 0; k < len; ++k) {
            lo = std::min<int>(lo, qs[k]);
            hi = std::max<int>(hi, qs[k]);
        }
        uint32_t table[256];
        for (int v = lo; v <= hi; ++v)
            table[v - lo] = negzero && v == -128 ? negzero_bits : scaled_value(v, scale, c);
        qi += len;
        for (uint64_t k = 0; k < len; ++k, ++at) {
            uint32_t b;
            if (ex.peek() == at) {
                if (ri == raw_count) fail_corrupt("scaled-int raw values run short", offset);
                b = w == 4 ? load_u32(raw.data() + 4 * ri) : load_u16(raw.data() + 2 * ri);
                ++ri;
                ex.pop();
            } else {
                b = table[qs[k] - lo];
            }
            if (w == 4)
                store_u32(out + 4 * at, b);
            else
                store_u16(out + 2 * at, static_cast<uint16_t>(b));
        }
    }
    if (qi != q.size() || ri != raw_count || ex.peek() != UINT64_MAX)
        fail_corrupt("scaled-int streams have leftover data", offset);
}

}  // namespace z4ai
