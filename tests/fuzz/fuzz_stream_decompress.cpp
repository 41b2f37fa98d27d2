// fuzz_stream_decompress: z4ai_decompress_stream with random input and output
// buffer sizes (first 8 input bytes seed them; the rest is the frame).
// Invariants: pinned statuses, progress on every call (no hang), and agreement
// with one-shot decoding: a frame one decoder accepts, the other accepts too, with
// the same bytes.
#include "fuzz_common.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    uint64_t seed = in.u64();
    const uint8_t* frame = in.rest();
    size_t n = in.rest_size();
    bool verify = !(seed & 1);
    unsigned threads = (seed & 6) == 6 ? 2 : 1;

    static Dctx one(z4ai_dctx_create());
    static Dctx two(z4ai_dctx_create());
    static bool init = [] {
        for (z4ai_dctx* d : {one.get(), two.get()}) z4ai_dctx_set_param(d, Z4AI_D_MAX_MEMORY, kMaxMemory);
        z4ai_dctx_set_param(two.get(), Z4AI_D_THREADS, 2);
        return true;
    }();
    (void)init;
    z4ai_dctx* d = threads == 2 ? two.get() : one.get();
    z4ai_dctx_set_param(d, Z4AI_D_VERIFY_CHECKSUM, verify);

    Rng rng{seed};
    std::vector<uint8_t> streamed;
    size_t consumed = 0;
    bool capped = false;
    z4ai_status s = stream_decode(d, frame, n, rng, &streamed, &consumed, &capped);
    if (capped) {
        check(z4ai_dctx_reset(d, Z4AI_RESET_SESSION) == Z4AI_OK, "reset");
        return 0;
    }
    if (s == Z4AI_E_TRUNCATED) z4ai_dctx_reset(d, Z4AI_RESET_SESSION);

    // One-shot over the bytes the stream consumed (a frame may be followed by others).
    Dctx o(z4ai_dctx_create());
    z4ai_dctx_set_param(o.get(), Z4AI_D_MAX_MEMORY, kMaxMemory);
    z4ai_dctx_set_param(o.get(), Z4AI_D_VERIFY_CHECKSUM, verify);
    size_t frame_size = consumed;
    if (s != Z4AI_OK) {
        size_t c = 0;
        frame_size = z4ai_frame_compressed_size(frame, n, &c) == Z4AI_OK ? c : n;
    }
    uint64_t content = 0;
    size_t cap = 1 << 16;
    bool fits = z4ai_frame_content_size(frame, frame_size, &content) == Z4AI_OK && content <= kMaxOutput;
    if (fits) cap = static_cast<size_t>(content);
    std::vector<uint8_t> whole(cap);
    size_t written = 0;
    z4ai_status so = z4ai_decompress(o.get(), whole.data(), cap, frame, frame_size, &written);
    check_status(so);
    // Streaming needs room for a whole batch of chunks, one-shot only per block:
    // their memory limits differ by design. Outputs above the cap are not compared.
    if (s == Z4AI_E_MEMORY_LIMIT || so == Z4AI_E_MEMORY_LIMIT) return 0;
    if (!fits && so == Z4AI_E_DST_TOO_SMALL) return 0;
    if (s == Z4AI_OK) {
        check(so == Z4AI_OK, "stream accepted a frame one-shot rejects", so);
        check(written == streamed.size() && same(whole.data(), streamed.data(), written),
              "stream and one-shot decoded different bytes");
    } else if (so == Z4AI_OK) {
        die("one-shot accepted a frame the stream rejected", s);
    }
    return 0;
}
