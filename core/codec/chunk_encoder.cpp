#include <cmath>
#include <cstring>

#include "codec/chunk_codec.hpp"
#include "codec/stream_planner.hpp"
#include "dtype/dtype.hpp"
#include "transform/delta.hpp"
#include "transform/planes.hpp"
#include "transform/sparse.hpp"
#include "util/hash.hpp"
#include "util/status.hpp"

namespace z4ai {

unsigned default_chunk_log(Effort effort) noexcept {
    (void)effort;
    return 20;  // 1 MiB: random-access granularity and the unit of parallel work
}

EncodePolicy make_policy(const EncodeConfig& config) {
    const DTypeInfo* d = dtype_info(config.dtype);
    EncodePolicy p;
    p.width = d->width;
    p.rotate = d->kind == FloatKind::ieee && d->width >= 2;
    p.try_planes = d->width > 1;
    p.checksum = config.checksum;
    p.dtype = config.dtype;
    p.try_structured = config.structure;
    p.lz_options.long_distance = config.long_distance;
    p.lz_options.window_log = config.window_log;
    switch (config.effort) {
        case Effort::fast:
            p.lz_options.zstd_level = config.level ? config.level : 1;
            p.use_fastx = true;
            p.try_raw = !p.try_planes;
            p.try_sparse = true;
            p.sparse_min_zero_fraction = 0.25;
            break;
        case Effort::balanced:
            p.lz_options.zstd_level = config.level ? config.level : 3;
            p.try_raw = !p.try_planes;
            break;
        case Effort::max:
            // The default tier's search runs first (zstd-3), then the strong coders.
            p.lz_options.zstd_level = 3;
            p.max_zstd_level = config.level ? config.level : 19;
            p.exhaustive = true;
            p.try_raw = true;
            p.skip_incompressible = false;
            p.also_brotli = true;
            p.lz_options.brotli_quality = 9;
            p.sparse_min_zero_fraction = 0.01;
            break;
    }
    return p;
}

namespace {

struct StreamSpec {
    const uint8_t* data;
    size_t size;
};

// Encodes one stream with the cheapest applicable backend; appends its bytes to out
// and returns the chosen backend.
uint8_t encode_one_stream(StreamSpec s, const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out) {
    Bytes in(s.data, s.size);
    if (s.size == 0) return static_cast<uint8_t>(BackendId::stored);
    if (is_constant(in)) {
        out.append(s.data, 1);
        return static_cast<uint8_t>(BackendId::constant);
    }
    if (s.size < 32) {
        out.append(s.data, s.size);
        return static_cast<uint8_t>(BackendId::stored);
    }
    return plan_stream(in, policy, ws, out);
}

// Writes a complete payload (table + streams) into out (cleared first).
void build_payload(PayloadHeader header, const StreamSpec* streams, unsigned count,
                   const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out) {
    out.clear();
    header.stream_count = count;
    size_t table = payload_header_size(count);
    out.resize(table);
    for (unsigned i = 0; i < count; ++i) {
        size_t before = out.size();
        header.streams[i].backend = encode_one_stream(streams[i], policy, ws, out);
        header.streams[i].encoded_size = static_cast<uint32_t>(out.size() - before);
        header.streams[i].decoded_size = static_cast<uint32_t>(streams[i].size);
    }
    write_payload_header(header, out.data());
}

// Keeps the smaller of ws.trial and ws.best in ws.best.
void keep_smaller(ChunkWorkspace& ws, bool* have_best) {
    if (!*have_best || ws.trial.size() < ws.best.size()) {
        ws.trial.swap(ws.best);
        *have_best = true;
    }
}

void try_layouts(Bytes data, uint8_t delta, const EncodePolicy& policy, ChunkWorkspace& ws, bool* have_best) {
    const size_t n = data.size();
    const unsigned w = policy.width;
    const size_t elements = n / w;
    const size_t tail = n - elements * w;
    const uint8_t rot = policy.rotate ? kLayoutRotateFlag : 0;

    PayloadHeader h;
    h.delta = delta;

    // Stored raw: always a candidate, so a payload never exceeds raw + 14 bytes.
    {
        StreamSpec s{data.data(), n};
        h.layout = static_cast<uint8_t>(Layout::raw);
        h.layout_param = 0;
        if (policy.try_raw || !policy.try_planes) {
            build_payload(h, &s, 1, policy, ws, ws.trial);
            keep_smaller(ws, have_best);
        }
        // Otherwise planes will be tried; the stored bound is checked at the end.
    }

    if (policy.try_planes && elements > 0) {
        ws.split.resize(elements * w);
        uint8_t* planes[8];
        for (unsigned k = 0; k < w; ++k) planes[k] = ws.split.data() + k * elements;
        split_planes(data.data(), elements, w, policy.rotate, planes);
        StreamSpec specs[9];
        for (unsigned k = 0; k < w; ++k) specs[k] = {planes[k], elements};
        unsigned count = w;
        if (tail) specs[count++] = {data.data() + elements * w, tail};
        h.layout = static_cast<uint8_t>(Layout::planes);
        h.layout_param = static_cast<uint8_t>(w | rot);
        build_payload(h, specs, count, policy, ws, ws.trial);
        keep_smaller(ws, have_best);
    }

    if (policy.try_sparse && elements > 0) {
        size_t zeros = count_zero_elements(data.data(), elements, w);
        if (zeros > 0 && double(zeros) >= policy.sparse_min_zero_fraction * double(elements)) {
            size_t bitmap_size = sparse_bitmap_size(elements);
            size_t nnz = elements - zeros;
            // bitmap | packed values | value planes
            ws.split.resize(bitmap_size + 2 * nnz * w);
            uint8_t* bitmap = ws.split.data();
            uint8_t* values = bitmap + bitmap_size;
            uint8_t* value_planes = values + nnz * w;
            sparse_split(data.data(), elements, w, bitmap, values);
            StreamSpec specs[10];
            unsigned count = 0;
            specs[count++] = {bitmap, bitmap_size};
            if (w == 1) {
                specs[count++] = {values, nnz};
            } else {
                uint8_t* planes[8];
                for (unsigned k = 0; k < w; ++k) planes[k] = value_planes + k * nnz;
                split_planes(values, nnz, w, policy.rotate, planes);
                for (unsigned k = 0; k < w; ++k) specs[count++] = {planes[k], nnz};
            }
            if (tail) specs[count++] = {data.data() + elements * w, tail};
            h.layout = static_cast<uint8_t>(Layout::sparse);
            h.layout_param = static_cast<uint8_t>(w | (w > 1 ? rot : 0));
            build_payload(h, specs, count, policy, ws, ws.trial);
            keep_smaller(ws, have_best);
        }
    }

    // Structure the byte planes cannot see: dead mantissa bits, scaled integers, palettes.
    if (policy.try_structured && delta == static_cast<uint8_t>(DeltaKind::none)) {
        try_structured_layouts(data, policy.dtype, ws.structured,
                               [&](uint8_t layout, uint8_t param, const StructStream* streams, unsigned count) {
                                   StreamSpec specs[kMaxStreams];
                                   for (unsigned k = 0; k < count; ++k) specs[k] = {streams[k].data, streams[k].size};
                                   PayloadHeader sh;
                                   sh.delta = delta;
                                   sh.layout = layout;
                                   sh.layout_param = param;
                                   build_payload(sh, specs, count, policy, ws, ws.trial);
                                   keep_smaller(ws, have_best);
                               });
    }

    // Stored raw guarantees the bound; only materialised when nothing beat it
    // (copying every chunk once more cost ~10% of compression time).
    if (!(policy.try_raw || !policy.try_planes) &&
        (!*have_best || ws.best.size() > payload_header_size(1) + n)) {
        ws.trial.clear();
        PayloadHeader stored = h;
        stored.layout = static_cast<uint8_t>(Layout::raw);
        stored.layout_param = 0;
        stored.stream_count = 1;
        stored.streams[0] = {static_cast<uint8_t>(BackendId::stored), uint32_t(n), uint32_t(n)};
        ws.trial.resize(payload_header_size(1));
        write_payload_header(stored, ws.trial.data());
        ws.trial.append(data.data(), n);
        keep_smaller(ws, have_best);
    }
}

void append_block(BlockType type, uint8_t flags, const uint8_t* decoded, size_t decoded_size,
                  bool with_checksum, const uint8_t* payload, size_t payload_size, Buffer& out) {
    BlockHeader b;
    b.type = type;
    b.flags = flags;
    b.payload_size = static_cast<uint32_t>(payload_size);
    b.decoded_size = static_cast<uint32_t>(decoded_size);
    if (with_checksum) b.checksum = block_checksum(b, Bytes(payload, payload_size), decoded);
    uint8_t* p = out.extend(block_header_size(with_checksum) + payload_size);
    write_block_header(b, with_checksum, p);
    if (payload_size) std::memcpy(p + block_header_size(with_checksum), payload, payload_size);
}

}  // namespace

void encode_chunk(const ChunkInput& in, const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out) {
    const size_t n = in.data.size();
    const uint8_t flags = in.keep ? block_flag::keep : 0;
    const bool has_ref = !in.reference.empty();

    if (has_ref && std::memcmp(in.data.data(), in.reference.data(), n) == 0) {
        append_block(BlockType::ref_copy, flags, in.data.data(), n, policy.checksum, nullptr, 0, out);
        return;
    }

    bool have_best = false;
    try_layouts(in.data, static_cast<uint8_t>(DeltaKind::none), policy, ws, &have_best);
    if (has_ref) {
        ws.transformed.resize(n);
        delta_xor(in.data.data(), in.reference.data(), n, ws.transformed.data());
        try_layouts(ws.transformed.span(), static_cast<uint8_t>(DeltaKind::xor_bits), policy, ws, &have_best);
        delta_sub_encode(in.data.data(), in.reference.data(), n, policy.width, ws.transformed.data());
        try_layouts(ws.transformed.span(), static_cast<uint8_t>(DeltaKind::sub_zigzag), policy, ws,
                    &have_best);
    }
    append_block(BlockType::data, flags, in.data.data(), n, policy.checksum, ws.best.data(), ws.best.size(),
                 out);
}

void encode_dup_block(uint32_t target, Bytes decoded, bool with_checksum, Buffer& out) {
    uint8_t payload[4];
    std::memcpy(payload, &target, 4);
    append_block(BlockType::dup, 0, decoded.data(), decoded.size(), with_checksum, payload, 4, out);
}

}  // namespace z4ai
