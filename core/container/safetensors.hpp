// safetensors.hpp - the .safetensors layout: an 8-byte little-endian header
// length N, N bytes of header JSON, then the data section. Parsing validates
// everything a hostile file could get wrong (sizes, offsets, overlaps, names,
// dtypes) before any tensor byte is touched.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "frame/format.hpp"

namespace z4ai {

// Largest header JSON accepted (the safetensors reference implementation's limit).
constexpr uint64_t kMaxSafetensorsHeader = uint64_t(100) << 20;
constexpr unsigned kMaxTensorRank = 64;
// safetensors "F4" (torch.float4_e2m1fn_x2): its shape counts 4-bit values, two per byte.
constexpr uint8_t kPackedFp4Code = 20;

struct TensorDesc {
    std::string name;
    uint8_t dtype = 0;  // z4ai dtype code
    std::vector<uint64_t> dims;
    uint64_t begin = 0;  // byte offsets within the data section
    uint64_t end = 0;
    uint64_t size() const { return end - begin; }
};

struct Gap {
    uint64_t begin, end;  // data-section bytes covered by no tensor
};

struct SafetensorsLayout {
    uint64_t file_size = 0;
    uint64_t header_size = 0;         // 8 + N: where the data section starts
    std::vector<TensorDesc> tensors;  // in header JSON order
    std::vector<Gap> gaps;            // ascending
    uint64_t gap_bytes = 0;
    uint64_t data_size() const { return file_size - header_size; }
};

// True when the first bytes look like a safetensors header (cheap sniff, not validation).
bool looks_like_safetensors(Bytes prefix, uint64_t file_size);

// Parses header bytes (the 8-byte length + JSON; may be longer, only the header
// part is read) of a file of file_size bytes. Throws safetensors_invalid.
SafetensorsLayout parse_safetensors(Bytes header, uint64_t file_size);

// Maps safetensors dtype names ("F32", "BF16", ...) to z4ai codes.
bool safetensors_dtype(std::string_view name, uint8_t* code);

}  // namespace z4ai
