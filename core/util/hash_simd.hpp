// hash_simd.hpp - XXH3-64 (seeded) compiled for AVX2 in its own translation
// unit (xxhash picks its vector width at compile time), selected at run time by
// hash64_seeded(). Every variant computes the identical XXH3 value. (An AVX-512
// build measured no faster than AVX2 on 1 MiB blocks: memory bound.)
#pragma once
#include <cstddef>
#include <cstdint>

namespace z4ai::detail {

uint64_t xxh3_seeded_avx2(const void* data, size_t size, uint64_t seed) noexcept;
// XXH3_64bits_update on an XXH3_state_t (passed as void*: the type is xxhash's).
void xxh3_update_avx2(void* state, const void* data, size_t size) noexcept;

}  // namespace z4ai::detail
