// planes_layout.cpp - layout 1: byte planes (docs/FORMAT.md, "Layouts" / Planes).
// layout_param: bits 0-3 the element width w (2, 4, 8), bit 7 ROTATE, bits 4-6 zero.
#include "layout/layout.hpp"
#include "layout/planes/planes_fused_decode.hpp"
#include "transform/planes.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

uint8_t pack_param(unsigned width, bool rotate) {
    return static_cast<uint8_t>(width | (rotate ? kLayoutRotateFlag : 0));
}

void propose_planes(const LayoutTrial& t, LayoutScratch& s, const LayoutEmit& emit) {
    const unsigned w = t.width;
    const size_t elements = t.data.size() / w, tail = t.data.size() % w;
    if (w < 2 || elements == 0) return;
    s.split.resize(elements * w);
    uint8_t* planes[8];
    for (unsigned k = 0; k < w; ++k) planes[k] = s.split.data() + k * elements;
    split_planes(t.data.data(), elements, w, t.rotate, planes);
    LayoutStream streams[9];
    for (unsigned k = 0; k < w; ++k) streams[k] = {planes[k], elements};
    unsigned count = w;
    if (tail) streams[count++] = {t.data.data() + elements * w, tail};
    emit(pack_param(w, t.rotate), streams, count);
}

void decode_planes(const LayoutBlock& b, DecodeWorkspace& ws, uint8_t* dst) {
    const PayloadHeader& h = b.header;
    const size_t n = b.size;
    const unsigned w = h.layout_param & 0x0F;
    const bool rotate = h.layout_param & kLayoutRotateFlag;
    if ((h.layout_param & 0x70) || w < 2 || !valid_element_width(w))
        fail_corrupt("bad planes parameter", b.payload_offset + 2);
    const size_t elements = n / w, tail = n % w;
    if (h.stream_count != w + (tail ? 1 : 0))
        fail_corrupt("planes stream count does not match width", b.payload_offset + 3);
    for (unsigned k = 0; k < w; ++k)
        if (h.streams[k].decoded_size != elements)
            fail_corrupt("plane size does not match block size", b.payload_offset);
    if (tail && h.streams[w].decoded_size != tail)
        fail_corrupt("tail size does not match block size", b.payload_offset);
    require_layout_memory(uint64_t(n) * 2, b.max_memory);
    // The merged planes are final output only when no delta follows.
    ContentChecksum* sum = b.output_is_final && ws.checksum.active ? &ws.checksum : nullptr;
    if (!decode_planes_fused(h, b.stream_data, elements, w, rotate, ws, dst, sum)) {
        ws.streams.resize(elements * w);
        decode_layout_streams(b, 0, w, ws.entropy, ws.streams.data());
        const uint8_t* planes[8];
        for (unsigned k = 0; k < w; ++k) planes[k] = ws.streams.data() + k * elements;
        merge_planes(planes, elements, w, rotate, dst);
    }
    if (tail) decode_layout_streams(b, w, 1, ws.entropy, dst + elements * w);
}

}  // namespace

extern const LayoutCodec kPlanesLayout{Layout::planes, "planes", propose_planes, decode_planes, nullptr};

}  // namespace z4ai
