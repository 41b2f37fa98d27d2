// concurrency_test.cpp - many contexts in many threads, n worker threads inside
// one context, and a context misused from two threads at once (detected:
// Z4AI_E_BUSY). Run under ThreadSanitizer by scripts/test.sh (build-tsan).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "test_support.hpp"

using namespace z4ai_test;

namespace {

constexpr int64_t kChunk = 16384;

struct Case {
    int32_t dtype;
    int effort;
    Bytes src, frame;
};

std::vector<Case> reference_cases() {
    std::vector<Case> cases;
    int i = 0;
    for (int32_t dtype : {Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP32, Z4AI_DTYPE_INT8, Z4AI_DTYPE_FP16})
        for (int effort : {Z4AI_EFFORT_FAST, Z4AI_EFFORT_DEFAULT}) {
            Case c{dtype, effort, weights(dtype, 9 * kChunk + 77 * i, 10 + i), {}};
            c.frame = compress(c.src, dtype, effort, kChunk, 1).frame;
            cases.push_back(std::move(c));
            ++i;
        }
    return cases;
}

TEST(Concurrency, ManyContextsInManyThreadsGiveTheSingleThreadedBytes) {
    const std::vector<Case> cases = reference_cases();
    const int kThreads = 8;
    std::atomic<int> mismatches{0}, errors{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < kThreads; ++t)
        pool.emplace_back([&, t] {
            Cctx c = make_cctx();
            Dctx d = make_dctx();
            for (int round = 0; round < 3; ++round)
                for (size_t k = 0; k < cases.size(); ++k) {
                    const Case& cs = cases[(k + t) % cases.size()];
                    z4ai_cctx_reset(c.get(), Z4AI_RESET_PARAMETERS);
                    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, cs.dtype);
                    z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, cs.effort);
                    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, kChunk);
                    Compressed z = compress(c.get(), cs.src);
                    if (z.status != Z4AI_OK) ++errors;
                    if (z.frame != cs.frame) ++mismatches;
                    Decompressed back = decompress(d.get(), cs.frame, cs.src.size());
                    if (back.status != Z4AI_OK || back.data != cs.src) ++mismatches;
                    z4ai_status st;
                    Bytes streamed = stream_decompress(d.get(), cs.frame, 1000 + 333 * t, 4096, &st);
                    if (st != Z4AI_OK || streamed != cs.src) ++mismatches;
                }
        });
    for (auto& th : pool) th.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(mismatches.load(), 0);
}

TEST(Concurrency, WorkerThreadsInsideOneContextDoNotChangeTheBytes) {
    const std::vector<Case> cases = reference_cases();
    for (int threads : {2, 4, 0}) {
        Cctx c = make_cctx();
        Dctx d = make_dctx();
        z4ai_cctx_set_param(c.get(), Z4AI_C_THREADS, threads);
        z4ai_dctx_set_param(d.get(), Z4AI_D_THREADS, threads);
        for (const Case& cs : cases) {
            z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, cs.dtype);
            z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, cs.effort);
            z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, kChunk);
            Compressed z = compress(c.get(), cs.src);
            ASSERT_EQ(z.status, Z4AI_OK);
            EXPECT_EQ(z.frame, cs.frame) << threads << " threads";
            ASSERT_EQ(z4ai_cctx_set_pledged_size(c.get(), cs.src.size()), Z4AI_OK);
            z4ai_status st;
            Bytes streamed = stream_compress(c.get(), cs.src, 5000, 3000, &st);
            ASSERT_EQ(st, Z4AI_OK);
            Decompressed back = decompress(d.get(), streamed, cs.src.size());
            ASSERT_EQ(back.status, Z4AI_OK);
            EXPECT_EQ(back.data, cs.src);
            Bytes out = stream_decompress(d.get(), cs.frame, 7000, 2000, &st);
            ASSERT_EQ(st, Z4AI_OK);
            EXPECT_EQ(out, cs.src);
            Bytes part(3 * kChunk);
            size_t got = 0;
            ASSERT_EQ(z4ai_decompress_range(d.get(), part.data(), part.size(), cs.frame.data(),
                                            cs.frame.size(), kChunk / 2, part.size(), &got),
                      Z4AI_OK);
            EXPECT_TRUE(std::equal(part.begin(), part.end(), cs.src.begin() + kChunk / 2));
        }
    }
}

TEST(Concurrency, SharedInputsAndReferenceAcrossDecoders) {
    Bytes ref = weights(Z4AI_DTYPE_BF16, 6 * kChunk, 3), now = ref;
    for (size_t i = 0; i < now.size(); i += 301) now[i] ^= 0x5A;
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_BF16);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, kChunk);
    ASSERT_EQ(z4ai_cctx_ref_reference(c.get(), ref.data(), ref.size()), Z4AI_OK);
    Compressed z = compress(c.get(), now);
    ASSERT_EQ(z.status, Z4AI_OK);
    std::atomic<int> bad{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < 6; ++t)
        pool.emplace_back([&, t] {
            Dctx d = make_dctx();
            z4ai_dctx_set_param(d.get(), Z4AI_D_THREADS, 1 + t % 3);
            z4ai_dctx_ref_reference(d.get(), ref.data(), ref.size());
            for (int i = 0; i < 5; ++i) {
                Decompressed r = decompress(d.get(), z.frame, now.size());
                if (r.status != Z4AI_OK || r.data != now) ++bad;
            }
        });
    for (auto& th : pool) th.join();
    EXPECT_EQ(bad.load(), 0);
}

// One thread runs a long call; another uses the same context meanwhile. The second
// gets Z4AI_E_BUSY (never a crash or a corrupted result); the first is unaffected.
TEST(Concurrency, ContextUsedByTwoThreadsAtOnceIsDetected) {
    Bytes src = weights(Z4AI_DTYPE_FP32, 8 << 20, 4);
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, Z4AI_DTYPE_FP32);
    z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, Z4AI_EFFORT_MAX);
    Bytes frame(z4ai_compress_bound(src.size()));
    std::atomic<bool> started{false}, done{false};
    std::atomic<int> busy{0}, other{0};
    size_t written = 0;
    z4ai_status main_status = Z4AI_E_GENERIC;
    std::thread intruder([&] {
        while (!started.load()) std::this_thread::yield();
        Bytes small = weights(Z4AI_DTYPE_FP32, 4096, 5), dst(z4ai_compress_bound(4096));
        while (!done.load()) {
            size_t w = 0;
            z4ai_status s = z4ai_compress(c.get(), dst.data(), dst.size(), small.data(), small.size(), &w);
            z4ai_status p = z4ai_cctx_set_param(c.get(), Z4AI_C_LEVEL, 5);
            for (z4ai_status x : {s, p}) (x == Z4AI_E_BUSY ? busy : other)++;
            std::this_thread::yield();
        }
    });
    started = true;
    main_status = z4ai_compress(c.get(), frame.data(), frame.size(), src.data(), src.size(), &written);
    done = true;
    intruder.join();
    // The intruder may slip in before or after the long call; while it runs, it is refused.
    EXPECT_GT(busy.load(), 0) << "no concurrent use was detected";
    if (main_status == Z4AI_E_BUSY) GTEST_SKIP() << "the intruder won the race for the context";
    ASSERT_EQ(main_status, Z4AI_OK);
    frame.resize(written);
    Decompressed back = decompress(frame);
    ASSERT_EQ(back.status, Z4AI_OK);
    EXPECT_EQ(back.data, src);
    Dctx d = make_dctx();
    // Decompression contexts are guarded the same way.
    std::atomic<int> dbusy{0};
    std::atomic<bool> ddone{false};
    std::thread second([&] {
        Bytes out(src.size());
        while (!ddone.load()) {
            size_t w = 0;
            if (z4ai_decompress(d.get(), out.data(), out.size(), frame.data(), frame.size(), &w) ==
                Z4AI_E_BUSY)
                ++dbusy;
        }
    });
    Bytes out(src.size());
    for (int i = 0; i < 20 && dbusy.load() == 0; ++i) {
        size_t w = 0;
        z4ai_status s = z4ai_decompress(d.get(), out.data(), out.size(), frame.data(), frame.size(), &w);
        if (s == Z4AI_E_BUSY)
            ++dbusy;
        else
            EXPECT_EQ(s, Z4AI_OK);
    }
    ddone = true;
    second.join();
    EXPECT_GT(dbusy.load(), 0);
}

}  // namespace
