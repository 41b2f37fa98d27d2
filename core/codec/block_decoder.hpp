// block_decoder.hpp - one DATA block payload -> its decoded bytes: the stream
// table, the layout (dispatched through core/layout by id), the delta kind, and the
// block checksum. Every size is validated against the layout before memory is
// touched.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.hpp"
#include "frame/format.hpp"
#include "layout/layout.hpp"

namespace z4ai {

struct BlockDecodeContext {
    unsigned dtype_width = 1;
    bool checksum_present = false;
    bool verify_checksum = true;
    uint64_t max_memory = kDefaultMaxMemory;
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
