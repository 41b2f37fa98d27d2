// chunk_planner.hpp - one chunk -> one block. The planner tries the delta kinds,
// layouts (core/layout) and backends (stream_planner) its policy allows and keeps
// the smallest payload (never more than the stored bytes plus the fixed table).
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.hpp"
#include "entropy/backend.hpp"
#include "frame/format.hpp"
#include "layout/layout.hpp"

namespace z4ai {

// Derived once per frame from the EncodeConfig and the effort table (effort.hpp).
struct EncodePolicy {
    unsigned width = 1;   // element width of the dtype
    bool rotate = false;  // float: rotate sign below the exponent
    bool try_planes = false;
    bool try_raw = true;  // also code the chunk as one stream
    bool try_sparse = true;
    double sparse_min_zero_fraction = 0.125;
    bool use_fastx = false;   // fast: backend 5 first, Huffman where it fits badly
    bool exhaustive = false;  // max: all Huffman segment sizes, zstd at max_zstd_level, Brotli
    int max_zstd_level = 19;
    LzOptions lz_options;
    bool checksum = true;
    uint8_t dtype = 0;           // for the structure layouts (narrow, scaled-int, palette)
    bool try_structured = true;  // run them on chunks without a delta
};

EncodePolicy make_policy(const EncodeConfig& config);

struct ChunkWorkspace {
    EntropyWorkspace entropy;
    Buffer transformed;     // chunk after delta
    LayoutScratch layouts;  // the layouts' split streams
    Buffer trial;           // candidate payload
    Buffer best;            // best payload so far
    Buffer stream_trial;
};

struct ChunkInput {
    Bytes data;
    Bytes reference;  // same length as data, or empty when no reference covers it
    bool keep = false;
};

// Appends a complete block (header + payload) for one chunk.
void encode_chunk(const ChunkInput& in, const EncodePolicy& policy, ChunkWorkspace& ws, Buffer& out);
// Appends a DUP block pointing at `target` block index.
void encode_dup_block(uint32_t target, Bytes decoded, bool with_checksum, Buffer& out);

}  // namespace z4ai
