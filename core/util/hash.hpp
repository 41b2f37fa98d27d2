// hash.hpp - content checksums and reference digests (XXH3 from Debian's libxxhash,
// compiled inline so no shared xxhash is needed at run time).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace z4ai {

// Low 32 bits of XXH3-64: per-chunk content checksum and header checks.
uint32_t checksum32(const void* data, size_t size) noexcept;
uint64_t hash64(const void* data, size_t size) noexcept;
uint64_t hash64_seeded(const void* data, size_t size, uint64_t seed) noexcept;
// XXH3-64 (seeded) over data given in pieces, in order: equals hash64_seeded of
// the concatenation. Lets a decoder hash each piece of output while it is in cache.
class Hash64Stream {
   public:
    Hash64Stream();
    ~Hash64Stream();
    Hash64Stream(const Hash64Stream&) = delete;
    Hash64Stream& operator=(const Hash64Stream&) = delete;
    void reset(uint64_t seed) noexcept;
    void update(const void* data, size_t size) noexcept;
    uint64_t digest() const noexcept;

   private:
    void* state_;
};

// XXH3-128 as 16 little-endian bytes (low64 then high64): reference digests.
std::array<uint8_t, 16> digest128(const void* data, size_t size) noexcept;

// The same XXH3-128 digest computed over data given in pieces.
class Digest128 {
   public:
    Digest128();
    ~Digest128();
    Digest128(const Digest128&) = delete;
    Digest128& operator=(const Digest128&) = delete;
    void update(const void* data, size_t size) noexcept;
    std::array<uint8_t, 16> finish() const noexcept;

   private:
    void* state_;
};

}  // namespace z4ai
