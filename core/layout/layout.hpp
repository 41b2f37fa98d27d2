// layout.hpp - the chunk layout registry. A layout turns one chunk into a few byte
// streams (and back); its stable id is the DATA payload's layout byte and never
// changes meaning (docs/FORMAT.md, "Layouts"). Each layout lives in its own folder
// (core/layout/<name>/: encode, decode, its layout_param bit packing and its
// spec.md) and registers one LayoutCodec here. The planner proposes every enabled
// layout in id order and keeps the smallest payload; the chunk decoder looks the id
// up. Layouts know neither the frame nor the planner's policy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "entropy/backend.hpp"
#include "frame/format.hpp"
#include "transform/palette.hpp"
#include "transform/scaled.hpp"
#include "util/buffer.hpp"
#include "util/hash.hpp"

namespace z4ai {

// ---- encoding: one chunk -> candidate stream sets ----

struct LayoutStream {
    const uint8_t* data;
    size_t size;
};

// One chunk, as the planner offers it to the layouts.
struct LayoutTrial {
    Bytes data;
    uint8_t dtype = 0;
    unsigned width = 1;   // element width of the dtype
    bool rotate = false;  // float words: sign rotated below the exponent
    double sparse_min_zero_fraction = 0.125;
};

// Scratch the layouts split chunks into (one per encoder worker).
struct LayoutScratch {
    Buffer split;  // planes / sparse parts
    Buffer narrow, planes, index, values, raw_planes;
    ScaledStreams scaled;
    PaletteStreams palette;
};

// Receives one candidate: its layout_param and its streams in order.
using LayoutEmit = std::function<void(uint8_t param, const LayoutStream* streams, unsigned count)>;

// ---- decoding: streams -> chunk ----

// The checksum of the block being decoded, fed with its output front to back
// (decoders that produce output piece by piece hash each piece while it is in
// cache; the rest is hashed when the block is verified).
struct ContentChecksum {
    bool active = false;
    size_t covered = 0;  // bytes of the block hashed so far
    Hash64Stream stream;
    // Hashes block bytes [covered, upto) of `block`.
    void feed(const uint8_t* block, size_t upto) noexcept {
        if (!active || upto <= covered) return;
        stream.update(block + covered, upto - covered);
        covered = upto;
    }
};

struct DecodeWorkspace {
    EntropyWorkspace entropy;
    Buffer streams;
    Buffer block;   // whole decoded block, for range reads and streaming
    Buffer stored;  // a block's stored bytes read from a Source (DUP targets)
    ContentChecksum checksum;
};

struct LayoutBlock {
    const PayloadHeader& header;
    const uint8_t* const* stream_data;  // stream i starts at stream_data[i]
    size_t size;                        // decoded bytes of the block
    uint64_t payload_offset;            // for error messages
    uint64_t max_memory;
    bool output_is_final;  // no delta follows: the layout may feed ws.checksum
};

struct LayoutCodec {
    Layout id;
    const char* name;  // as `z4ai info` and z4ai_frame_describe print it
    // Emits a candidate per way this layout can code the chunk (none if it does not apply).
    void (*propose)(const LayoutTrial& trial, LayoutScratch& scratch, const LayoutEmit& emit);
    // Decodes a block into dst (LayoutBlock::size bytes). Validates the parameter and
    // every stream size before allocating; throws corrupt otherwise.
    void (*decode)(const LayoutBlock& block, DecodeWorkspace& ws, uint8_t* dst);
    // What the parameter selects, for describe/info; nullptr when nothing to add.
    const char* (*param_name)(uint8_t param) noexcept;
};

// The layouts in id order (raw, planes, sparse, narrow, scaled-int, palette).
constexpr unsigned kLayoutCount = 6;
const LayoutCodec& layout_codec(Layout id) noexcept;
// nullptr for an id no layout has.
const LayoutCodec* find_layout(uint8_t id) noexcept;
const char* layout_name(uint8_t id) noexcept;
// What a block's layout_param selects (narrow mode, scaled-int container), or nullptr.
const char* layout_param_name(uint8_t id, uint8_t param) noexcept;

// ---- helpers shared by the layouts' decoders ----

// Decodes streams [first, first + count) of the block back to back into dst.
void decode_layout_streams(const LayoutBlock& b, unsigned first, unsigned count, EntropyWorkspace& entropy,
                           uint8_t* dst);
// Total decoded bytes of streams [first, first + count).
uint64_t layout_stream_total(const PayloadHeader& h, unsigned first, unsigned count) noexcept;
// memory_limit when a layout's working memory would exceed the decoder's limit.
void require_layout_memory(uint64_t need, uint64_t max_memory);
bool valid_element_width(unsigned w) noexcept;

}  // namespace z4ai
