// sparse_layout.cpp - layout 2: zero bitmap + the non-zero values in planes
// (docs/FORMAT.md, "Layouts" / Sparse). layout_param: bits 0-3 the element width w
// (1, 2, 4, 8), bit 7 ROTATE (only with w > 1), bits 4-6 zero.
#include "layout/layout.hpp"
#include "transform/planes.hpp"
#include "transform/sparse.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

uint8_t pack_param(unsigned width, bool rotate) {
    return static_cast<uint8_t>(width | (width > 1 && rotate ? kLayoutRotateFlag : 0));
}

void propose_sparse(const LayoutTrial& t, LayoutScratch& s, const LayoutEmit& emit) {
    const unsigned w = t.width;
    const size_t elements = t.data.size() / w, tail = t.data.size() % w;
    if (elements == 0) return;
    const size_t zeros = count_zero_elements(t.data.data(), elements, w);
    if (zeros == 0 || double(zeros) < t.sparse_min_zero_fraction * double(elements)) return;
    const size_t bitmap_size = sparse_bitmap_size(elements);
    const size_t nnz = elements - zeros;
    // bitmap | packed values | value planes
    s.split.resize(bitmap_size + 2 * nnz * w);
    uint8_t* bitmap = s.split.data();
    uint8_t* values = bitmap + bitmap_size;
    uint8_t* value_planes = values + nnz * w;
    sparse_split(t.data.data(), elements, w, bitmap, values);
    LayoutStream streams[10];
    unsigned count = 0;
    streams[count++] = {bitmap, bitmap_size};
    if (w == 1) {
        streams[count++] = {values, nnz};
    } else {
        uint8_t* planes[8];
        for (unsigned k = 0; k < w; ++k) planes[k] = value_planes + k * nnz;
        split_planes(values, nnz, w, t.rotate, planes);
        for (unsigned k = 0; k < w; ++k) streams[count++] = {planes[k], nnz};
    }
    if (tail) streams[count++] = {t.data.data() + elements * w, tail};
    emit(pack_param(w, t.rotate), streams, count);
}

void decode_sparse(const LayoutBlock& b, DecodeWorkspace& ws, uint8_t* dst) {
    const PayloadHeader& h = b.header;
    const size_t n = b.size;
    const unsigned w = h.layout_param & 0x0F;
    const bool rotate = h.layout_param & kLayoutRotateFlag;
    if ((h.layout_param & 0x70) || !valid_element_width(w) || (w == 1 && rotate))
        fail_corrupt("bad sparse parameter", b.payload_offset + 2);
    const size_t elements = n / w, tail = n % w;
    const size_t bitmap_size = sparse_bitmap_size(elements);
    if (h.stream_count != 1 + w + (tail ? 1 : 0))
        fail_corrupt("sparse stream count does not match width", b.payload_offset + 3);
    if (h.streams[0].decoded_size != bitmap_size)
        fail_corrupt("sparse bitmap size does not match block size", b.payload_offset);
    const size_t nnz = h.streams[1].decoded_size;
    if (nnz > elements) fail_corrupt("more sparse values than elements", b.payload_offset);
    for (unsigned k = 1; k <= w; ++k)
        if (h.streams[k].decoded_size != nnz)
            fail_corrupt("sparse value planes differ in size", b.payload_offset);
    if (tail && h.streams[1 + w].decoded_size != tail)
        fail_corrupt("tail size does not match block size", b.payload_offset);
    require_layout_memory(uint64_t(n) * 3 + bitmap_size, b.max_memory);
    ws.streams.resize(bitmap_size + 2 * nnz * w);
    uint8_t* bitmap = ws.streams.data();
    uint8_t* value_planes = bitmap + bitmap_size;
    uint8_t* values = value_planes + nnz * w;
    decode_layout_streams(b, 0, 1 + w, ws.entropy, bitmap);
    bool trailing_clear = true;
    if (sparse_popcount(bitmap, elements, &trailing_clear) != nnz || !trailing_clear)
        fail_corrupt("sparse bitmap does not match its value count", b.payload_offset);
    if (w == 1) {
        values = value_planes;
    } else {
        const uint8_t* planes[8];
        for (unsigned k = 0; k < w; ++k) planes[k] = value_planes + k * nnz;
        merge_planes(planes, nnz, w, rotate, values);
    }
    sparse_merge(bitmap, values, elements, w, dst);
    if (tail) decode_layout_streams(b, 1 + w, 1, ws.entropy, dst + elements * w);
}

}  // namespace

extern const LayoutCodec kSparseLayout{Layout::sparse, "sparse", propose_sparse, decode_sparse, nullptr};

}  // namespace z4ai
