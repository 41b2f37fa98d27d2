// config.hpp - what a compression or decompression context is configured with.
// The C ABI parameters map one-to-one onto these fields.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "frame/format.hpp"

namespace z4ai {

// The values of z4ai_effort; what each implies is in effort.hpp.
enum class Effort : uint8_t { fast = 0, balanced = 1, max = 2 };

// Z4AI_D_MAX_MEMORY's default: every chunk size up to 256 MiB fits 3 x its size.
constexpr uint64_t kDefaultMaxMemory = uint64_t(1) << 30;

struct EncodeConfig {
    uint8_t dtype = 0;
    Effort effort = Effort::balanced;
    int level = 0;           // 0 = tier default
    unsigned chunk_log = 0;  // 0 = tier default
    bool checksum = true;
    bool long_distance = false;
    int window_log = 0;
    bool dedup = true;
    bool structure = true;  // structure detectors (narrow, scaled-int, palette)
    long long threads = 1;  // 0 = all cores
    unsigned ndim = 0;
    std::array<uint64_t, kMaxDims> dims{};
    // Reference for delta frames (not owned).
    const uint8_t* reference = nullptr;
    size_t reference_size = 0;
    bool has_reference = false;
};

struct DecodeConfig {
    long long threads = 1;
    uint64_t max_memory = kDefaultMaxMemory;
    bool verify_checksum = true;
    const uint8_t* reference = nullptr;
    size_t reference_size = 0;
    bool has_reference = false;
};


}  // namespace z4ai
