// roundtrip_params.hpp - turns the first input bytes of a round-trip target into
// compression parameters (and an optional reference/shape), the rest into data.
#pragma once
#include "fuzz_common.hpp"

namespace z4ai_fuzz {

constexpr size_t kParamBytes = 8;

struct Params {
    int32_t dtype = 0;
    int effort = 1;
    int chunk_log = 12;
    int level = 0;
    bool checksum = true;
    bool dedup = true;
    bool long_distance = false;
    int window_log = 0;
    int threads = 1;
    bool shape = false;
    int ref_mode = 0;  // 0 none, 1 same length, 2 half, 3 longer
    uint8_t ref_edit = 0;
    uint64_t seed = 0;  // for streaming buffer sizes / flushes
};

inline Params read_params(Input& in) {
    Params p;
    uint8_t b0 = in.u8(), b1 = in.u8(), b2 = in.u8(), b3 = in.u8(), b4 = in.u8();
    p.ref_edit = in.u8();
    p.seed = in.u8() | (uint64_t(in.u8()) << 8);
    p.dtype = b0 % 16;
    p.effort = b1 % 3;
    p.checksum = !(b1 & 0x04);
    p.dedup = !(b1 & 0x08);
    p.long_distance = b1 & 0x10;
    p.shape = b1 & 0x20;
    p.ref_mode = (b1 >> 6) & 3;
    p.chunk_log = 12 + b2 % 4;
    p.window_log = (b2 & 0x80) ? 10 + (b2 >> 3) % 8 : 0;
    // Tier defaults go up to zstd 19; fuzzing keeps levels cheap (the max tier
    // always gets an explicit level) so that each input takes milliseconds.
    p.level = (b3 & 1) ? (b3 >> 1) % 13 : 0;
    if (p.effort == 2) p.level = 1 + (b3 >> 1) % 9;
    p.threads = (b4 % 8 == 7) ? 3 : 1;
    return p;
}

inline void apply(z4ai_cctx* c, const Params& p) {
    check(z4ai_cctx_set_param(c, Z4AI_C_DTYPE, p.dtype) == Z4AI_OK, "dtype");
    check(z4ai_cctx_set_param(c, Z4AI_C_EFFORT, p.effort) == Z4AI_OK, "effort");
    check(z4ai_cctx_set_param(c, Z4AI_C_CHUNK_SIZE, int64_t(1) << p.chunk_log) == Z4AI_OK, "chunk");
    check(z4ai_cctx_set_param(c, Z4AI_C_LEVEL, p.level) == Z4AI_OK, "level");
    check(z4ai_cctx_set_param(c, Z4AI_C_CHECKSUM, p.checksum) == Z4AI_OK, "checksum");
    check(z4ai_cctx_set_param(c, Z4AI_C_DEDUP, p.dedup) == Z4AI_OK, "dedup");
    check(z4ai_cctx_set_param(c, Z4AI_C_LONG_DISTANCE, p.long_distance) == Z4AI_OK, "ldm");
    check(z4ai_cctx_set_param(c, Z4AI_C_WINDOW_LOG, p.window_log) == Z4AI_OK, "wlog");
    check(z4ai_cctx_set_param(c, Z4AI_C_THREADS, p.threads) == Z4AI_OK, "threads");
}

// Shape for n bytes of p.dtype, when asked and possible: {n/w} or {a, n/w/a}.
inline size_t make_shape(const Params& p, size_t n, uint64_t dims[2]) {
    size_t w = z4ai_dtype_width(p.dtype);
    if (!p.shape || n % w) return 0;
    uint64_t elems = n / w;
    for (uint64_t a = 7; a >= 2; --a)
        if (elems % a == 0 && elems / a > 0) {
            dims[0] = a;
            dims[1] = elems / a;
            return 2;
        }
    dims[0] = elems;
    return 1;
}

// A reference close to the data: a copy with every (edit+1)-th byte changed,
// of the same length, half of it, or 100 bytes longer.
inline std::vector<uint8_t> make_reference(const Params& p, const uint8_t* data, size_t n) {
    std::vector<uint8_t> ref(data, data + n);
    if (p.ref_mode == 2) ref.resize(n / 2);
    if (p.ref_mode == 3) ref.resize(n + 100, 0x55);
    size_t step = size_t(p.ref_edit) + 1;
    for (size_t i = p.ref_edit % step; i < ref.size(); i += step) ref[i] = static_cast<uint8_t>(ref[i] + 1);
    return ref;
}

}  // namespace z4ai_fuzz
