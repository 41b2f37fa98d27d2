// fuzz_container: .zstn containers (and anything else) through every container
// entry point: kind detection, content size, whole-file decompression, and a
// reader opened on the bytes (list, info, read each tensor, element ranges,
// header JSON, describe, restore). Invariants: pinned statuses; the reader's
// restore equals z4ai_safetensors_decompress; tensors lie inside the file.
#include "safetensors_util.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    int32_t kind = -1;
    check_status(z4ai_detect_kind(data, size, size, &kind));
    uint64_t content = 0;
    z4ai_status s = z4ai_container_content_size(data, size, &content);
    check_status(s);
    std::vector<uint8_t> whole;
    bool whole_ok = false;
    if (s == Z4AI_OK && content <= kMaxOutput) {
        Dctx d(z4ai_dctx_create());
        z4ai_dctx_set_param(d.get(), Z4AI_D_MAX_MEMORY, kMaxMemory);
        whole.resize(static_cast<size_t>(content));
        size_t written = 0;
        s = z4ai_safetensors_decompress(d.get(), whole.data(), whole.size(), data, size, &written);
        check_status(s);
        if (s == Z4AI_OK) check(written == content, "decompressed size differs from the content size");
        whole_ok = s == Z4AI_OK;
    }

    std::unique_ptr<z4ai_reader, ReaderDeleter> r(z4ai_reader_create());
    z4ai_reader_set_param(r.get(), Z4AI_D_MAX_MEMORY, kMaxMemory);
    s = z4ai_reader_open_memory(r.get(), data, size);
    check_status(s);
    if (s != Z4AI_OK) {
        check(!whole_ok || kind != Z4AI_KIND_CONTAINER, "reader rejects a container that decompresses", s);
        return 0;
    }
    uint64_t file_size = 0;
    check_status(z4ai_reader_file_size(r.get(), &file_size));
    size_t count = 0;
    check(z4ai_reader_tensor_count(r.get(), &count) == Z4AI_OK, "tensor count of an open reader");
    for (size_t i = 0; i < count && i < 64; ++i) {
        z4ai_tensor_info info;
        s = z4ai_reader_tensor_info(r.get(), i, &info);
        check_status(s);
        if (s != Z4AI_OK) continue;
        check(info.name != nullptr && std::strlen(info.name) <= info.name_size, "tensor name");
        check(info.data_offset <= file_size && info.nbytes <= file_size - info.data_offset,
              "tensor outside the file it restores to");
        const uint64_t at = whole_ok ? data_start(whole.data(), whole.size()) : UINT64_MAX;
        uint64_t base = whole_ok ? data_start(whole.data(), whole.size()) : UINT64_MAX;
        size_t found = 0;
        if (std::strlen(info.name) == info.name_size)
            check(z4ai_reader_find(r.get(), info.name, &found) == Z4AI_OK, "find by listed name");
        if (info.nbytes > kMaxOutput) continue;
        std::vector<uint8_t> t(static_cast<size_t>(info.nbytes));
        size_t written = 0;
        s = z4ai_reader_read_tensor(r.get(), i, t.data(), t.size(), &written);
        check_status(s);
        if (s == Z4AI_OK) {
            check(written == info.nbytes, "tensor size");
            if (at != UINT64_MAX) {
                check(at + info.data_offset + written <= whole.size(), "tensor beyond the restored file");
                check(same(t.data(), whole.data() + at + info.data_offset, written),
                      "tensor differs from file");
            }
            size_t w = z4ai_dtype_width(info.dtype);
            uint64_t elems = w ? info.nbytes / w : 0;
            if (elems > 1) {
                uint64_t first = elems / 3, n = elems - first;
                std::vector<uint8_t> part(static_cast<size_t>(n * w));
                size_t got = 0;
                s = z4ai_reader_read_elements(r.get(), i, first, n, part.data(), part.size(), &got);
                check_status(s);
                if (s == Z4AI_OK)
                    check(got == n * w && same(part.data(), t.data() + first * w, got), "elements");
            }
        }
    }
    for (auto fn : {z4ai_reader_header_json, z4ai_reader_describe}) {
        size_t need = 0;
        s = fn(r.get(), nullptr, 0, &need);
        check_status(s);
        if (s == Z4AI_E_DST_TOO_SMALL && need < (1u << 24)) {
            std::vector<char> text(need);
            size_t w = 0;
            check(fn(r.get(), text.data(), need, &w) == Z4AI_OK && w + 1 == need && text[w] == 0,
                  "json size protocol");
        }
    }
    if (file_size <= kMaxOutput) {
        std::vector<uint8_t> restored(static_cast<size_t>(file_size));
        size_t written = 0;
        s = z4ai_reader_restore(r.get(), restored.data(), restored.size(), &written);
        check_status(s);
        if (s == Z4AI_OK && whole_ok)
            check(written == whole.size() && same(restored.data(), whole.data(), written), "restore differs");
    }
    return 0;
}
