#include "util/hash.hpp"

#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace z4ai {

uint32_t checksum32(const void* data, size_t size) noexcept {
    return static_cast<uint32_t>(XXH3_64bits(data, size));
}

uint64_t hash64(const void* data, size_t size) noexcept { return XXH3_64bits(data, size); }

uint64_t hash64_seeded(const void* data, size_t size, uint64_t seed) noexcept {
    return XXH3_64bits_withSeed(data, size, seed);
}

std::array<uint8_t, 16> digest128(const void* data, size_t size) noexcept {
    XXH128_hash_t h = XXH3_128bits(data, size);
    std::array<uint8_t, 16> out{};
    std::memcpy(out.data(), &h.low64, 8);
    std::memcpy(out.data() + 8, &h.high64, 8);
    return out;
}

}  // namespace z4ai
