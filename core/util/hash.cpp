#include "util/hash.hpp"

#include <cstring>
#include <new>

#include "simd/dispatch.hpp"
#include "util/hash_simd.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace z4ai {
namespace {

// Block checksums hash every decoded byte: the vector width matters. Short
// inputs take the same path everywhere (XXH3 has no vector loop below 240 B).
constexpr size_t kVectorHashMin = 1024;

using SeededFn = uint64_t (*)(const void*, size_t, uint64_t) noexcept;
using UpdateFn = void (*)(void*, const void*, size_t) noexcept;

uint64_t xxh3_seeded_portable(const void* data, size_t size, uint64_t seed) noexcept {
    return XXH3_64bits_withSeed(data, size, seed);
}
void xxh3_update_portable(void* state, const void* data, size_t size) noexcept {
    XXH3_64bits_update(static_cast<XXH3_state_t*>(state), data, size);
}

#if defined(__x86_64__)
constexpr SeededFn kSeededAvx2 = detail::xxh3_seeded_avx2;
constexpr UpdateFn kUpdateAvx2 = detail::xxh3_update_avx2;
#else
constexpr SeededFn kSeededAvx2 = xxh3_seeded_portable;
constexpr UpdateFn kUpdateAvx2 = xxh3_update_portable;
#endif
SeededFn select_seeded(simd::Level level) noexcept {
    return simd::pick(level, simd::Level::avx2, kSeededAvx2, &xxh3_seeded_portable);
}
UpdateFn select_update(simd::Level level) noexcept {
    return simd::pick(level, simd::Level::avx2, kUpdateAvx2, &xxh3_update_portable);
}

simd::Dispatched<SeededFn> g_seeded{select_seeded};
simd::Dispatched<UpdateFn> g_update{select_update};

}  // namespace

uint32_t checksum32(const void* data, size_t size) noexcept {
    return static_cast<uint32_t>(XXH3_64bits(data, size));
}

uint64_t hash64(const void* data, size_t size) noexcept { return XXH3_64bits(data, size); }

uint64_t hash64_seeded(const void* data, size_t size, uint64_t seed) noexcept {
    if (size >= kVectorHashMin) return g_seeded.get()(data, size, seed);
    return XXH3_64bits_withSeed(data, size, seed);
}

std::array<uint8_t, 16> digest128(const void* data, size_t size) noexcept {
    XXH128_hash_t h = XXH3_128bits(data, size);
    std::array<uint8_t, 16> out{};
    std::memcpy(out.data(), &h.low64, 8);
    std::memcpy(out.data() + 8, &h.high64, 8);
    return out;
}

Hash64Stream::Hash64Stream() : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
    XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
}
Hash64Stream::~Hash64Stream() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }
void Hash64Stream::reset(uint64_t seed) noexcept {
    XXH3_64bits_reset_withSeed(static_cast<XXH3_state_t*>(state_), seed);
}
void Hash64Stream::update(const void* data, size_t size) noexcept {
    if (!size) return;
    if (size >= kVectorHashMin) return g_update.get()(state_, data, size);
    XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), data, size);
}
uint64_t Hash64Stream::digest() const noexcept {
    return XXH3_64bits_digest(static_cast<XXH3_state_t*>(state_));
}

Digest128::Digest128() : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
    XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}
Digest128::~Digest128() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }
void Digest128::update(const void* data, size_t size) noexcept {
    if (size) XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data, size);
}
std::array<uint8_t, 16> Digest128::finish() const noexcept {
    XXH128_hash_t h = XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_));
    std::array<uint8_t, 16> out{};
    std::memcpy(out.data(), &h.low64, 8);
    std::memcpy(out.data() + 8, &h.high64, 8);
    return out;
}

}  // namespace z4ai
