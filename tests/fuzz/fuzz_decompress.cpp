// fuzz_decompress: one-shot z4ai_decompress on arbitrary bytes.
// Invariants: a pinned status; on success the output size is the frame's content
// size, skipping checksum verification gives the same bytes, and one byte less of
// output room is Z4AI_E_DST_TOO_SMALL.
#include "fuzz_common.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Dctx one(z4ai_dctx_create());
    static Dctx two(z4ai_dctx_create());
    static bool init = [] {
        for (z4ai_dctx* d : {one.get(), two.get()}) z4ai_dctx_set_param(d, Z4AI_D_MAX_MEMORY, kMaxMemory);
        z4ai_dctx_set_param(two.get(), Z4AI_D_THREADS, 2);
        return true;
    }();
    (void)init;
    z4ai_dctx* d = (size && (data[size - 1] & 1)) ? two.get() : one.get();

    uint64_t content = 0;
    z4ai_status s = z4ai_frame_content_size(data, size, &content);
    check_status(s);
    size_t cap = 1 << 16;
    if (s == Z4AI_OK && content != Z4AI_CONTENT_SIZE_UNKNOWN && content <= kMaxOutput)
        cap = static_cast<size_t>(content);
    std::vector<uint8_t> out(cap), again(cap);
    size_t written = 0;
    s = z4ai_decompress(d, out.data(), cap, data, size, &written);
    check_status(s);
    if (s != Z4AI_OK) {
        check(written == 0, "written set on failure", s);
        return 0;
    }
    check(written <= cap, "wrote past capacity");
    uint64_t content_after = 0;
    check(z4ai_frame_content_size(data, size, &content_after) == Z4AI_OK && content_after == written,
          "content size disagrees with decoded size");
    size_t csize = 0;
    check(z4ai_frame_compressed_size(data, size, &csize) == Z4AI_OK && csize == size,
          "compressed size disagrees with a decodable frame");

    z4ai_dctx_set_param(d, Z4AI_D_VERIFY_CHECKSUM, 0);
    size_t written2 = 0;
    s = z4ai_decompress(d, again.data(), cap, data, size, &written2);
    z4ai_dctx_set_param(d, Z4AI_D_VERIFY_CHECKSUM, 1);
    check(s == Z4AI_OK && written2 == written && same(out.data(), again.data(), written),
          "verify off changed the result", s);
    if (written) {
        s = z4ai_decompress(d, again.data(), written - 1, data, size, &written2);
        check(s == Z4AI_E_DST_TOO_SMALL, "short output buffer not reported", s);
    }
    return 0;
}
