// fuzz_safetensors: arbitrary bytes as a .safetensors file. The header parser
// (compress bound, reader on a plain file) must never crash, and any file the
// compressor accepts must come back byte for byte, through one-shot
// decompression and through a reader.
#include "safetensors_util.hpp"

using namespace z4ai_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::unique_ptr<z4ai_reader, ReaderDeleter> r(z4ai_reader_create());
    z4ai_status s = z4ai_reader_open_memory(r.get(), data, size);
    check_status(s);
    int32_t kind = -1;
    // The reader also opens containers; the byte checks below are for plain files.
    if (s == Z4AI_OK && z4ai_reader_kind(r.get(), &kind) == Z4AI_OK && kind == Z4AI_KIND_SAFETENSORS) {
        size_t count = 0;
        if (z4ai_reader_tensor_count(r.get(), &count) == Z4AI_OK)
            for (size_t i = 0; i < count && i < 64; ++i) {
                z4ai_tensor_info info;
                if (z4ai_reader_tensor_info(r.get(), i, &info) != Z4AI_OK) continue;
                uint64_t at = data_start(data, size);
                check(at != UINT64_MAX && at + info.data_offset <= size &&
                          info.nbytes <= size - at - info.data_offset,
                      "plain tensor outside the file");
                std::vector<uint8_t> t(static_cast<size_t>(info.nbytes));
                size_t written = 0;
                s = z4ai_reader_read_tensor(r.get(), i, t.data(), t.size(), &written);
                check_status(s);
                if (s == Z4AI_OK)
                    check(same(t.data(), data + at + info.data_offset, written), "plain tensor bytes");
            }
    }
    uint64_t bound = 0;
    s = z4ai_safetensors_compress_bound(data, size, &bound);
    check_status(s);
    if (s != Z4AI_OK || bound > (uint64_t(64) << 20)) return 0;
    static Cctx c(z4ai_cctx_create());
    z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, Z4AI_EFFORT_FAST);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 4096);
    std::vector<uint8_t> zstn(static_cast<size_t>(bound));
    size_t zsize = 0;
    s = z4ai_safetensors_compress(c.get(), zstn.data(), zstn.size(), data, size, &zsize);
    check_status(s);
    check(s != Z4AI_E_DST_TOO_SMALL, "compress bound too small");
    if (s != Z4AI_OK) return 0;
    Dctx d(z4ai_dctx_create());
    std::vector<uint8_t> back(size + 1);
    size_t written = 0;
    s = z4ai_safetensors_decompress(d.get(), back.data(), back.size(), zstn.data(), zsize, &written);
    check(s == Z4AI_OK && written == size && same(back.data(), data, size), "safetensors round trip", s);
    std::unique_ptr<z4ai_reader, ReaderDeleter> zr(z4ai_reader_create());
    check(z4ai_reader_open_memory(zr.get(), zstn.data(), zsize) == Z4AI_OK, "reader on a fresh container");
    s = z4ai_reader_restore(zr.get(), back.data(), back.size(), &written);
    check(s == Z4AI_OK && written == size && same(back.data(), data, size), "reader restore round trip", s);
    return 0;
}
