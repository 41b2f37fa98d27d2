// capi_archive.cpp - z4ai.h's directory-archive functions: argument checks and
// translation onto core/container/archive.hpp.
#include <cstring>

#include "capi_internal.hpp"
#include "container/archive.hpp"
#include "util/safe_fs.hpp"

using z4ai::Code;
using z4ai::fail;
using z4ai::capi::guarded;
using z4ai::capi::require_ptr;

struct z4ai_archive_s {
    z4ai::DecodeConfig config;
    std::unique_ptr<z4ai::archive::Archive> archive;
    std::vector<uint64_t> stored_sizes;  // per member, UINT64_MAX until asked
    std::string last_error;
    std::atomic<bool> busy{false};
};

static_assert(Z4AI_ARCHIVE_VERSION == z4ai::archive::kVersion, "archive version");
static_assert(Z4AI_MEMBER_DIRECTORY == static_cast<int>(z4ai::archive::MemberKind::directory),
              "member kinds");

namespace {

z4ai::archive::Archive& open_archive(z4ai_archive* a) {
    if (!a->archive) fail(Code::stage_wrong, "archive has nothing open");
    a->archive->config = a->config;
    return *a->archive;
}

z4ai::archive::Progress progress_of(z4ai_progress_fn fn, void* user) {
    if (!fn) return {};
    return [fn, user](uint64_t f, uint64_t ft, uint64_t b, uint64_t bt) { fn(user, f, ft, b, bt); };
}

size_t checked_index(z4ai::archive::Archive& a, size_t index) {
    if (index >= a.manifest().members.size())
        fail(Code::not_found, "member index " + std::to_string(index) + " out of range");
    return index;
}

class BoundedMemorySink final : public z4ai::Sink {
   public:
    BoundedMemorySink(uint8_t* dst, size_t cap) : dst_(dst), cap_(cap) {}
    void write(const uint8_t* data, size_t n) override {
        if (n > cap_ - written) fail(Code::dst_too_small, "member does not fit the buffer");
        if (n) std::memcpy(dst_ + written, data, n);
        written += n;
    }

   private:
    uint8_t* dst_;
    size_t cap_;
};

}  // namespace

extern "C" {

z4ai_status z4ai_archive_write(z4ai_cctx* cctx, const char* src_dir, const char* dst_dir, int32_t flags,
                               z4ai_progress_fn progress, void* user) {
    return guarded(cctx, [&] {
        require_ptr(src_dir, "src_dir");
        require_ptr(dst_dir, "dst_dir");
        if (flags & ~Z4AI_ARCHIVE_REPLACE) fail(Code::invalid_argument, "unknown archive flags");
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        z4ai::archive::WriteOptions o;
        o.container.encode = cctx->encoder.config;
        o.container.tensor_dedup = cctx->tensor_dedup;
        o.container.match_by_content = cctx->match_renamed;
        o.replace = (flags & Z4AI_ARCHIVE_REPLACE) != 0;
        o.progress = progress_of(progress, user);
        z4ai::archive::write_archive(src_dir, dst_dir, o);
    });
}

z4ai_archive* z4ai_archive_create(void) { return new (std::nothrow) z4ai_archive_s(); }
void z4ai_archive_free(z4ai_archive* archive) { delete archive; }
const char* z4ai_archive_last_error(const z4ai_archive* archive) {
    return archive ? archive->last_error.c_str() : "";
}

z4ai_status z4ai_archive_set_param(z4ai_archive* archive, int32_t param, int64_t value) {
    return guarded(archive, [&] {
        int64_t lo = 0, hi = 0;
        z4ai_status s = z4ai_dparam_bounds(param, &lo, &hi);
        if (s != Z4AI_OK) fail(static_cast<Code>(s), "unknown parameter id " + std::to_string(param));
        if (value < lo || value > hi) fail(Code::param_out_of_bounds, "parameter value out of bounds");
        switch (param) {
            case Z4AI_D_THREADS: archive->config.threads = value; break;
            case Z4AI_D_MAX_MEMORY:
                archive->config.max_memory = value == 0 ? (uint64_t(1) << 30) : static_cast<uint64_t>(value);
                break;
            case Z4AI_D_VERIFY_CHECKSUM: archive->config.verify_checksum = value != 0; break;
            default: fail(Code::param_unsupported, "parameter does not apply to archives");
        }
    });
}

z4ai_status z4ai_archive_open(z4ai_archive* archive, const char* dir) {
    return guarded(archive, [&] {
        require_ptr(dir, "dir");
        archive->archive.reset();
        archive->stored_sizes.clear();
        auto a = std::make_unique<z4ai::archive::Archive>(dir, archive->config);
        archive->stored_sizes.assign(a->manifest().members.size(), UINT64_MAX);
        archive->archive = std::move(a);
    });
}

z4ai_status z4ai_archive_version(const z4ai_archive* archive, uint32_t* version) {
    if (!archive || !version) return Z4AI_E_INVALID_ARGUMENT;
    if (!archive->archive) return Z4AI_E_STAGE_WRONG;
    *version = archive->archive->manifest().version;
    return Z4AI_OK;
}

z4ai_status z4ai_archive_member_count(const z4ai_archive* archive, size_t* count) {
    if (!archive || !count) return Z4AI_E_INVALID_ARGUMENT;
    if (!archive->archive) return Z4AI_E_STAGE_WRONG;
    *count = archive->archive->manifest().members.size();
    return Z4AI_OK;
}

z4ai_status z4ai_archive_find(const z4ai_archive* archive, const char* path, size_t* index) {
    if (!archive || !path || !index) return Z4AI_E_INVALID_ARGUMENT;
    if (!archive->archive) return Z4AI_E_STAGE_WRONG;
    size_t i = archive->archive->find(path);
    if (i == SIZE_MAX) return Z4AI_E_NOT_FOUND;
    *index = i;
    return Z4AI_OK;
}

z4ai_status z4ai_archive_member_info(z4ai_archive* archive, size_t index, z4ai_member_info* info) {
    return guarded(archive, [&] {
        require_ptr(info, "info");
        if (info->struct_size < sizeof(z4ai_member_info))
            fail(Code::invalid_argument, "info->struct_size must be sizeof(z4ai_member_info)");
        z4ai::archive::Archive& a = open_archive(archive);
        const z4ai::archive::Member& m = a.manifest().members[checked_index(a, index)];
        uint64_t& stored = archive->stored_sizes[index];
        if (stored == UINT64_MAX) stored = a.stored_size(index);
        info->path = m.path.c_str();
        info->path_size = m.path.size();
        info->stored = m.stored.c_str();
        info->base = m.base.c_str();
        info->kind = static_cast<int32_t>(m.kind);
        info->mode = m.mode;
        info->size = m.size;
        info->stored_size = stored;
        info->base_index = m.base_index;
    });
}

z4ai_status z4ai_archive_open_member(z4ai_archive* archive, size_t index, z4ai_reader* reader) {
    return guarded(archive, [&] {
        require_ptr(reader, "reader");
        z4ai::archive::Archive& a = open_archive(archive);
        z4ai::capi::reader_open_archive_member(reader, a, checked_index(a, index));
    });
}

z4ai_status z4ai_archive_read(z4ai_archive* archive, size_t index, void* dst, size_t dst_capacity,
                              size_t* written) {
    return guarded(archive, [&] {
        require_ptr(written, "written");
        *written = 0;
        if (dst_capacity) require_ptr(dst, "dst");
        z4ai::archive::Archive& a = open_archive(archive);
        const z4ai::archive::Member& m = a.manifest().members[checked_index(a, index)];
        if (m.kind == z4ai::archive::MemberKind::directory) fail(Code::wrong_kind, m.path + ": a directory");
        if (m.size > dst_capacity)
            fail(Code::dst_too_small, m.path + ": " + std::to_string(m.size) + " bytes");
        BoundedMemorySink sink(static_cast<uint8_t*>(dst), dst_capacity);
        a.extract(index, sink);
        *written = static_cast<size_t>(sink.written);
    });
}

z4ai_status z4ai_archive_extract(z4ai_archive* archive, size_t index, const char* dst_path) {
    return guarded(archive, [&] {
        require_ptr(dst_path, "dst_path");
        z4ai::archive::Archive& a = open_archive(archive);
        const z4ai::archive::Member& m = a.manifest().members[checked_index(a, index)];
        z4ai::AtomicFileSink sink(dst_path, m.mode ? m.mode : 0666, m.mode == 0);
        a.extract(index, sink);
        sink.commit();
    });
}

z4ai_status z4ai_archive_restore(z4ai_archive* archive, const char* dst_dir, z4ai_progress_fn progress,
                                 void* user) {
    return guarded(archive, [&] {
        require_ptr(dst_dir, "dst_dir");
        open_archive(archive).restore(dst_dir, progress_of(progress, user));
    });
}

z4ai_status z4ai_archive_describe(z4ai_archive* archive, char* dst, size_t dst_capacity, size_t* written) {
    return guarded(archive, [&] {
        require_ptr(written, "written");
        std::string s = open_archive(archive).describe();
        *written = s.size();
        if (dst_capacity < s.size() + 1) {
            *written = s.size() + 1;
            fail(Code::dst_too_small, "needs " + std::to_string(s.size() + 1) + " bytes");
        }
        std::memcpy(dst, s.c_str(), s.size() + 1);
    });
}

void z4ai_remove_temporaries(void) { z4ai::fs::remove_temporaries(); }

}  // extern "C"
