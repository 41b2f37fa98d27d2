// capi_container.cpp - z4ai.h's container, model-delta and reader functions:
// argument checks and translation onto core/container.
#include <cstddef>
#include <cstring>
#include <optional>

#include "capi_internal.hpp"
#include "container/archive.hpp"
#include "container/container.hpp"
#include "container/json.hpp"
#include "dtype/dtype.hpp"
#include "util/safe_fs.hpp"

using z4ai::Bytes;
using z4ai::Code;
using z4ai::fail;
using z4ai::capi::guarded;
using z4ai::capi::require_ptr;
using z4ai::capi::translate;

struct z4ai_reader_s {
    // Bases a model-delta member of an archive refers to (declared first: destroyed after
    // the reader that uses them).
    std::vector<std::unique_ptr<z4ai::ContainerReader>> bases;
    std::unique_ptr<z4ai::ContainerReader> reader;
    z4ai::DecodeConfig config;
    bool verify_base = true;
    std::string last_error;
    std::atomic<bool> busy{false};
};

namespace {

Bytes bytes_of(const void* p, size_t n, const char* what) {
    if (n) require_ptr(p, what);
    return Bytes(static_cast<const uint8_t*>(p), n);
}

z4ai::ContainerOptions options_of(const z4ai_cctx* c) {
    z4ai::ContainerOptions o;
    o.encode = c->encoder.config;
    o.tensor_dedup = c->tensor_dedup;
    o.match_by_content = c->match_renamed;
    return o;
}

z4ai::ContainerReader& open_reader(z4ai_reader* r) {
    if (!r->reader) fail(Code::stage_wrong, "reader has nothing open");
    r->reader->config = r->config;
    r->reader->verify_base = r->verify_base;
    return *r->reader;
}
const z4ai::ContainerReader& open_reader(const z4ai_reader* r) {
    if (!r->reader) fail(Code::stage_wrong, "reader has nothing open");
    return *r->reader;
}

void open_with(z4ai_reader* r, std::unique_ptr<z4ai::Source> src) {
    r->reader.reset();
    r->bases.clear();
    auto reader = std::make_unique<z4ai::ContainerReader>(std::move(src), r->config);
    r->reader = std::move(reader);
}

// The checks every whole-tensor read makes before `read(reader, dst)` decodes into dst.
template <typename Read>
z4ai_status read_whole_tensor(z4ai_reader* reader, size_t index, void* dst, size_t dst_capacity,
                              size_t* written, Read&& read) {
    return guarded(reader, [&] {
        require_ptr(written, "written");
        *written = 0;
        z4ai::ContainerReader& r = open_reader(reader);
        r.entry(index);
        uint64_t n = r.layout().tensors[index].size();
        if (n > dst_capacity) fail(Code::dst_too_small, "tensor is " + std::to_string(n) + " bytes");
        if (n) require_ptr(dst, "dst");
        read(r, static_cast<uint8_t*>(dst));
        *written = static_cast<size_t>(n);
    });
}

// Copies a string out with the NUL-terminated size protocol of z4ai_frame_describe.
void copy_out(const std::string& s, char* dst, size_t cap, size_t* written) {
    require_ptr(written, "written");
    *written = s.size();
    if (cap < s.size() + 1) {
        *written = s.size() + 1;
        fail(Code::dst_too_small, "needs " + std::to_string(s.size() + 1) + " bytes");
    }
    std::memcpy(dst, s.c_str(), s.size() + 1);
}

const char* method_name(z4ai::TensorMethod m) {
    switch (m) {
        case z4ai::TensorMethod::empty: return "empty";
        case z4ai::TensorMethod::frame: return "frame";
        case z4ai::TensorMethod::same: return "same";
        case z4ai::TensorMethod::base_copy: return "base_copy";
        case z4ai::TensorMethod::base_delta: return "base_delta";
        case z4ai::TensorMethod::raw: return "raw";
    }
    return "?";
}

const char* kind_name(z4ai::InputKind k) {
    switch (k) {
        case z4ai::InputKind::container: return "container";
        case z4ai::InputKind::model_delta: return "model_delta";
        case z4ai::InputKind::safetensors: return "safetensors";
        case z4ai::InputKind::frame: return "frame";
        default: return "unknown";
    }
}

std::string describe(const z4ai::ContainerReader& r) {
    const z4ai::SafetensorsLayout& L = r.layout();
    std::string j = "{\"kind\":\"";
    j += kind_name(r.kind());
    j += "\",\"file_size\":" + std::to_string(r.file_size());
    j += ",\"input_size\":" + std::to_string(const_cast<z4ai::ContainerReader&>(r).source().size());
    j += ",\"header_size\":" + std::to_string(L.header_size);
    j += ",\"gap_bytes\":" + std::to_string(L.gap_bytes);
    if (r.kind() == z4ai::InputKind::model_delta)
        j += ",\"base_file_size\":" + std::to_string(r.base_file_size());
    j += ",\"tensors\":[";
    for (size_t i = 0; i < L.tensors.size(); ++i) {
        const z4ai::TensorDesc& t = L.tensors[i];
        const z4ai::TensorEntry& e = r.entry(i);
        if (i) j += ',';
        j += "{\"name\":";
        z4ai::json::append_quoted(j, t.name);
        j += ",\"dtype\":\"";
        j += z4ai::dtype_info(t.dtype)->name;
        j += "\",\"shape\":[";
        for (size_t k = 0; k < t.dims.size(); ++k) {
            if (k) j += ',';
            j += std::to_string(t.dims[k]);
        }
        j += "],\"nbytes\":" + std::to_string(t.size());
        j += ",\"data_offset\":" + std::to_string(t.begin);
        j += ",\"method\":\"";
        j += method_name(e.method);
        j += "\"";
        if (e.method == z4ai::TensorMethod::same || e.method == z4ai::TensorMethod::base_copy ||
            e.method == z4ai::TensorMethod::base_delta)
            j += ",\"ref\":" + std::to_string(e.ref);
        j += ",\"stored\":" + std::to_string(r.stored_size(i)) + "}";
    }
    j += "]}";
    return j;
}

}  // namespace

void z4ai::capi::reader_open_archive_member(z4ai_reader* r, z4ai::archive::Archive& a, size_t index) {
    r->reader.reset();
    r->bases.clear();
    std::vector<std::unique_ptr<z4ai::ContainerReader>> bases;
    auto reader = a.open_container(index, bases);
    reader->verify_base = r->verify_base;
    r->bases = std::move(bases);
    r->reader = std::move(reader);
}

extern "C" {

z4ai_status z4ai_detect_kind(const void* prefix, size_t prefix_size, uint64_t total_size, int32_t* kind) {
    return translate(nullptr, [&] {
        require_ptr(kind, "kind");
        *kind = static_cast<int32_t>(
            z4ai::detect_input_kind(bytes_of(prefix, prefix_size, "prefix"), total_size));
    });
}

z4ai_status z4ai_safetensors_compress_bound(const void* src, size_t src_size, uint64_t* bound) {
    return translate(nullptr, [&] {
        require_ptr(bound, "bound");
        *bound = z4ai::container_bound(bytes_of(src, src_size, "src"));
    });
}

z4ai_status z4ai_safetensors_compress(z4ai_cctx* cctx, void* dst, size_t dst_capacity, const void* src,
                                      size_t src_size, size_t* written) {
    return guarded(cctx, [&] {
        require_ptr(written, "written");
        *written = 0;
        if (dst_capacity) require_ptr(dst, "dst");
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        z4ai::MemorySink sink(static_cast<uint8_t*>(dst), dst_capacity);
        *written = static_cast<size_t>(
            z4ai::write_container(bytes_of(src, src_size, "src"), options_of(cctx), sink));
    });
}

z4ai_status z4ai_safetensors_compress_file(z4ai_cctx* cctx, const char* src_path, const char* dst_path,
                                           uint64_t* written) {
    return guarded(cctx, [&] {
        require_ptr(src_path, "src_path");
        require_ptr(dst_path, "dst_path");
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        z4ai::fs::LoadedFile in(src_path);
        z4ai::AtomicFileSink sink(dst_path);
        uint64_t n = z4ai::write_container(in.bytes(), options_of(cctx), sink);
        sink.commit();
        if (written) *written = n;
    });
}

namespace {
class CallbackSink final : public z4ai::Sink {
   public:
    CallbackSink(z4ai_write_fn fn, void* user) : fn_(fn), user_(user) {}
    void write(const uint8_t* data, size_t n) override {
        if (!n) return;
        char message[256] = {};
        int32_t rc = fn_(user_, data, n, message, sizeof message);
        if (rc != 0) {
            std::string m(message, strnlen(message, sizeof message));
            fail(Code::io, "write callback failed (" + std::to_string(rc) + ") writing " + std::to_string(n) +
                               " bytes at " + std::to_string(written) + (m.empty() ? "" : ": " + m));
        }
        written += n;
    }

   private:
    z4ai_write_fn fn_;
    void* user_;
};
}  // namespace

z4ai_status z4ai_safetensors_compress_to(z4ai_cctx* cctx, const void* src, size_t src_size, z4ai_write_fn fn,
                                         void* user, uint64_t* written) {
    return guarded(cctx, [&] {
        if (written) *written = 0;
        if (!fn) fail(Code::invalid_argument, "write callback must not be NULL");
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        CallbackSink sink(fn, user);
        try {
            z4ai::write_container(bytes_of(src, src_size, "src"), options_of(cctx), sink);
        } catch (...) {
            if (written) *written = sink.written;
            throw;
        }
        if (written) *written = sink.written;
    });
}

z4ai_status z4ai_container_content_size(const void* src, size_t src_size, uint64_t* size) {
    return translate(nullptr, [&] {
        require_ptr(size, "size");
        z4ai::ContainerReader r(z4ai::memory_source(bytes_of(src, src_size, "src")));
        if (r.kind() != z4ai::InputKind::container && r.kind() != z4ai::InputKind::model_delta)
            fail(Code::wrong_kind, "not a container or model delta");
        *size = r.file_size();
    });
}

z4ai_status z4ai_safetensors_decompress(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src,
                                        size_t src_size, size_t* written) {
    return guarded(dctx, [&] {
        require_ptr(written, "written");
        *written = 0;
        if (dst_capacity) require_ptr(dst, "dst");
        z4ai::ContainerReader r(z4ai::memory_source(bytes_of(src, src_size, "src")), dctx->decoder.config);
        if (r.kind() != z4ai::InputKind::container)
            fail(Code::wrong_kind,
                 r.kind() == z4ai::InputKind::model_delta
                     ? "this is a model delta: use z4ai_model_delta_decompress with its base"
                     : "not a .zstn container");
        if (r.file_size() > dst_capacity)
            fail(Code::dst_too_small, "restored file is " + std::to_string(r.file_size()) + " bytes");
        z4ai::MemorySink sink(static_cast<uint8_t*>(dst), dst_capacity);
        r.restore(sink);
        *written = static_cast<size_t>(sink.written);
    });
}

z4ai_status z4ai_safetensors_decompress_file(z4ai_dctx* dctx, const char* src_path, const char* dst_path,
                                             uint64_t* written) {
    return guarded(dctx, [&] {
        require_ptr(src_path, "src_path");
        require_ptr(dst_path, "dst_path");
        z4ai::ContainerReader r(z4ai::file_source(src_path), dctx->decoder.config);
        if (r.kind() != z4ai::InputKind::container) fail(Code::wrong_kind, "not a .zstn container");
        z4ai::AtomicFileSink sink(dst_path);
        r.restore(sink);
        sink.commit();
        if (written) *written = sink.written;
    });
}

z4ai_status z4ai_model_delta_compress(z4ai_cctx* cctx, void* dst, size_t dst_capacity, const void* src,
                                      size_t src_size, const void* base, size_t base_size, size_t* written) {
    return guarded(cctx, [&] {
        require_ptr(written, "written");
        *written = 0;
        if (dst_capacity) require_ptr(dst, "dst");
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        z4ai::MemorySink sink(static_cast<uint8_t*>(dst), dst_capacity);
        *written = static_cast<size_t>(z4ai::write_model_delta(
            bytes_of(src, src_size, "src"), bytes_of(base, base_size, "base"), options_of(cctx), sink));
    });
}

z4ai_status z4ai_model_delta_compress_file(z4ai_cctx* cctx, const char* src_path, const char* base_path,
                                           const char* dst_path, uint64_t* written) {
    return guarded(cctx, [&] {
        require_ptr(src_path, "src_path");
        require_ptr(base_path, "base_path");
        require_ptr(dst_path, "dst_path");
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        z4ai::fs::LoadedFile in(src_path), base(base_path);
        z4ai::AtomicFileSink sink(dst_path);
        uint64_t n = z4ai::write_model_delta(in.bytes(), base.bytes(), options_of(cctx), sink);
        sink.commit();
        if (written) *written = n;
    });
}

z4ai_status z4ai_model_delta_decompress(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src,
                                        size_t src_size, const void* base, size_t base_size,
                                        size_t* written) {
    return guarded(dctx, [&] {
        require_ptr(written, "written");
        *written = 0;
        if (dst_capacity) require_ptr(dst, "dst");
        z4ai::ContainerReader r(z4ai::memory_source(bytes_of(src, src_size, "src")), dctx->decoder.config);
        r.verify_base = dctx->verify_base;
        if (r.kind() != z4ai::InputKind::model_delta) fail(Code::wrong_kind, "not a .z4dm model delta");
        r.attach_base(bytes_of(base, base_size, "base"));
        if (r.file_size() > dst_capacity)
            fail(Code::dst_too_small, "restored file is " + std::to_string(r.file_size()) + " bytes");
        z4ai::MemorySink sink(static_cast<uint8_t*>(dst), dst_capacity);
        r.restore(sink);
        *written = static_cast<size_t>(sink.written);
    });
}

z4ai_status z4ai_model_delta_decompress_file(z4ai_dctx* dctx, const char* src_path, const char* base_path,
                                             const char* dst_path, uint64_t* written) {
    return guarded(dctx, [&] {
        require_ptr(src_path, "src_path");
        require_ptr(base_path, "base_path");
        require_ptr(dst_path, "dst_path");
        z4ai::ContainerReader r(z4ai::file_source(src_path), dctx->decoder.config);
        r.verify_base = dctx->verify_base;
        if (r.kind() != z4ai::InputKind::model_delta) fail(Code::wrong_kind, "not a .z4dm model delta");
        z4ai::ContainerReader base(z4ai::file_source(base_path), dctx->decoder.config);
        r.attach_base(&base);
        z4ai::AtomicFileSink sink(dst_path);
        r.restore(sink);
        sink.commit();
        if (written) *written = sink.written;
    });
}

// ---- reader ----

z4ai_reader* z4ai_reader_create(void) { return new (std::nothrow) z4ai_reader_s(); }
void z4ai_reader_free(z4ai_reader* reader) { delete reader; }
const char* z4ai_reader_last_error(const z4ai_reader* reader) {
    return reader ? reader->last_error.c_str() : "";
}

z4ai_status z4ai_reader_set_param(z4ai_reader* reader, int32_t param, int64_t value) {
    return guarded(reader, [&] {
        int64_t lo = 0, hi = 0;
        z4ai_status s = z4ai_dparam_bounds(param, &lo, &hi);
        if (s != Z4AI_OK) fail(static_cast<Code>(s), "unknown parameter id " + std::to_string(param));
        if (value < lo || value > hi) fail(Code::param_out_of_bounds, "parameter value out of bounds");
        switch (param) {
            case Z4AI_D_THREADS: reader->config.threads = value; break;
            case Z4AI_D_MAX_MEMORY:
                reader->config.max_memory = value == 0 ? (uint64_t(1) << 30) : static_cast<uint64_t>(value);
                break;
            case Z4AI_D_VERIFY_CHECKSUM: reader->config.verify_checksum = value != 0; break;
            case Z4AI_D_VERIFY_BASE: reader->verify_base = value != 0; break;
            default: fail(Code::param_unsupported, "parameter does not apply to readers");
        }
    });
}

z4ai_status z4ai_reader_open_memory(z4ai_reader* reader, const void* src, size_t src_size) {
    return guarded(reader, [&] { open_with(reader, z4ai::memory_source(bytes_of(src, src_size, "src"))); });
}

z4ai_status z4ai_reader_open_file(z4ai_reader* reader, const char* path) {
    return guarded(reader, [&] {
        require_ptr(path, "path");
        open_with(reader, z4ai::file_source(path));
    });
}

z4ai_status z4ai_reader_open_callback(z4ai_reader* reader, z4ai_read_at_fn fn, void* user, uint64_t size) {
    return guarded(reader, [&] { open_with(reader, z4ai::callback_source(fn, user, size)); });
}

static_assert(sizeof(z4ai_read_result::version) == sizeof(z4ai::ReadResult::version) &&
                  sizeof(z4ai_read_result::message) == sizeof(z4ai::ReadResult::message),
              "z4ai_read_result and z4ai::ReadResult must match");

z4ai_status z4ai_reader_open_source(z4ai_reader* reader, z4ai_read_at_ex_fn fn, void* user, uint64_t size) {
    return guarded(reader, [&] {
        if (!fn) fail(Code::invalid_argument, "read-at callback must not be NULL");
        auto call = [fn, user](uint64_t offset, void* dst, size_t n, z4ai::ReadResult* out) {
            z4ai_read_result r;
            std::memset(&r, 0, sizeof r);
            int32_t rc = fn(user, offset, dst, n, &r);
            std::memcpy(out->version, r.version, sizeof r.version);
            std::memcpy(out->message, r.message, sizeof r.message);
            return rc;
        };
        open_with(reader, z4ai::versioned_callback_source(call, size));
    });
}

z4ai_status z4ai_reader_open_parts(z4ai_reader* reader, uint64_t total_size, const void* head,
                                   size_t head_size, const void* tail, size_t tail_size,
                                   uint64_t* head_needed, uint64_t* tail_needed) {
    return guarded(reader, [&] {
        require_ptr(head_needed, "head_needed");
        require_ptr(tail_needed, "tail_needed");
        *head_needed = *tail_needed = 0;
        Bytes h = bytes_of(head, head_size, "head"), t = bytes_of(tail, tail_size, "tail");
        try {
            open_with(reader, z4ai::parts_source(total_size, h, t));
        } catch (const z4ai::MissingRange& m) {
            reader->reader.reset();
            if (m.offset < head_size)
                *head_needed = m.offset + m.size;
            else
                *tail_needed = total_size - m.offset;
            fail(Code::truncated, "opening needs input bytes [" + std::to_string(m.offset) + ", " +
                                      std::to_string(m.offset + m.size) + "): fetch a " +
                                      (*head_needed ? "head of " + std::to_string(*head_needed)
                                                    : "tail of " + std::to_string(*tail_needed)) +
                                      " bytes");
        }
    });
}

z4ai_status z4ai_reader_tensor_extent(const z4ai_reader* reader, size_t index, uint64_t* offset,
                                      uint64_t* size) {
    return translate(nullptr, [&] {
        require_ptr(reader, "reader");
        require_ptr(offset, "offset");
        require_ptr(size, "size");
        z4ai::ContainerReader::Extent x = open_reader(reader).extent(index);
        *offset = x.offset;
        *size = x.size;
    });
}

z4ai_status z4ai_reader_read_tensor_from(z4ai_reader* reader, size_t index, const void* stored,
                                         size_t stored_size, uint64_t stored_offset, void* dst,
                                         size_t dst_capacity, size_t* written) {
    return read_whole_tensor(
        reader, index, dst, dst_capacity, written, [&](z4ai::ContainerReader& r, uint8_t* d) {
            r.read_tensor_from(index, bytes_of(stored, stored_size, "stored"), stored_offset, d);
        });
}

z4ai_status z4ai_reader_kind(const z4ai_reader* reader, int32_t* kind) {
    if (!reader || !kind) return Z4AI_E_INVALID_ARGUMENT;
    if (!reader->reader) return Z4AI_E_STAGE_WRONG;
    *kind = static_cast<int32_t>(reader->reader->kind());
    return Z4AI_OK;
}

z4ai_status z4ai_reader_attach_base(z4ai_reader* reader, const void* base, size_t base_size) {
    return guarded(reader, [&] { open_reader(reader).attach_base(bytes_of(base, base_size, "base")); });
}

z4ai_status z4ai_reader_attach_base_reader(z4ai_reader* reader, z4ai_reader* base) {
    return guarded(reader, [&] {
        require_ptr(base, "base");
        if (base == reader) fail(Code::invalid_argument, "a reader cannot be its own base");
        if (base->busy.exchange(true)) fail(Code::busy, "base reader is in use");
        struct Release {
            z4ai_reader* r;
            ~Release() { r->busy.store(false); }
        } release{base};
        z4ai::ContainerReader& b = open_reader(base);
        open_reader(reader).attach_base(&b);
    });
}

z4ai_status z4ai_reader_tensor_count(const z4ai_reader* reader, size_t* count) {
    if (!reader || !count) return Z4AI_E_INVALID_ARGUMENT;
    if (!reader->reader) return Z4AI_E_STAGE_WRONG;
    *count = reader->reader->tensor_count();
    return Z4AI_OK;
}

z4ai_status z4ai_reader_find(const z4ai_reader* reader, const char* name, size_t* index) {
    return translate(nullptr, [&] {
        require_ptr(reader, "reader");
        require_ptr(name, "name");
        require_ptr(index, "index");
        size_t i = open_reader(reader).find(name);
        if (i == SIZE_MAX) fail(Code::not_found, std::string("no tensor named '") + name + "'");
        *index = i;
    });
}

z4ai_status z4ai_reader_tensor_info(const z4ai_reader* reader, size_t index, z4ai_tensor_info* info) {
    return translate(nullptr, [&] {
        require_ptr(reader, "reader");
        require_ptr(info, "info");
        const z4ai::ContainerReader& r = open_reader(reader);
        const z4ai::TensorEntry& e = r.entry(index);
        const z4ai::TensorDesc& t = r.layout().tensors[index];
        std::memset(info, 0, sizeof *info);
        info->name = t.name.c_str();
        info->name_size = t.name.size();
        info->dtype = t.dtype;
        info->method = static_cast<int32_t>(e.method);
        info->ndim = static_cast<uint32_t>(t.dims.size());
        info->ref = e.ref;
        for (size_t k = 0; k < t.dims.size() && k < 8; ++k) info->dims[k] = t.dims[k];
        info->nbytes = t.size();
        info->data_offset = t.begin;
        info->stored_size = e.method == z4ai::TensorMethod::raw ? 0 : e.frame_size;
    });
}

z4ai_status z4ai_reader_read_tensor(z4ai_reader* reader, size_t index, void* dst, size_t dst_capacity,
                                    size_t* written) {
    return read_whole_tensor(reader, index, dst, dst_capacity, written,
                             [&](z4ai::ContainerReader& r, uint8_t* d) { r.read_tensor(index, d); });
}

z4ai_status z4ai_reader_read_elements(z4ai_reader* reader, size_t index, uint64_t first, uint64_t count,
                                      void* dst, size_t dst_capacity, size_t* written) {
    return guarded(reader, [&] {
        require_ptr(written, "written");
        *written = 0;
        z4ai::ContainerReader& r = open_reader(reader);
        r.entry(index);
        const z4ai::TensorDesc& t = r.layout().tensors[index];
        uint64_t w = z4ai::dtype_info(t.dtype)->width;
        uint64_t elements = t.size() / w;
        if (first > elements || count > elements - first)
            fail(Code::param_out_of_bounds, "elements [" + std::to_string(first) + ", +" +
                                                std::to_string(count) + ") outside tensor '" + t.name +
                                                "' of " + std::to_string(elements));
        uint64_t n = count * w;
        if (n > dst_capacity) fail(Code::dst_too_small, "range is " + std::to_string(n) + " bytes");
        if (n) require_ptr(dst, "dst");
        r.read_bytes(index, first * w, n, static_cast<uint8_t*>(dst));
        *written = static_cast<size_t>(n);
    });
}

z4ai_status z4ai_reader_header_json(const z4ai_reader* reader, char* dst, size_t dst_capacity,
                                    size_t* written) {
    return translate(nullptr, [&] {
        require_ptr(reader, "reader");
        Bytes h = open_reader(reader).header_bytes();
        copy_out(std::string(reinterpret_cast<const char*>(h.data()) + 8, h.size() - 8), dst, dst_capacity,
                 written);
    });
}

z4ai_status z4ai_reader_file_size(const z4ai_reader* reader, uint64_t* size) {
    if (!reader || !size) return Z4AI_E_INVALID_ARGUMENT;
    if (!reader->reader) return Z4AI_E_STAGE_WRONG;
    *size = reader->reader->file_size();
    return Z4AI_OK;
}

z4ai_status z4ai_reader_restore(z4ai_reader* reader, void* dst, size_t dst_capacity, size_t* written) {
    return guarded(reader, [&] {
        require_ptr(written, "written");
        *written = 0;
        z4ai::ContainerReader& r = open_reader(reader);
        if (!r.ready()) fail(Code::reference_missing, "attach the base first");
        if (r.file_size() > dst_capacity)
            fail(Code::dst_too_small, "restored file is " + std::to_string(r.file_size()) + " bytes");
        if (dst_capacity) require_ptr(dst, "dst");
        z4ai::MemorySink sink(static_cast<uint8_t*>(dst), dst_capacity);
        r.restore(sink);
        *written = static_cast<size_t>(sink.written);
    });
}

z4ai_status z4ai_reader_restore_file(z4ai_reader* reader, const char* dst_path) {
    return guarded(reader, [&] {
        require_ptr(dst_path, "dst_path");
        z4ai::ContainerReader& r = open_reader(reader);
        if (!r.ready()) fail(Code::reference_missing, "attach the base first");
        z4ai::AtomicFileSink sink(dst_path);
        r.restore(sink);
        sink.commit();
    });
}

z4ai_status z4ai_reader_io_stats(const z4ai_reader* reader, uint64_t* calls, uint64_t* bytes) {
    if (!reader || !calls || !bytes) return Z4AI_E_INVALID_ARGUMENT;
    if (!reader->reader) return Z4AI_E_STAGE_WRONG;
    auto& src = const_cast<z4ai::ContainerReader&>(*reader->reader).source();
    *calls = src.calls();
    *bytes = src.bytes_read();
    return Z4AI_OK;
}

z4ai_status z4ai_reader_describe(const z4ai_reader* reader, char* dst, size_t dst_capacity, size_t* written) {
    return translate(nullptr, [&] {
        require_ptr(reader, "reader");
        copy_out(describe(open_reader(reader)), dst, dst_capacity, written);
    });
}

}  // extern "C"
