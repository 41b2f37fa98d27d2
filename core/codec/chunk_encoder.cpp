#include <cmath>
#include <cstring>

#include "codec/chunk_codec.hpp"
#include "codec/stream_planner.hpp"
#include "dtype/dtype.hpp"
#include "transform/delta.hpp"
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

// Encodes one stream with the cheapest applicable backend; appends its bytes to out
// and returns the chosen backend.
uint8_t encode_one_stream(LayoutStream s, const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out) {
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
void build_payload(PayloadHeader header, const LayoutStream* streams, unsigned count,
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

// Whether the policy lets layout `id` compete for a chunk coded with `delta`.
bool layout_enabled(const EncodePolicy& policy, Layout id, uint8_t delta) {
    switch (id) {
        case Layout::raw: return policy.try_raw || !policy.try_planes;
        case Layout::planes: return policy.try_planes;
        case Layout::sparse: return policy.try_sparse;
        // Structure the byte planes cannot see: dead mantissa bits, scaled integers, palettes.
        case Layout::narrow:
        case Layout::scaled_int:
        case Layout::palette: return policy.try_structured && delta == static_cast<uint8_t>(DeltaKind::none);
    }
    return false;
}

void try_layouts(Bytes data, uint8_t delta, const EncodePolicy& policy, ChunkWorkspace& ws, bool* have_best) {
    const size_t n = data.size();
    LayoutTrial trial;
    trial.data = data;
    trial.dtype = policy.dtype;
    trial.width = policy.width;
    trial.rotate = policy.rotate;
    trial.sparse_min_zero_fraction = policy.sparse_min_zero_fraction;

    // Every enabled layout in id order (ties keep the earlier: frames stay reproducible).
    // Stored raw is always among the candidates one way or the other, so a payload
    // never exceeds raw + 14 bytes.
    for (unsigned id = 0; id < kLayoutCount; ++id) {
        const LayoutCodec& layout = layout_codec(static_cast<Layout>(id));
        if (!layout_enabled(policy, layout.id, delta)) continue;
        layout.propose(trial, ws.layouts, [&](uint8_t param, const LayoutStream* streams, unsigned count) {
            PayloadHeader h;
            h.delta = delta;
            h.layout = static_cast<uint8_t>(layout.id);
            h.layout_param = param;
            build_payload(h, streams, count, policy, ws, ws.trial);
            keep_smaller(ws, have_best);
        });
    }

    // Stored raw guarantees the bound; only materialised when nothing beat it
    // (copying every chunk once more cost ~10% of compression time).
    if (!layout_enabled(policy, Layout::raw, delta) &&
        (!*have_best || ws.best.size() > payload_header_size(1) + n)) {
        ws.trial.clear();
        PayloadHeader stored;
        stored.delta = delta;
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
