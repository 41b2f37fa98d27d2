// narrow_layout.cpp - layout 3: wide floats holding narrower values, coded as the
// narrow value's planes plus an exception list (docs/FORMAT.md, "Structure
// layouts"). layout_param: bits 0-3 the NarrowMode (1-3), bit 7 ROTATE, bits 4-6 zero.
#include <algorithm>

#include "dtype/dtype.hpp"
#include "layout/layout.hpp"
#include "transform/narrow.hpp"
#include "transform/planes.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

uint8_t pack_param(NarrowMode mode) {
    return static_cast<uint8_t>(static_cast<uint8_t>(mode) | kLayoutRotateFlag);
}

// Elements allowed to miss the narrow model before the layout is not worth trying.
inline size_t narrow_miss_limit(size_t elements) { return elements / 64; }

void propose_narrow(const LayoutTrial& t, LayoutScratch& s, const LayoutEmit& emit) {
    NarrowMode mode;
    if (t.dtype == dtype_code::fp32) {
        mode = NarrowMode::fp32_as_bf16;
    } else if (t.dtype == dtype_code::fp64) {
        mode = NarrowMode::fp64_as_fp32;
    } else {
        return;
    }
    Bytes data = t.data;
    const unsigned w = narrow_wide_width(mode);
    const size_t elements = data.size() / w, tail = data.size() % w;
    if (elements == 0) return;
    const size_t sample = std::min<size_t>(elements, 4096);
    if (narrow_count_misses(data.data(), sample, mode, narrow_miss_limit(sample)) >
        narrow_miss_limit(sample)) {
        if (mode != NarrowMode::fp32_as_bf16) return;
        mode = NarrowMode::fp32_as_fp16;  // fp16 values: 13 dead bits and a small exponent range
        if (narrow_count_misses(data.data(), sample, mode, narrow_miss_limit(sample)) >
            narrow_miss_limit(sample))
            return;
    }
    if (narrow_count_misses(data.data(), elements, mode, narrow_miss_limit(elements)) >
        narrow_miss_limit(elements))
        return;
    const unsigned nw = narrow_narrow_width(mode);
    s.narrow.resize(elements * nw);
    narrow_split(data.data(), elements, mode, s.narrow.data(), s.index, s.values);
    s.planes.resize(elements * nw);
    uint8_t* planes[8];
    for (unsigned k = 0; k < nw; ++k) planes[k] = s.planes.data() + k * elements;
    split_planes(s.narrow.data(), elements, nw, true, planes);
    LayoutStream streams[8];
    unsigned count = 0;
    for (unsigned k = 0; k < nw; ++k) streams[count++] = {planes[k], elements};
    streams[count++] = {s.index.data(), s.index.size()};
    streams[count++] = {s.values.data(), s.values.size()};
    if (tail) streams[count++] = {data.data() + elements * w, tail};
    emit(pack_param(mode), streams, count);
}

void decode_narrow(const LayoutBlock& b, DecodeWorkspace& ws, uint8_t* dst) {
    const PayloadHeader& h = b.header;
    const uint64_t offset = b.payload_offset;
    const size_t n = b.size;
    const uint8_t p = h.layout_param;
    if ((p & 0x70) || !narrow_mode_valid(p & 0x0F)) fail_corrupt("bad narrow parameter", offset + 2);
    const NarrowMode mode = static_cast<NarrowMode>(p & 0x0F);
    const bool rotate = p & kLayoutRotateFlag;
    const unsigned w = narrow_wide_width(mode), nw = narrow_narrow_width(mode);
    const size_t elements = n / w, tail = n % w;
    if (h.stream_count != nw + 2 + (tail ? 1 : 0))
        fail_corrupt("narrow stream count does not match the mode", offset + 3);
    for (unsigned k = 0; k < nw; ++k)
        if (h.streams[k].decoded_size != elements)
            fail_corrupt("narrow plane size does not match block size", offset);
    if (h.streams[nw].decoded_size > 10 * uint64_t(elements))
        fail_corrupt("narrow exception list too long", offset);
    if (h.streams[nw + 1].decoded_size > uint64_t(elements) * w || h.streams[nw + 1].decoded_size % w)
        fail_corrupt("narrow exception values do not fit the block", offset);
    if (tail && h.streams[nw + 2].decoded_size != tail)
        fail_corrupt("tail size does not match block size", offset);
    const uint64_t total = layout_stream_total(h, 0, nw + 2);
    require_layout_memory(total + elements * uint64_t(nw) + n, b.max_memory);
    ws.streams.resize(total + elements * nw);
    uint8_t* streams = ws.streams.data();
    decode_layout_streams(b, 0, nw + 2, ws.entropy, streams);
    uint8_t* narrow = streams + total;
    const uint8_t* planes[8];
    for (unsigned k = 0; k < nw; ++k) planes[k] = streams + k * elements;
    merge_planes(planes, elements, nw, rotate, narrow);
    const uint8_t* index = streams + nw * elements;
    Bytes index_bytes(index, h.streams[nw].decoded_size);
    Bytes values(index + h.streams[nw].decoded_size, h.streams[nw + 1].decoded_size);
    narrow_merge(narrow, elements, mode, index_bytes, values, dst, offset);
    if (tail) decode_layout_streams(b, nw + 2, 1, ws.entropy, dst + elements * w);
}

const char* narrow_param_name(uint8_t param) noexcept {
    return narrow_mode_valid(param & 0x0F) ? narrow_mode_name(static_cast<NarrowMode>(param & 0x0F))
                                           : nullptr;
}

}  // namespace

extern const LayoutCodec kNarrowLayout{Layout::narrow, "narrow", propose_narrow, decode_narrow,
                                       narrow_param_name};

}  // namespace z4ai
