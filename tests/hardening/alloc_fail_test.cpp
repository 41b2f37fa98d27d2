// alloc_fail_test.cpp - makes the n-th allocation fail, for every n along a full
// compress/decompress path (one-shot, range, streaming both ways, delta,
// describe), on every effort tier. Each call must then return Z4AI_E_MEMORY (or
// succeed, if the failure was absorbed), leak nothing, and leave its context
// usable: the same call repeated on the same context succeeds with the right bytes.
#include <gtest/gtest.h>

#include <string>

#include "fail_malloc.hpp"
#include "test_support.hpp"

using namespace z4ai_test;
namespace fm = z4ai_test::fail_malloc;

namespace {

struct Outcome {
    int memory_errors = 0;
    std::string problem;  // first unexpected event, empty if none
};

// Runs `call`; if it fails while a failure was injected it must be Z4AI_E_MEMORY
// and a repeat (with failures disarmed) must succeed.
template <typename Call, typename Check>
void step(Outcome& o, const char* name, Call&& call, Check&& result_ok) {
    z4ai_status s = call();
    if (s != Z4AI_OK) {
        bool was_injected = fm::injected();
        fm::disarm();
        if (o.problem.empty() && (s != Z4AI_E_MEMORY || !was_injected))
            o.problem = std::string(name) + " returned " + z4ai_status_name(s);
        ++o.memory_errors;
        s = call();
        if (o.problem.empty() && s != Z4AI_OK)
            o.problem = std::string(name) + " failed again on a reused context: " + z4ai_status_name(s);
    }
    if (s == Z4AI_OK && o.problem.empty() && !result_ok())
        o.problem = std::string(name) + " gave wrong output";
}

struct Data {
    Bytes src, ref;
    explicit Data(int dtype, size_t size) {
        src = weights(dtype, size, 3);
        // A repeated chunk (dedup path) and a mostly-zero chunk (sparse path).
        if (src.size() > 3 * 4096) {
            std::copy(src.begin(), src.begin() + 4096, src.begin() + 4096);
            std::fill(src.begin() + 2 * 4096, src.begin() + 2 * 4096 + 3500, 0);
        }
        ref = src;
        for (size_t i = 0; i < ref.size(); i += 50) ref[i] ^= 1;
    }
};

// Every buffer the path uses, allocated before failures are armed: only z4ai's
// own allocations are counted and failed.
struct Work {
    Bytes frame, delta, out, streamed, back;
    explicit Work(const Data& d)
        : frame(z4ai_compress_bound(d.src.size())),
          delta(frame.size()),
          out(d.src.size() + 1),
          streamed(frame.size()),
          back(d.src.size() + 1) {}
};

// Streams src through c into dst with small buffers; *n = frame size.
z4ai_status stream_in(z4ai_cctx* c, const Bytes& src, Bytes& dst, size_t* n) {
    size_t ipos = 0, opos = 0, remaining = 1;
    *n = 0;
    while (true) {
        size_t in_end = std::min(src.size(), ipos + 3000), out_end = std::min(dst.size(), opos + 700);
        int32_t op = in_end == src.size() ? Z4AI_END : Z4AI_CONTINUE;
        z4ai_status s = z4ai_compress_stream_args(c, dst.data(), out_end, &opos, src.data(), in_end, &ipos,
                                                  op, &remaining);
        if (s != Z4AI_OK) return s;
        if (op == Z4AI_END && remaining == 0) break;
    }
    *n = opos;
    return Z4AI_OK;
}

z4ai_status stream_out(z4ai_dctx* x, const Bytes& frame, size_t size, Bytes& dst, size_t* n) {
    size_t ipos = 0, opos = 0, remaining = 1;
    *n = 0;
    for (int calls = 0; remaining; ++calls) {
        if (calls > 100000) return Z4AI_E_GENERIC;
        size_t in_end = std::min(size, ipos + 2000), out_end = std::min(dst.size(), opos + 900);
        z4ai_status s = z4ai_decompress_stream_args(x, dst.data(), out_end, &opos, frame.data(), in_end,
                                                    &ipos, &remaining);
        if (s != Z4AI_OK) return s;
    }
    *n = opos;
    return Z4AI_OK;
}

// The full path. Contexts are created inside (their creation is a step too).
// The max tier (brotli + zstd 19: thousands of allocations) runs the one-shot part
// only, at a lighter zstd level, to keep the test within seconds.
Outcome run_path(const Data& d, Work& w, int effort, int threads) {
    const bool full = effort != Z4AI_EFFORT_MAX;
    Outcome o;
    z4ai_cctx* c = nullptr;
    z4ai_dctx* x = nullptr;
    size_t fsize = 0, dsize = 0, ssize = 0, got = 0;
    auto ok = [] { return true; };
    step(
        o, "cctx_create", [&] { return (c = z4ai_cctx_create()) ? Z4AI_OK : Z4AI_E_MEMORY; }, ok);
    step(
        o, "dctx_create", [&] { return (x = z4ai_dctx_create()) ? Z4AI_OK : Z4AI_E_MEMORY; }, ok);
    if (!c || !x) {
        o.problem = "context creation failed twice";
        z4ai_cctx_free(c);
        z4ai_dctx_free(x);
        return o;
    }
    z4ai_cctx_set_param(c, Z4AI_C_DTYPE, Z4AI_DTYPE_BF16);
    z4ai_cctx_set_param(c, Z4AI_C_EFFORT, effort);
    z4ai_cctx_set_param(c, Z4AI_C_CHUNK_SIZE, 4096);
    z4ai_cctx_set_param(c, Z4AI_C_THREADS, threads);
    if (!full) z4ai_cctx_set_param(c, Z4AI_C_LEVEL, 3);
    z4ai_dctx_set_param(x, Z4AI_D_THREADS, threads);
    auto same = [&](const Bytes& got_bytes, size_t n) {
        return n == d.src.size() && std::equal(d.src.begin(), d.src.end(), got_bytes.begin());
    };

    step(
        o, "compress",
        [&] { return z4ai_compress(c, w.frame.data(), w.frame.size(), d.src.data(), d.src.size(), &fsize); },
        ok);
    step(
        o, "decompress",
        [&] { return z4ai_decompress(x, w.out.data(), w.out.size(), w.frame.data(), fsize, &got); },
        [&] { return same(w.out, got); });
    step(
        o, "decompress_range",
        [&] {
            return z4ai_decompress_range(x, w.out.data(), w.out.size(), w.frame.data(), fsize, 100, 2000,
                                         &got);
        },
        [&] { return got == 2000 && std::equal(w.out.begin(), w.out.begin() + 2000, d.src.begin() + 100); });
    size_t need = 0;
    step(
        o, "frame_describe",
        [&] {
            z4ai_status s = z4ai_frame_describe(w.frame.data(), fsize, nullptr, 0, &need);
            return s == Z4AI_E_DST_TOO_SMALL ? Z4AI_OK : s;
        },
        [&] { return need > 10; });
    step(
        o, "compress_stream",
        [&] {
            z4ai_status s = z4ai_cctx_set_pledged_size(c, d.src.size());
            return s != Z4AI_OK ? s : stream_in(c, d.src, w.streamed, &ssize);
        },
        [&] { return ssize > 0; });
    step(
        o, "decompress_stream", [&] { return stream_out(x, w.streamed, ssize, w.back, &got); },
        [&] { return same(w.back, got); });
    step(
        o, "delta_compress",
        [&] {
            z4ai_status s = z4ai_cctx_ref_reference(c, d.ref.data(), d.ref.size());
            if (s != Z4AI_OK) return s;
            return z4ai_compress(c, w.delta.data(), w.delta.size(), d.src.data(), d.src.size(), &dsize);
        },
        ok);
    step(
        o, "delta_decompress",
        [&] {
            z4ai_status s = z4ai_dctx_ref_reference(x, d.ref.data(), d.ref.size());
            if (s != Z4AI_OK) return s;
            return z4ai_decompress(x, w.out.data(), w.out.size(), w.delta.data(), dsize, &got);
        },
        [&] { return same(w.out, got); });
    z4ai_cctx_free(c);
    z4ai_dctx_free(x);
    return o;
}

class AllocFailure : public ::testing::TestWithParam<int> {};

TEST_P(AllocFailure, EveryAllocationAlongThePathCanFail) {
    const int effort = GetParam();
    // The max tier runs brotli: hundreds of allocations per stream, so a smaller input.
    Data d(Z4AI_DTYPE_BF16, effort == Z4AI_EFFORT_MAX ? 4096 + 100 : 3 * 4096 + 100);
    Work w(d);
    // Warm-up (lazy one-time allocations of the runtime), then count the path.
    run_path(d, w, effort, 1);
    int64_t base = fm::live();
    fm::disarm();
    Outcome clean = run_path(d, w, effort, 1);
    uint64_t total = fm::count();
    ASSERT_EQ(clean.problem, "");
    ASSERT_EQ(clean.memory_errors, 0);
    ASSERT_EQ(fm::live(), base) << "the path leaks without any failure";
    ASSERT_GT(total, 20u);
    uint64_t with_error = 0;
    for (uint64_t n = 1; n <= total; ++n) {
        fm::arm(n);
        Outcome o = run_path(d, w, effort, 1);
        bool hit = fm::injected();
        fm::disarm();
        ASSERT_EQ(o.problem, "") << "allocation " << n << " of " << total;
        ASSERT_EQ(fm::live(), base) << "leak after failing allocation " << n << " of " << total;
        if (hit && o.memory_errors) ++with_error;
    }
    std::printf("effort %d: %llu allocations on the path, %llu failures surfaced as Z4AI_E_MEMORY\n", effort,
                static_cast<unsigned long long>(total), static_cast<unsigned long long>(with_error));
}

INSTANTIATE_TEST_SUITE_P(Tiers, AllocFailure, ::testing::Values(0, 1, 2));

}  // namespace
