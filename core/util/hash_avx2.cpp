// hash_avx2.cpp - XXH3 built with -mavx2 (see hash_simd.hpp). Only
// xxhash's static inline functions live here, so nothing compiled for this ISA
// can be shared with (and leak into) the baseline code.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "util/hash_simd.hpp"

namespace z4ai::detail {

uint64_t xxh3_seeded_avx2(const void* data, size_t size, uint64_t seed) noexcept {
    return XXH3_64bits_withSeed(data, size, seed);
}

void xxh3_update_avx2(void* state, const void* data, size_t size) noexcept {
    XXH3_64bits_update(static_cast<XXH3_state_t*>(state), data, size);
}

}  // namespace z4ai::detail
