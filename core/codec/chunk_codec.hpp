// chunk_codec.hpp - one chunk <-> one block. The encoder is the planner: it tries
// the delta kinds, layouts and backends its policy allows and keeps the smallest
// payload (never more than the stored bytes plus the fixed table). The decoder
// validates every size against the layout before touching memory.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.hpp"
#include "entropy/backend.hpp"
#include "frame/format.hpp"
#include "layout/layout.hpp"
#include "util/hash.hpp"

namespace z4ai {

// Derived once per frame from the EncodeConfig.
struct EncodePolicy {
    unsigned width = 1;   // element width of the dtype
    bool rotate = false;  // float: rotate sign below the exponent
    bool try_planes = false;
    bool try_raw = true;  // also code the chunk as one stream
    bool try_sparse = true;
    double sparse_min_zero_fraction = 0.125;
    bool skip_incompressible = true;  // estimate entropy before running an LZ stage
    BackendId lz = BackendId::zstd;   // primary stream coder
    bool also_brotli = false;         // max tier
    bool use_huffman = true;          // backend 4 on every stream (stream_planner.cpp)
    bool use_fastx = false;           // fast: backend 5 first, Huffman where it fits badly
    bool use_lz = true;               // zstd where a sample says it beats Huffman
    bool exhaustive = false;          // max: all Huffman segment sizes, zstd-19, Brotli
    int max_zstd_level = 19;
    LzOptions lz_options;
    bool checksum = true;
    uint8_t dtype = 0;           // for the structure detectors (narrow, scaled-int, palette)
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

struct BlockDecodeContext {
    unsigned dtype_width = 1;
    bool checksum_present = false;
    bool verify_checksum = true;
    uint64_t max_memory = uint64_t(1) << 30;
    Bytes reference;  // slice of the reference aligned to this block (may be empty)
};

// Decodes a DATA block payload into dst (decoded_size bytes) and verifies the
// checksum when asked. payload_offset is for error messages.
void decode_data_block(Bytes payload, uint64_t payload_offset, const BlockHeader& header,
                       const BlockDecodeContext& ctx, DecodeWorkspace& ws, uint8_t* dst);
// Checks a decoded block against its stored checksum (header + payload + content).
void verify_block_checksum(const BlockHeader& header, Bytes payload, const uint8_t* decoded,
                           const BlockDecodeContext& ctx, uint64_t offset);
// decode_data_block + verify_block_checksum, with the content hashed while the
// decoder produces it where it can (same result, less memory traffic).
void decode_verified_block(Bytes payload, uint64_t payload_offset, const BlockHeader& header,
                           const BlockDecodeContext& ctx, DecodeWorkspace& ws, uint8_t* dst, uint64_t offset);

}  // namespace z4ai
