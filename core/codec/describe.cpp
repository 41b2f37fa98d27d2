#include "codec/describe.hpp"

#include <cstdio>

#include "dtype/dtype.hpp"
#include "entropy/backend.hpp"
#include "frame/frame_index.hpp"
#include "layout/layout.hpp"

namespace z4ai {

const char* delta_name(uint8_t delta) noexcept {
    switch (delta) {
        case 0: return "none";
        case 1: return "xor";
        case 2: return "sub";
    }
    return "unknown";
}

namespace {

const char* block_type_name(BlockType t) {
    switch (t) {
        case BlockType::data: return "data";
        case BlockType::dup: return "dup";
        case BlockType::ref_copy: return "ref_copy";
        case BlockType::end: return "end";
    }
    return "unknown";
}

void add(std::string& s, const char* fmt, unsigned long long v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    s += buf;
}

}  // namespace

std::string describe_frame(Bytes src) {
    FrameIndex m = FrameIndex::from_buffer(src);
    const FrameHeader& h = m.header;
    std::string s = "{\"format_version\":";
    add(s, "%llu", h.version);
    s += ",\"dtype\":\"";
    s += dtype_info(h.dtype)->name;
    s += "\",\"shape\":[";
    for (unsigned i = 0; i < h.ndim; ++i) add(s, i ? ",%llu" : "%llu", h.dims[i]);
    s += "],\"content_size\":";
    add(s, "%llu", m.content_size);
    s += ",\"frame_size\":";
    add(s, "%llu", m.frame_size);
    s += ",\"chunk_size\":";
    add(s, "%llu", h.chunk_size());
    s += h.checksum ? ",\"checksum\":true" : ",\"checksum\":false";
    s += ",\"header_size\":";
    add(s, "%llu", m.header_bytes);
    if (h.has_reference) {
        s += ",\"reference\":{\"size\":";
        add(s, "%llu", h.reference_size);
        s += ",\"xxh3_128\":\"";
        for (int i = 15; i >= 0; --i) add(s, "%02llx", h.reference_digest[i]);
        s += "\"}";
    }
    s += ",\"blocks\":[";
    for (size_t i = 0; i < m.blocks.size(); ++i) {
        const IndexedBlock& r = m.blocks[i];
        if (i) s += ",";
        s += "{\"type\":\"";
        s += block_type_name(r.header.type);
        s += "\",\"offset\":";
        add(s, "%llu", r.content_offset);
        s += ",\"decoded\":";
        add(s, "%llu", r.header.decoded_size);
        s += ",\"stored\":";
        add(s, "%llu", r.stored_size);
        if (r.header.flags & block_flag::keep) s += ",\"keep\":true";
        if (r.header.type == BlockType::dup) {
            s += ",\"target\":";
            add(s, "%llu", r.dup_target);
        }
        if (r.header.type == BlockType::data) {
            const uint64_t payload_at = r.offset + m.block_header_bytes();
            PayloadHeader p =
                parse_payload_header(Bytes(src.data() + payload_at, r.header.payload_size), payload_at);
            s += ",\"delta\":\"";
            s += delta_name(p.delta);
            s += "\",\"layout\":\"";
            s += layout_name(p.layout);
            s += "\",\"layout_param\":";
            add(s, "%llu", p.layout_param);
            if (const char* detail = layout_param_name(p.layout, p.layout_param)) {
                s += ",\"structure\":\"";
                s += detail;
                s += "\"";
            }
            s += ",\"streams\":[";
            for (unsigned k = 0; k < p.stream_count; ++k) {
                if (k) s += ",";
                s += "{\"backend\":\"";
                s += backend_name(p.streams[k].backend);
                s += "\",\"encoded\":";
                add(s, "%llu", p.streams[k].encoded_size);
                s += ",\"decoded\":";
                add(s, "%llu", p.streams[k].decoded_size);
                s += "}";
            }
            s += "]";
        }
        s += "}";
    }
    s += "]}";
    return s;
}

}  // namespace z4ai
