// fuzz_frame_info: the context-free inspection calls (content size, compressed
// size, dtype, shape, describe) on arbitrary bytes; their answers must agree.
#include "fuzz_common.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    uint64_t content = 0;
    z4ai_status s = z4ai_frame_content_size(data, size, &content);
    check_status(s);
    size_t csize = 0;
    z4ai_status sc = z4ai_frame_compressed_size(data, size, &csize);
    check_status(sc);
    if (sc == Z4AI_OK) {
        check(csize <= size, "compressed size beyond the input");
        check(s == Z4AI_OK && content != Z4AI_CONTENT_SIZE_UNKNOWN, "complete frame without a content size",
              s);
    }
    int32_t dtype = -1;
    s = z4ai_frame_dtype(data, size, &dtype);
    check_status(s);
    if (s == Z4AI_OK) check(z4ai_dtype_name(dtype) != nullptr, "unknown dtype accepted");
    uint64_t dims[8];
    size_t ndim = 99, ndim0 = 99;
    s = z4ai_frame_shape(data, size, dims, 8, &ndim);
    check_status(s);
    z4ai_status s0 = z4ai_frame_shape(data, size, nullptr, 0, &ndim0);
    check(s0 == s, "shape status depends on capacity", s0);
    if (s == Z4AI_OK) check(ndim <= 8 && ndim0 == ndim, "bad rank");

    size_t need = 0;
    s = z4ai_frame_describe(data, size, nullptr, 0, &need);
    check_status(s);
    if (sc == Z4AI_OK && csize == size)
        // The block map is sound; only a damaged stream table may still fail.
        check(s == Z4AI_E_DST_TOO_SMALL || s == Z4AI_E_CORRUPT, "describe of a complete frame failed", s);
    if (s == Z4AI_E_DST_TOO_SMALL) {
        check(need >= 1, "describe size");
        std::vector<char> json(need);
        size_t written = 0;
        s = z4ai_frame_describe(data, size, json.data(), need, &written);
        check(
            s == Z4AI_OK && written == need - 1 && json[written] == 0 && std::strlen(json.data()) == written,
            "describe with the size it asked for", s);
        check(json[0] == '{' && json[written - 1] == '}', "describe is not a JSON object");
    }
    return 0;
}
