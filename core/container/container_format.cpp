#include "container/container_format.hpp"

#include <zstd.h>

#include <cstring>

#include "container/safetensors.hpp"
#include "frame/format.hpp"
#include "util/hash.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

void zstd_check(size_t rc, const char* what) {
    if (ZSTD_isError(rc)) fail(Code::corrupt, std::string(what) + ": " + ZSTD_getErrorName(rc));
}

// One zstd frame with its content size recorded; `prefix` is a raw-content dictionary.
void zstd_blob(Bytes in, Bytes prefix, int level, Buffer& out) {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    if (!c) fail(Code::memory, "cannot create zstd context");
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    if (!prefix.empty()) ZSTD_CCtx_refPrefix(c, prefix.data(), prefix.size());
    size_t at = out.size();
    out.extend(ZSTD_compressBound(in.size()));
    size_t rc = ZSTD_compress2(c, out.data() + at, out.size() - at, in.data(), in.size());
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(rc)) fail(Code::internal, std::string("zstd: ") + ZSTD_getErrorName(rc));
    out.resize(at + rc);
}

void zstd_unblob(Bytes in, Bytes prefix, size_t expected, Buffer& out, const char* what) {
    unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
    if (declared != expected) fail_corrupt(what, 0);
    ZSTD_DCtx* d = ZSTD_createDCtx();
    if (!d) fail(Code::memory, "cannot create zstd context");
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 31);
    if (!prefix.empty()) ZSTD_DCtx_refPrefix(d, prefix.data(), prefix.size());
    out.resize(expected);
    size_t rc = ZSTD_decompressDCtx(d, out.data(), expected, in.data(), in.size());
    ZSTD_freeDCtx(d);
    zstd_check(rc, what);
    if (rc != expected) fail_corrupt(what, 0);
}

}  // namespace

void write_container_prefix(bool model_delta, Buffer& out) {
    uint8_t* p = out.extend(kContainerPrefixSize);
    std::memset(p, 0, kContainerPrefixSize);
    std::memcpy(p, model_delta ? kModelDeltaMagic : kContainerMagic, 4);
    p[4] = kContainerVersion;
}

bool parse_container_prefix(const uint8_t* p) {
    bool delta;
    if (std::memcmp(p, kContainerMagic, 4) == 0)
        delta = false;
    else if (std::memcmp(p, kModelDeltaMagic, 4) == 0)
        delta = true;
    else
        fail(Code::unknown_format, "not a z4ai container (bad magic number)");
    if (p[4] == 0) fail_corrupt("container version 0 is invalid", 4);
    if (p[4] > kContainerVersion)
        fail(Code::version_unsupported,
             "container version " + std::to_string(p[4]) + " is newer than this library reads");
    for (size_t i = 5; i < kContainerPrefixSize; ++i)
        if (p[i]) fail_corrupt("reserved container prefix bytes are not zero", i);
    return delta;
}

void write_container_index(const ContainerIndex& x, Bytes base_header, uint64_t index_offset, Buffer& out) {
    Buffer header_blob, table_blob, table;
    int level = x.header_bytes.size() < (size_t(4) << 20) ? 19 : 9;
    zstd_blob(x.header_bytes.span(), x.model_delta ? base_header : Bytes{}, level, header_blob);
    table.resize(x.entries.size() * kEntrySize);
    if (table.size()) std::memset(table.data(), 0, table.size());
    // Frame offsets are stored as the distance from the end of the previous frame
    // (0 for a writer that stores frames back to back), so the table compresses well.
    uint64_t end = kContainerPrefixSize;
    for (size_t i = 0; i < x.entries.size(); ++i) {
        uint8_t* e = table.data() + i * kEntrySize;
        const TensorEntry& t = x.entries[i];
        e[0] = static_cast<uint8_t>(t.method);
        store_u32(e + 4, t.ref);
        if (t.frame_size) {
            if (t.frame_offset < end) fail(Code::internal, "container frames out of order");
            store_u64(e + 8, t.frame_offset - end);
            end = t.frame_offset + t.frame_size;
        }
        store_u64(e + 16, t.frame_size);
    }
    zstd_blob(table.span(), {}, 19, table_blob);

    size_t fixed = kIndexFixedSize + (x.model_delta ? kIndexBaseSize : 0);
    size_t start = out.size();
    uint8_t* p = out.extend(fixed);
    std::memset(p, 0, fixed);
    store_u64(p, x.file_size);
    store_u64(p + 8, x.header_size);
    store_u32(p + 16, x.tensor_count);
    store_u32(p + 20, static_cast<uint32_t>(header_blob.size()));
    store_u32(p + 24, static_cast<uint32_t>(table_blob.size()));
    store_u64(p + 32, x.gap_frame_offset);
    store_u64(p + 40, x.gap_frame_size);
    if (x.model_delta) {
        store_u64(p + 48, x.base_file_size);
        std::memcpy(p + 56, x.base_digest.data(), 16);
    }
    out.append(header_blob.data(), header_blob.size());
    out.append(table_blob.data(), table_blob.size());
    size_t index_size = out.size() - start;
    uint8_t* t = out.extend(kContainerTrailerSize);
    store_u64(t, index_offset);
    store_u32(t + 8, static_cast<uint32_t>(index_size));
    store_u32(t + 12, checksum32(out.data() + start, index_size));
    store_u32(t + 16, 0);
    std::memcpy(t + 20, kContainerEndMagic, 4);
}

void parse_container_trailer(const uint8_t* t, uint64_t total, uint64_t* index_offset, uint64_t* index_size) {
    if (std::memcmp(t + 20, kContainerEndMagic, 4) != 0) fail_corrupt("bad container end magic", total - 4);
    if (load_u32(t + 16) != 0) fail_corrupt("reserved trailer field is not zero", total - 8);
    uint64_t off = load_u64(t), size = load_u32(t + 8);
    if (off < kContainerPrefixSize || off > total - kContainerTrailerSize ||
        size != total - kContainerTrailerSize - off)
        fail_corrupt("container index lies outside the file", total - kContainerTrailerSize);
    *index_offset = off;
    *index_size = size;
}

void parse_container_index(Bytes index, bool model_delta, uint64_t max_memory, ContainerIndex& x) {
    size_t fixed = kIndexFixedSize + (model_delta ? kIndexBaseSize : 0);
    if (index.size() < fixed) fail_corrupt("container index too short", 0);
    const uint8_t* p = index.data();
    x.model_delta = model_delta;
    x.file_size = load_u64(p);
    x.header_size = load_u64(p + 8);
    x.tensor_count = load_u32(p + 16);
    uint32_t header_blob = load_u32(p + 20), table_blob = load_u32(p + 24);
    if (load_u32(p + 28)) fail_corrupt("reserved index field is not zero", 28);
    x.gap_frame_offset = load_u64(p + 32);
    x.gap_frame_size = load_u64(p + 40);
    if (model_delta) {
        x.base_file_size = load_u64(p + 48);
        std::memcpy(x.base_digest.data(), p + 56, 16);
    }
    if (uint64_t(header_blob) + table_blob != index.size() - fixed)
        fail_corrupt("index blob sizes do not add up", 20);
    if (x.header_size < 8 || x.header_size > 8 + kMaxSafetensorsHeader || x.header_size > x.file_size)
        fail_corrupt("index header size out of range", 8);
    if (x.header_size > max_memory) fail(Code::memory_limit, "safetensors header exceeds the memory limit");
    // Every tensor needs at least ~40 header bytes, so this bounds the table.
    if (uint64_t(x.tensor_count) * 16 > x.header_size) fail_corrupt("tensor count out of range", 16);
    x.header_blob.clear();
    x.header_blob.append(index.data() + fixed, header_blob);
    Buffer table;
    zstd_unblob(index.subspan(fixed + header_blob, table_blob), {}, size_t(x.tensor_count) * kEntrySize,
                table, "container tensor table is damaged");
    x.entries.resize(x.tensor_count);
    uint64_t end = kContainerPrefixSize;
    for (size_t i = 0; i < x.tensor_count; ++i) {
        const uint8_t* e = table.data() + i * kEntrySize;
        TensorEntry& t = x.entries[i];
        if (e[0] > static_cast<uint8_t>(TensorMethod::base_delta) || e[1] || e[2] || e[3])
            fail_corrupt("unknown tensor method", i);
        t.method = static_cast<TensorMethod>(e[0]);
        t.ref = load_u32(e + 4);
        uint64_t skip = load_u64(e + 8);
        t.frame_size = load_u64(e + 16);
        if (t.frame_size) {
            // Bounded by the index offset later; here only overflow matters.
            if (skip > kMaxContentSize || t.frame_size > kMaxContentSize || end > kMaxContentSize)
                fail_corrupt("frame offset out of range", i);
            t.frame_offset = end + skip;
            end = t.frame_offset + t.frame_size;
        } else if (skip) {
            fail_corrupt("offset given for an entry without a frame", i);
        }
    }
}

void decode_container_header(ContainerIndex& x, Bytes base_header) {
    zstd_unblob(x.header_blob.span(), x.model_delta ? base_header : Bytes{},
                static_cast<size_t>(x.header_size), x.header_bytes,
                "container header blob is damaged (or the base is not the right file)");
}

}  // namespace z4ai
