// fuzz_stream_roundtrip: random data and parameters -> z4ai_compress_stream with
// random buffer sizes and flushes -> decoded one-shot and streaming: the data
// must come back. Without flushes, with a pledged size and dedup off, the
// streamed frame must be byte-identical to the one-shot frame.
#include "roundtrip_params.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    Params p = read_params(in);
    const uint8_t* src = in.rest();
    size_t n = in.rest_size();
    Rng rng{p.seed};
    bool pledge = p.seed & 1;
    bool flushes = p.seed & 2;

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
    if (pledge) check(z4ai_cctx_set_pledged_size(c.get(), n) == Z4AI_OK, "pledge");

    std::vector<uint8_t> frame;
    std::vector<uint8_t> buf(65536);
    size_t ipos = 0;
    for (int calls = 0;; ++calls) {
        check(calls < 10000000, "compress stream does not finish");
        size_t in_end = std::min(n, ipos + rng.step());
        int32_t op = Z4AI_CONTINUE;
        if (in_end == n)
            op = Z4AI_END;
        else if (flushes && rng.next() % 8 == 0)
            op = Z4AI_FLUSH;
        size_t out_cap = rng.step(), opos = 0, remaining = 0, ip = ipos;
        z4ai_status s =
            z4ai_compress_stream_args(c.get(), buf.data(), out_cap, &opos, src, in_end, &ip, op, &remaining);
        check(s == Z4AI_OK, "compress stream failed", s);
        check(opos <= out_cap && ip >= ipos && ip <= in_end, "stream positions");
        frame.insert(frame.end(), buf.begin(), buf.begin() + static_cast<long>(opos));
        bool progress = ip != ipos || opos != 0;
        ipos = ip;
        if (op == Z4AI_END && remaining == 0 && ipos == n) break;
        check(progress || remaining == 0, "compress stream made no progress");
    }

    if (p.ref_mode) check(z4ai_dctx_ref_reference(d.get(), ref.data(), ref.size()) == Z4AI_OK, "reference");
    std::vector<uint8_t> back(n + 1);
    size_t written = 0;
    z4ai_status s = z4ai_decompress(d.get(), back.data(), back.size(), frame.data(), frame.size(), &written);
    check(s == Z4AI_OK, "one-shot decode of a streamed frame failed", s);
    check(written == n && (n == 0 || same(back.data(), src, n)), "streamed round trip changed data");

    std::vector<uint8_t> streamed;
    size_t consumed = 0;
    bool capped = false;
    s = stream_decode(d.get(), frame.data(), frame.size(), rng, &streamed, &consumed, &capped);
    check(s == Z4AI_OK && !capped && consumed == frame.size(), "stream decode of a streamed frame", s);
    check(streamed.size() == n && (n == 0 || same(streamed.data(), src, n)), "stream decode data");

    if (pledge && !flushes) {
        check(z4ai_cctx_set_param(c.get(), Z4AI_C_DEDUP, 0) == Z4AI_OK, "dedup");
        std::vector<uint8_t> one(z4ai_compress_bound(n));
        size_t osize = 0;
        check(z4ai_compress(c.get(), one.data(), one.size(), src, n, &osize) == Z4AI_OK, "one-shot");
        check(osize == frame.size() && same(one.data(), frame.data(), osize),
              "streamed frame differs from the one-shot frame");
    }
    return 0;
}
