// fuzz_roundtrip: random data and parameters -> z4ai_compress -> z4ai_decompress
// must give the data back exactly; also checks the frame's metadata, a range
// decode, a delta against a nearby reference, and (with threads) that the frame
// does not depend on the thread count.
#include "roundtrip_params.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    Params p = read_params(in);
    const uint8_t* src = in.rest();
    size_t n = in.rest_size();

    // Contexts live across inputs (zstd contexts are costly to build); a full reset
    // must make every input independent of the ones before it.
    static Cctx c(z4ai_cctx_create());
    static Dctx d(z4ai_dctx_create());
    check(z4ai_cctx_reset(c.get(), Z4AI_RESET_BOTH) == Z4AI_OK, "cctx reset");
    check(z4ai_dctx_reset(d.get(), Z4AI_RESET_BOTH) == Z4AI_OK, "dctx reset");
    apply(c.get(), p);
    uint64_t dims[2];
    size_t ndim = make_shape(p, n, dims);
    if (ndim) check(z4ai_cctx_set_shape(c.get(), dims, ndim) == Z4AI_OK, "shape");
    std::vector<uint8_t> ref;
    if (p.ref_mode) {
        ref = make_reference(p, src, n);
        check(z4ai_cctx_ref_reference(c.get(), ref.data(), ref.size()) == Z4AI_OK, "reference");
    }
    size_t bound = z4ai_compress_bound(n);
    std::vector<uint8_t> frame(bound);
    size_t fsize = 0;
    z4ai_status s = z4ai_compress(c.get(), frame.data(), frame.size(), src, n, &fsize);
    check(s == Z4AI_OK, "compress failed", s);
    check(fsize <= bound, "frame above the bound");
    frame.resize(fsize);

    uint64_t content = 0;
    check(z4ai_frame_content_size(frame.data(), fsize, &content) == Z4AI_OK && content == n, "content size");
    size_t got_ndim = 0;
    check(z4ai_frame_shape(frame.data(), fsize, nullptr, 0, &got_ndim) == Z4AI_OK && got_ndim == ndim,
          "ndim");

    if (p.ref_mode) check(z4ai_dctx_ref_reference(d.get(), ref.data(), ref.size()) == Z4AI_OK, "reference");
    std::vector<uint8_t> back(n + 1);
    size_t written = 0;
    s = z4ai_decompress(d.get(), back.data(), back.size(), frame.data(), fsize, &written);
    check(s == Z4AI_OK, "decompress of a fresh frame failed", s);
    check(written == n && (n == 0 || same(back.data(), src, n)), "round trip changed the data");

    if (n > 1) {
        uint64_t off = p.seed % n, len = (p.seed >> 3) % (n - off) + 1;
        size_t got = 0;
        s = z4ai_decompress_range(d.get(), back.data(), len, frame.data(), fsize, off, len, &got);
        check(s == Z4AI_OK && got == len && same(back.data(), src + off, len), "range", s);
    }
    if (p.threads > 1) {
        // Same parameters on one thread: byte-identical frame.
        check(z4ai_cctx_set_param(c.get(), Z4AI_C_THREADS, 1) == Z4AI_OK, "threads");
        std::vector<uint8_t> f1(bound);
        size_t f1size = 0;
        check(z4ai_compress(c.get(), f1.data(), f1.size(), src, n, &f1size) == Z4AI_OK, "compress 1 thread");
        check(f1size == fsize && same(f1.data(), frame.data(), fsize), "frame depends on threads");
    }
    return 0;
}
