// structured.hpp - the planner's hook for the structure-exploiting layouts
// (3 narrow, 4 scaled-int, 5 palette): cheap detection on each chunk, one
// candidate per layout that applies, and the matching block decoder. The
// planner codes every candidate's streams and keeps the smallest payload, so a
// chunk without structure falls back to planes/sparse at the cost of the
// (sampled) detection only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "entropy/backend.hpp"
#include "frame/format.hpp"
#include "transform/palette.hpp"
#include "transform/scaled.hpp"
#include "util/buffer.hpp"

namespace z4ai {

struct StructuredScratch {
    Buffer narrow, planes, index, values, raw_planes;
    ScaledStreams scaled;
    PaletteStreams palette;
};

struct StructStream {
    const uint8_t* data;
    size_t size;
};

// Receives one candidate: layout, layout parameter and its streams in order.
using StructEmit =
    std::function<void(uint8_t layout, uint8_t param, const StructStream* streams, unsigned count)>;

// Runs the detectors that apply to `dtype` on one chunk and emits a candidate
// for each layout whose model fits.
void try_structured_layouts(Bytes data, uint8_t dtype, StructuredScratch& scratch, const StructEmit& emit);

bool is_structured_layout(uint8_t layout) noexcept;
const char* structured_param_name(uint8_t layout, uint8_t param) noexcept;

// Decodes a block with a structured layout into dst (n bytes). Validates the
// parameter and every stream size before allocating; throws corrupt otherwise.
void decode_structured_block(const PayloadHeader& h, const uint8_t* const* stream_data, size_t n,
                             uint64_t payload_offset, uint64_t max_memory, EntropyWorkspace& entropy,
                             Buffer& scratch, uint8_t* dst);

}  // namespace z4ai
