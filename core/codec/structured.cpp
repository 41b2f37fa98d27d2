#include "codec/structured.hpp"

#include <cstring>
#include <string>

#include "dtype/dtype.hpp"
#include "transform/narrow.hpp"
#include "transform/planes.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

constexpr uint8_t kDTypeFp16 = 12, kDTypeBf16 = 13, kDTypeFp32 = 14, kDTypeFp64 = 15;

// Elements allowed to miss the narrow model before the layout is not worth trying.
inline size_t narrow_miss_limit(size_t elements) { return elements / 64; }

void try_narrow(Bytes data, uint8_t dtype, StructuredScratch& s, const StructEmit& emit) {
    NarrowMode mode;
    if (dtype == kDTypeFp32) {
        mode = NarrowMode::fp32_as_bf16;
    } else if (dtype == kDTypeFp64) {
        mode = NarrowMode::fp64_as_fp32;
    } else {
        return;
    }
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
    StructStream streams[8];
    unsigned count = 0;
    for (unsigned k = 0; k < nw; ++k) streams[count++] = {planes[k], elements};
    streams[count++] = {s.index.data(), s.index.size()};
    streams[count++] = {s.values.data(), s.values.size()};
    if (tail) streams[count++] = {data.data() + elements * w, tail};
    emit(static_cast<uint8_t>(Layout::narrow),
         static_cast<uint8_t>(static_cast<uint8_t>(mode) | kLayoutRotateFlag), streams, count);
}

void try_scaled(Bytes data, uint8_t dtype, StructuredScratch& s, const StructEmit& emit) {
    ScaledContainer c;
    if (dtype == kDTypeFp16)
        c = ScaledContainer::fp16;
    else if (dtype == kDTypeBf16)
        c = ScaledContainer::bf16;
    else if (dtype == kDTypeFp32)
        c = ScaledContainer::fp32;
    else
        return;
    const unsigned w = scaled_width(c);
    const size_t elements = data.size() / w, tail = data.size() % w;
    ScaledStreams& st = s.scaled;
    if (!scaled_split(data.data(), elements, c, st)) return;
    s.raw_planes.resize(st.raw_count * w);
    uint8_t* planes[4];
    for (unsigned k = 0; k < w; ++k) planes[k] = s.raw_planes.data() + k * st.raw_count;
    split_planes(st.raw.data(), st.raw_count, w, true, planes);
    StructStream streams[10];
    unsigned count = 0;
    streams[count++] = {st.lengths.data(), st.lengths.size()};
    streams[count++] = {st.scales.data(), st.scales.size()};
    streams[count++] = {st.q.data(), st.q.size()};
    streams[count++] = {st.index.data(), st.index.size()};
    for (unsigned k = 0; k < w; ++k) streams[count++] = {planes[k], st.raw_count};
    if (tail) streams[count++] = {data.data() + elements * w, tail};
    emit(static_cast<uint8_t>(Layout::scaled_int), static_cast<uint8_t>(c), streams, count);
}

void try_palette(Bytes data, uint8_t dtype, StructuredScratch& s, const StructEmit& emit) {
    const DTypeInfo* d = dtype_info(dtype);
    if (!d || d->width < 2) return;
    const unsigned w = d->width;
    const size_t elements = data.size() / w, tail = data.size() % w;
    if (elements < 16) return;
    if (!palette_split(data.data(), elements, w, s.palette)) return;
    unsigned log_bits = s.palette.bits == 1 ? 0 : s.palette.bits == 2 ? 1 : s.palette.bits == 4 ? 2 : 3;
    StructStream streams[3];
    unsigned count = 0;
    streams[count++] = {s.palette.codebook.data(), s.palette.codebook.size()};
    streams[count++] = {s.palette.indices.data(), s.palette.indices.size()};
    if (tail) streams[count++] = {data.data() + elements * w, tail};
    emit(static_cast<uint8_t>(Layout::palette), static_cast<uint8_t>(w | (log_bits << 4)), streams, count);
}

void decode_into(const PayloadHeader& h, const uint8_t* const* stream_data, unsigned first, unsigned count,
                 EntropyWorkspace& entropy, uint8_t* dst) {
    for (unsigned i = first; i < first + count; ++i) {
        const StreamEntry& e = h.streams[i];
        decode_stream(e.backend, Bytes(stream_data[i], e.encoded_size), dst, e.decoded_size, entropy);
        dst += e.decoded_size;
    }
}

void check_count(const PayloadHeader& h, unsigned want, uint64_t offset, const char* what) {
    if (h.stream_count != want) fail_corrupt(what, offset + 3);
}

// Total decoded bytes of streams [first, first + count), with a per-layout cap so
// a hostile table cannot make the decoder allocate more than a few times D.
uint64_t stream_total(const PayloadHeader& h, unsigned first, unsigned count) {
    uint64_t t = 0;
    for (unsigned i = first; i < first + count; ++i) t += h.streams[i].decoded_size;
    return t;
}

void check_memory(uint64_t need, uint64_t max_memory) {
    if (need > max_memory)
        fail(Code::memory_limit, "block needs " + std::to_string(need) +
                                     " bytes of working memory, above the decoder limit of " +
                                     std::to_string(max_memory));
}

}  // namespace

void try_structured_layouts(Bytes data, uint8_t dtype, StructuredScratch& scratch, const StructEmit& emit) {
    try_narrow(data, dtype, scratch, emit);
    try_scaled(data, dtype, scratch, emit);
    try_palette(data, dtype, scratch, emit);
}

bool is_structured_layout(uint8_t layout) noexcept {
    return layout == static_cast<uint8_t>(Layout::narrow) ||
           layout == static_cast<uint8_t>(Layout::scaled_int) ||
           layout == static_cast<uint8_t>(Layout::palette);
}

const char* structured_param_name(uint8_t layout, uint8_t param) noexcept {
    if (layout == static_cast<uint8_t>(Layout::narrow) && narrow_mode_valid(param & 0x0F))
        return narrow_mode_name(static_cast<NarrowMode>(param & 0x0F));
    if (layout == static_cast<uint8_t>(Layout::scaled_int) && scaled_container_valid(param))
        return scaled_container_name(static_cast<ScaledContainer>(param));
    return nullptr;
}

void decode_structured_block(const PayloadHeader& h, const uint8_t* const* stream_data, size_t n,
                             uint64_t offset, uint64_t max_memory, EntropyWorkspace& entropy, Buffer& scratch,
                             uint8_t* dst) {
    const uint8_t p = h.layout_param;
    switch (static_cast<Layout>(h.layout)) {
        case Layout::narrow: {
            if ((p & 0x70) || !narrow_mode_valid(p & 0x0F)) fail_corrupt("bad narrow parameter", offset + 2);
            const NarrowMode mode = static_cast<NarrowMode>(p & 0x0F);
            const bool rotate = p & kLayoutRotateFlag;
            const unsigned w = narrow_wide_width(mode), nw = narrow_narrow_width(mode);
            const size_t elements = n / w, tail = n % w;
            check_count(h, nw + 2 + (tail ? 1 : 0), offset, "narrow stream count does not match the mode");
            for (unsigned k = 0; k < nw; ++k)
                if (h.streams[k].decoded_size != elements)
                    fail_corrupt("narrow plane size does not match block size", offset);
            if (h.streams[nw].decoded_size > 10 * uint64_t(elements))
                fail_corrupt("narrow exception list too long", offset);
            if (h.streams[nw + 1].decoded_size > uint64_t(elements) * w || h.streams[nw + 1].decoded_size % w)
                fail_corrupt("narrow exception values do not fit the block", offset);
            if (tail && h.streams[nw + 2].decoded_size != tail)
                fail_corrupt("tail size does not match block size", offset);
            uint64_t total = stream_total(h, 0, nw + 2);
            check_memory(total + elements * uint64_t(nw) + n, max_memory);
            scratch.resize(total + elements * nw);
            uint8_t* streams = scratch.data();
            decode_into(h, stream_data, 0, nw + 2, entropy, streams);
            uint8_t* narrow = streams + total;
            const uint8_t* planes[8];
            for (unsigned k = 0; k < nw; ++k) planes[k] = streams + k * elements;
            merge_planes(planes, elements, nw, rotate, narrow);
            const uint8_t* index = streams + nw * elements;
            Bytes index_bytes(index, h.streams[nw].decoded_size);
            Bytes values(index + h.streams[nw].decoded_size, h.streams[nw + 1].decoded_size);
            narrow_merge(narrow, elements, mode, index_bytes, values, dst, offset);
            if (tail) decode_into(h, stream_data, nw + 2, 1, entropy, dst + elements * w);
            return;
        }
        case Layout::scaled_int: {
            if (!scaled_container_valid(p)) fail_corrupt("bad scaled-int parameter", offset + 2);
            const ScaledContainer c = static_cast<ScaledContainer>(p);
            const unsigned w = scaled_width(c);
            const size_t elements = n / w, tail = n % w;
            check_count(h, 4 + w + (tail ? 1 : 0), offset,
                        "scaled-int stream count does not match the container");
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
            uint64_t total = stream_total(h, 0, 4 + w);
            check_memory(total + uint64_t(raw_count) * w + n, max_memory);
            scratch.resize(total + uint64_t(raw_count) * w);
            uint8_t* streams = scratch.data();
            decode_into(h, stream_data, 0, 4 + w, entropy, streams);
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
            scaled_merge(lengths, scales, q, index, Bytes(raw, size_t(raw_count) * w), elements, c, dst,
                         offset);
            if (tail) decode_into(h, stream_data, 4 + w, 1, entropy, dst + elements * w);
            return;
        }
        case Layout::palette: {
            const unsigned w = p & 0x0F, log_bits = (p >> 4) & 0x3;
            if ((p & 0xC0) || (w != 2 && w != 4 && w != 8)) fail_corrupt("bad palette parameter", offset + 2);
            const unsigned bits = 1u << log_bits;
            const size_t elements = n / w, tail = n % w;
            check_count(h, 2 + (tail ? 1 : 0), offset, "palette stream count does not match the block");
            if (h.streams[0].decoded_size > kPaletteMax * w)
                fail_corrupt("palette codebook too large", offset);
            if (h.streams[1].decoded_size != (uint64_t(elements) * bits + 7) / 8)
                fail_corrupt("palette index stream size does not match block size", offset);
            if (tail && h.streams[2].decoded_size != tail)
                fail_corrupt("tail size does not match block size", offset);
            uint64_t total = stream_total(h, 0, 2);
            check_memory(total + n, max_memory);
            scratch.resize(total);
            decode_into(h, stream_data, 0, 2, entropy, scratch.data());
            Bytes codebook(scratch.data(), h.streams[0].decoded_size);
            Bytes indices(scratch.data() + codebook.size(), h.streams[1].decoded_size);
            palette_merge(codebook, indices, bits, elements, w, dst, offset);
            if (tail) decode_into(h, stream_data, 2, 1, entropy, dst + elements * w);
            return;
        }
        default: break;
    }
    fail_corrupt("unknown layout", offset + 1);
}

}  // namespace z4ai
