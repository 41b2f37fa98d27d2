// fuzz_delta: delta frames decoded with a reference. The reference is a prefix of
// a fixed deterministic buffer (fuzz_common.hpp) of the size the frame's header
// records, so seed frames made against it decode and mutations reach the XOR/SUB
// and REF_COPY paths. Invariants: pinned statuses; no reference is never OK for
// a delta frame; one-shot, streaming and range decoding agree.
#include "fuzz_common.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<uint8_t>& R = reference();
    uint64_t want = header_reference_size(data, size);
    size_t ref_size = static_cast<size_t>(std::min<uint64_t>(want, R.size()));
    Dctx d(z4ai_dctx_create());
    z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, kMaxMemory);

    uint64_t content = 0;
    size_t cap = 1 << 16;
    bool fits = z4ai_frame_content_size(data, size, &content) == Z4AI_OK && content <= kMaxOutput;
    if (fits) cap = static_cast<size_t>(content);
    std::vector<uint8_t> out(cap), streamed;
    size_t written = 0;
    if (want) {
        z4ai_status s = z4ai_decompress(d.get(), out.data(), cap, data, size, &written);
        check_status(s);
        check(s != Z4AI_OK, "delta frame decoded without its reference");
    }
    check(z4ai_dctx_ref_reference(d.get(), R.data(), ref_size) == Z4AI_OK, "attach reference");
    z4ai_status s = z4ai_decompress(d.get(), out.data(), cap, data, size, &written);
    check_status(s);

    Rng rng{size};
    size_t consumed = 0;
    bool capped = false;
    z4ai_status ss = stream_decode(d.get(), data, size, rng, &streamed, &consumed, &capped);
    if (capped || ss == Z4AI_E_MEMORY_LIMIT || s == Z4AI_E_MEMORY_LIMIT) return 0;
    if (!fits && s == Z4AI_E_DST_TOO_SMALL) return 0;
    if (s == Z4AI_OK) {
        check(ss == Z4AI_OK && consumed == size, "stream rejected a delta frame one-shot accepts", ss);
        check(streamed.size() == written && same(streamed.data(), out.data(), written),
              "stream and one-shot differ on a delta frame");
        if (written > 2) {
            uint64_t off = size % written, len = written - off;
            std::vector<uint8_t> part(len);
            size_t got = 0;
            check(z4ai_decompress_range(d.get(), part.data(), len, data, size, off, len, &got) == Z4AI_OK &&
                      got == len && same(part.data(), out.data() + off, len),
                  "range differs on a delta frame");
        }
    } else if (ss == Z4AI_OK && consumed == size) {
        die("stream accepted a delta frame one-shot rejects", s);
    }
    return 0;
}
