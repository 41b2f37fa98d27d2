// scaled_int_layout.cpp - layout 4: floats that are small integers times a
// per-run scale (docs/FORMAT.md, "Structure layouts"). layout_param: the
// ScaledContainer (1-3); any other value is corrupt.
#include "dtype/dtype.hpp"
#include "layout/layout.hpp"
#include "transform/planes.hpp"
#include "transform/scaled.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

uint8_t pack_param(ScaledContainer c) { return static_cast<uint8_t>(c); }

void propose_scaled_int(const LayoutTrial& t, LayoutScratch& s, const LayoutEmit& emit) {
    ScaledContainer c;
    if (t.dtype == dtype_code::fp16)
        c = ScaledContainer::fp16;
    else if (t.dtype == dtype_code::bf16)
        c = ScaledContainer::bf16;
    else if (t.dtype == dtype_code::fp32)
        c = ScaledContainer::fp32;
    else
        return;
    const unsigned w = scaled_width(c);
    const size_t elements = t.data.size() / w, tail = t.data.size() % w;
    ScaledStreams& st = s.scaled;
    if (!scaled_split(t.data.data(), elements, c, st)) return;
    s.raw_planes.resize(st.raw_count * w);
    uint8_t* planes[4];
    for (unsigned k = 0; k < w; ++k) planes[k] = s.raw_planes.data() + k * st.raw_count;
    split_planes(st.raw.data(), st.raw_count, w, true, planes);
    LayoutStream streams[10];
    unsigned count = 0;
    streams[count++] = {st.lengths.data(), st.lengths.size()};
    streams[count++] = {st.scales.data(), st.scales.size()};
    streams[count++] = {st.q.data(), st.q.size()};
    streams[count++] = {st.index.data(), st.index.size()};
    for (unsigned k = 0; k < w; ++k) streams[count++] = {planes[k], st.raw_count};
    if (tail) streams[count++] = {t.data.data() + elements * w, tail};
    emit(pack_param(c), streams, count);
}

void decode_scaled_int(const LayoutBlock& b, DecodeWorkspace& ws, uint8_t* dst) {
    const PayloadHeader& h = b.header;
    const uint64_t offset = b.payload_offset;
    const size_t n = b.size;
    if (!scaled_container_valid(h.layout_param)) fail_corrupt("bad scaled-int parameter", offset + 2);
    const ScaledContainer c = static_cast<ScaledContainer>(h.layout_param);
    const unsigned w = scaled_width(c);
    const size_t elements = n / w, tail = n % w;
    if (h.stream_count != 4 + w + (tail ? 1 : 0))
        fail_corrupt("scaled-int stream count does not match the container", offset + 3);
    const uint64_t e = elements;
    if (h.streams[0].decoded_size > 10 * e || h.streams[1].decoded_size > 4 * e ||
        h.streams[2].decoded_size > e || h.streams[3].decoded_size > 10 * e)
        fail_corrupt("scaled-int stream larger than its block allows", offset);
    const uint32_t raw_count = h.streams[4].decoded_size;
    if (raw_count > e) fail_corrupt("scaled-int raw values exceed the block", offset);
    for (unsigned k = 1; k < w; ++k)
        if (h.streams[4 + k].decoded_size != raw_count)
            fail_corrupt("scaled-int raw planes differ in size", offset);
    if (tail && h.streams[4 + w].decoded_size != tail)
        fail_corrupt("tail size does not match block size", offset);
    const uint64_t total = layout_stream_total(h, 0, 4 + w);
    require_layout_memory(total + uint64_t(raw_count) * w + n, b.max_memory);
    ws.streams.resize(total + uint64_t(raw_count) * w);
    uint8_t* streams = ws.streams.data();
    decode_layout_streams(b, 0, 4 + w, ws.entropy, streams);
    const uint8_t* at = streams;
    Bytes lengths(at, h.streams[0].decoded_size);
    at += lengths.size();
    Bytes scales(at, h.streams[1].decoded_size);
    at += scales.size();
    Bytes q(at, h.streams[2].decoded_size);
    at += q.size();
    Bytes index(at, h.streams[3].decoded_size);
    at += index.size();
    const uint8_t* planes[4];
    for (unsigned k = 0; k < w; ++k) planes[k] = at + k * size_t(raw_count);
    uint8_t* raw = streams + total;
    merge_planes(planes, raw_count, w, true, raw);
    scaled_merge(lengths, scales, q, index, Bytes(raw, size_t(raw_count) * w), elements, c, dst, offset);
    if (tail) decode_layout_streams(b, 4 + w, 1, ws.entropy, dst + elements * w);
}

const char* scaled_int_param_name(uint8_t param) noexcept {
    return scaled_container_valid(param) ? scaled_container_name(static_cast<ScaledContainer>(param))
                                         : nullptr;
}

}  // namespace

extern const LayoutCodec kScaledIntLayout{Layout::scaled_int, "scaled-int", propose_scaled_int,
                                          decode_scaled_int, scaled_int_param_name};

}  // namespace z4ai
