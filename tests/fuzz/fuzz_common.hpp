// fuzz_common.hpp - shared helpers for the libFuzzer targets in tests/fuzz/.
// Every target only uses the public C ABI (z4ai.h), so what is fuzzed is exactly
// what callers see. Targets abort (a fuzzer "crash") when an invariant breaks:
// wrong output, an inconsistent status, or a status outside the pinned set.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "z4ai.h"

namespace z4ai_fuzz {

// Limits that keep one input cheap: no target decodes more than this many bytes.
constexpr uint64_t kMaxOutput = uint64_t(4) << 20;
constexpr int64_t kMaxMemory = int64_t(32) << 20;

[[noreturn]] inline void die(const char* what, z4ai_status s = 0) {
    std::fprintf(stderr, "z4ai fuzz invariant violated: %s (status %d %s)\n", what, s, z4ai_status_name(s));
    std::abort();
}
inline void check(bool ok, const char* what, z4ai_status s = 0) {
    if (!ok) die(what, s);
}
// memcmp that allows empty ranges (and the null data() of empty vectors).
inline bool same(const void* a, const void* b, size_t n) { return n == 0 || std::memcmp(a, b, n) == 0; }
// Every status a call returns must be a pinned one.
inline void check_status(z4ai_status s) {
    if (s > 0 || std::strcmp(z4ai_status_name(s), "Z4AI_E_UNKNOWN_STATUS") == 0) die("unpinned status", s);
    if (s == Z4AI_E_INTERNAL) die("internal error reached from input", s);
}

struct CctxDeleter {
    void operator()(z4ai_cctx* c) const { z4ai_cctx_free(c); }
};
struct DctxDeleter {
    void operator()(z4ai_dctx* d) const { z4ai_dctx_free(d); }
};
struct ReaderDeleter {
    void operator()(z4ai_reader* r) const { z4ai_reader_free(r); }
};
using Cctx = std::unique_ptr<z4ai_cctx, CctxDeleter>;
using Dctx = std::unique_ptr<z4ai_dctx, DctxDeleter>;

// Reads the fuzzer's bytes front to back; running out yields zeros.
class Input {
   public:
    Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
    uint8_t u8() { return n_ ? (--n_, *p_++) : 0; }
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= uint32_t(u8()) << (8 * i);
        return v;
    }
    uint64_t u64() { return uint64_t(u32()) | (uint64_t(u32()) << 32); }
    const uint8_t* rest() const { return p_; }
    size_t rest_size() const { return n_; }

   private:
    const uint8_t* p_;
    size_t n_;
};

// splitmix64: buffer sizes and flush points for streaming targets.
struct Rng {
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Mostly tiny steps (1..64), sometimes up to 64 KiB.
    size_t step() {
        uint64_t r = next();
        return (r & 3) ? 1 + (r >> 8) % 64 : 1 + (r >> 8) % 65536;
    }
};

// Deterministic 256 KiB reference for delta frames: bf16-like words. Delta frames
// in the seed corpus are made against prefixes of it (the frame records the
// reference's size and digest, so only these references can decode them).
constexpr size_t kReferenceSize = 256 * 1024;
inline const std::vector<uint8_t>& reference() {
    static const std::vector<uint8_t> ref = [] {
        std::vector<uint8_t> r(kReferenceSize);
        Rng g{42};
        for (size_t i = 0; i < r.size(); i += 2) {
            uint64_t v = g.next();
            r[i] = static_cast<uint8_t>(v);
            r[i + 1] = static_cast<uint8_t>(0x3A + (v >> 32) % 6) | ((v >> 40) & 0x80);
        }
        return r;
    }();
    return ref;
}

// Reference size recorded in a delta frame's header (0 if absent or unreadable).
inline uint64_t header_reference_size(const uint8_t* f, size_t n) {
    if (n < 20 || !(f[5] & 4) || f[7] > 8) return 0;
    size_t at = 20 + 8 * size_t(f[7]);
    if (n < at + 8) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(f[at + i]) << (8 * i);
    return v;
}

// Streams `frame` through d with random buffer sizes. Returns the status; *out
// receives the bytes produced (at most kMaxOutput; *capped set if cut off) and
// *consumed the input used. Guarantees termination: a call that makes no
// progress with input left and output room is an invariant violation (a hang).
inline z4ai_status stream_decode(z4ai_dctx* d, const uint8_t* frame, size_t size, Rng& rng,
                                 std::vector<uint8_t>* out, size_t* consumed, bool* capped) {
    *capped = false;
    size_t ipos = 0;
    std::vector<uint8_t> buf(65536);
    for (;;) {
        size_t in_end = std::min(size, ipos + rng.step());
        size_t out_cap = rng.step();
        size_t opos = 0, remaining = 0, ip = ipos;
        z4ai_status s =
            z4ai_decompress_stream_args(d, buf.data(), out_cap, &opos, frame, in_end, &ip, &remaining);
        check_status(s);
        check(opos <= out_cap && ip >= ipos && ip <= in_end, "stream positions out of range", s);
        out->insert(out->end(), buf.begin(), buf.begin() + static_cast<long>(opos));
        bool progress = ip != ipos || opos != 0;
        ipos = ip;
        *consumed = ipos;
        if (s != Z4AI_OK) return s;
        if (remaining == 0) return Z4AI_OK;
        if (out->size() > kMaxOutput) {
            *capped = true;
            return Z4AI_OK;
        }
        if (!progress) {
            // Every call offers at least one input byte (until the input is used
            // up) and one output byte, so a call that does neither is a hang,
            // unless the input is exhausted: then the frame is incomplete.
            if (ipos == size) return Z4AI_E_TRUNCATED;
            die("stream made no progress");
        }
    }
}

}  // namespace z4ai_fuzz
