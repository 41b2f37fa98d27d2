// fuzz_model_delta: .z4dm model deltas decoded against the fixed base model of
// safetensors_util.hpp (seed deltas are made against it), through
// z4ai_model_delta_decompress and a reader with the base attached. Invariants:
// pinned statuses; no base is never success; both paths give the same file.
#include "safetensors_util.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<uint8_t>& base = base_model();
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
        s = z4ai_model_delta_decompress(d.get(), whole.data(), whole.size(), data, size, nullptr, 0,
                                        &written);
        check_status(s);
        check(s != Z4AI_OK || content == 0, "model delta decoded without its base", s);
        s = z4ai_model_delta_decompress(d.get(), whole.data(), whole.size(), data, size, base.data(),
                                        base.size(), &written);
        check_status(s);
        if (s == Z4AI_OK) check(written == content, "decoded size differs from the content size");
        whole_ok = s == Z4AI_OK;
    }
    std::unique_ptr<z4ai_reader, ReaderDeleter> r(z4ai_reader_create());
    z4ai_reader_set_param(r.get(), Z4AI_D_MAX_MEMORY, kMaxMemory);
    s = z4ai_reader_open_memory(r.get(), data, size);
    check_status(s);
    if (s != Z4AI_OK) return 0;
    s = z4ai_reader_attach_base(r.get(), base.data(), base.size());
    check_status(s);
    size_t count = 0;
    if (z4ai_reader_tensor_count(r.get(), &count) == Z4AI_OK)
        for (size_t i = 0; i < count && i < 64; ++i) {
            z4ai_tensor_info info;
            if (z4ai_reader_tensor_info(r.get(), i, &info) != Z4AI_OK || info.nbytes > kMaxOutput) continue;
            std::vector<uint8_t> t(static_cast<size_t>(info.nbytes));
            size_t written = 0;
            s = z4ai_reader_read_tensor(r.get(), i, t.data(), t.size(), &written);
            check_status(s);
            const uint64_t at = whole_ok ? data_start(whole.data(), whole.size()) : UINT64_MAX;
            if (s == Z4AI_OK && at != UINT64_MAX) {
                check(at + info.data_offset + written <= whole.size(), "tensor beyond the restored file");
                check(same(t.data(), whole.data() + at + info.data_offset, written),
                      "tensor differs from the file");
            }
        }
    uint64_t file_size = 0;
    if (z4ai_reader_file_size(r.get(), &file_size) == Z4AI_OK && file_size <= kMaxOutput) {
        std::vector<uint8_t> restored(static_cast<size_t>(file_size));
        size_t written = 0;
        s = z4ai_reader_restore(r.get(), restored.data(), restored.size(), &written);
        check_status(s);
        if (s == Z4AI_OK && whole_ok)
            check(written == whole.size() && same(restored.data(), whole.data(), written), "restore differs");
    }
    return 0;
}
