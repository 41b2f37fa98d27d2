// palette_layout.cpp - layout 5: few distinct values, coded as a codebook and
// b-bit indices (docs/FORMAT.md, "Structure layouts"). layout_param: bits 0-3 the
// element width w (2, 4, 8), bits 4-5 log2 of the index width b, bits 6-7 zero.
#include "dtype/dtype.hpp"
#include "layout/layout.hpp"
#include "transform/palette.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

uint8_t pack_param(unsigned width, unsigned index_bits) {
    const unsigned log_bits = index_bits == 1 ? 0 : index_bits == 2 ? 1 : index_bits == 4 ? 2 : 3;
    return static_cast<uint8_t>(width | (log_bits << 4));
}

void propose_palette(const LayoutTrial& t, LayoutScratch& s, const LayoutEmit& emit) {
    const DTypeInfo* d = dtype_info(t.dtype);
    if (!d || d->width < 2) return;
    const unsigned w = d->width;
    const size_t elements = t.data.size() / w, tail = t.data.size() % w;
    if (elements < 16) return;
    if (!palette_split(t.data.data(), elements, w, s.palette)) return;
    LayoutStream streams[3];
    unsigned count = 0;
    streams[count++] = {s.palette.codebook.data(), s.palette.codebook.size()};
    streams[count++] = {s.palette.indices.data(), s.palette.indices.size()};
    if (tail) streams[count++] = {t.data.data() + elements * w, tail};
    emit(pack_param(w, s.palette.bits), streams, count);
}

void decode_palette(const LayoutBlock& b, DecodeWorkspace& ws, uint8_t* dst) {
    const PayloadHeader& h = b.header;
    const uint64_t offset = b.payload_offset;
    const size_t n = b.size;
    const uint8_t p = h.layout_param;
    const unsigned w = p & 0x0F, log_bits = (p >> 4) & 0x3;
    if ((p & 0xC0) || (w != 2 && w != 4 && w != 8)) fail_corrupt("bad palette parameter", offset + 2);
    const unsigned bits = 1u << log_bits;
    const size_t elements = n / w, tail = n % w;
    if (h.stream_count != 2 + (tail ? 1 : 0))
        fail_corrupt("palette stream count does not match the block", offset + 3);
    if (h.streams[0].decoded_size > kPaletteMax * w) fail_corrupt("palette codebook too large", offset);
    if (h.streams[1].decoded_size != (uint64_t(elements) * bits + 7) / 8)
        fail_corrupt("palette index stream size does not match block size", offset);
    if (tail && h.streams[2].decoded_size != tail)
        fail_corrupt("tail size does not match block size", offset);
    const uint64_t total = layout_stream_total(h, 0, 2);
    require_layout_memory(total + n, b.max_memory);
    ws.streams.resize(total);
    decode_layout_streams(b, 0, 2, ws.entropy, ws.streams.data());
    Bytes codebook(ws.streams.data(), h.streams[0].decoded_size);
    Bytes indices(ws.streams.data() + codebook.size(), h.streams[1].decoded_size);
    palette_merge(codebook, indices, bits, elements, w, dst, offset);
    if (tail) decode_layout_streams(b, 2, 1, ws.entropy, dst + elements * w);
}

}  // namespace

extern const LayoutCodec kPaletteLayout{Layout::palette, "palette", propose_palette, decode_palette, nullptr};

}  // namespace z4ai
