// fuzz_decompress_range: z4ai_decompress_range with fuzzer-chosen offset and
// length (first 16 input bytes) over the frame that follows. Invariants: a pinned
// status, never more than the clamped length written, and when the whole frame
// decodes, the range equals that slice of it.
#include "fuzz_common.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    uint64_t off_raw = in.u64(), len_raw = in.u64();
    const uint8_t* frame = in.rest();
    size_t n = in.rest_size();

    static Dctx d(z4ai_dctx_create());
    static bool init = (z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, kMaxMemory), true);
    (void)init;

    uint64_t content = 0;
    bool known =
        z4ai_frame_content_size(frame, n, &content) == Z4AI_OK && content != Z4AI_CONTENT_SIZE_UNKNOWN;
    // Mostly offsets/lengths inside the content; the top bit keeps the raw values
    // (huge, overflowing) so the bounds checks are fuzzed too.
    uint64_t off = off_raw, len = len_raw;
    if (known && !(off_raw >> 63)) off = off_raw % (content + 2);
    if (known && !(len_raw >> 63)) len = len_raw % (content + 2);
    // Room for exactly what the range can produce (as a real caller would size it).
    uint64_t want = len;
    if (known && off <= content) want = std::min<uint64_t>(len, content - off);
    size_t cap = static_cast<size_t>(std::min<uint64_t>(want, kMaxOutput));
    std::vector<uint8_t> out(cap ? cap : 1);
    size_t written = 0;
    z4ai_status s = z4ai_decompress_range(d.get(), out.data(), cap, frame, n, off, len, &written);
    check_status(s);
    if (s != Z4AI_OK) return 0;
    check(written <= cap && written <= len, "range wrote more than asked");
    check(known, "range decoded a frame without a content size");
    check(off <= content && written == std::min<uint64_t>(len, content - off),
          "range length not clamped right");
    if (content > kMaxOutput) return 0;
    std::vector<uint8_t> whole(static_cast<size_t>(content));
    size_t w = 0;
    z4ai_status so = z4ai_decompress(d.get(), whole.data(), whole.size(), frame, n, &w);
    check_status(so);
    if (so == Z4AI_OK)
        check(same(out.data(), whole.data() + off, written),
              "range differs from the slice of the whole frame");
    return 0;
}
