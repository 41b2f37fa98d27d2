#include "transform/delta.hpp"

#include <cstring>
#include <type_traits>

namespace z4ai {
namespace {

template <typename U>
void sub_encode(const uint8_t* in, const uint8_t* ref, size_t n, uint8_t* out) {
    using S = std::make_signed_t<U>;
    constexpr unsigned bits = sizeof(U) * 8;
    for (size_t i = 0; i < n; ++i) {
        U a, b;
        std::memcpy(&a, in + i * sizeof(U), sizeof(U));
        std::memcpy(&b, ref + i * sizeof(U), sizeof(U));
        U d = static_cast<U>(a - b);
        U z = static_cast<U>((d << 1) ^ static_cast<U>(static_cast<S>(d) >> (bits - 1)));
        std::memcpy(out + i * sizeof(U), &z, sizeof(U));
    }
}

template <typename U>
void sub_decode(const uint8_t* in, const uint8_t* ref, size_t n, uint8_t* out) {
    for (size_t i = 0; i < n; ++i) {
        U z, b;
        std::memcpy(&z, in + i * sizeof(U), sizeof(U));
        std::memcpy(&b, ref + i * sizeof(U), sizeof(U));
        U d = static_cast<U>((z >> 1) ^ static_cast<U>(0 - (z & 1)));
        U a = static_cast<U>(b + d);
        std::memcpy(out + i * sizeof(U), &a, sizeof(U));
    }
}

template <bool Encode>
void sub_dispatch(const uint8_t* in, const uint8_t* ref, size_t size, unsigned width, uint8_t* out) {
    size_t n = size / width;
    switch (width) {
        case 1: Encode ? sub_encode<uint8_t>(in, ref, n, out) : sub_decode<uint8_t>(in, ref, n, out); break;
        case 2: Encode ? sub_encode<uint16_t>(in, ref, n, out) : sub_decode<uint16_t>(in, ref, n, out); break;
        case 4: Encode ? sub_encode<uint32_t>(in, ref, n, out) : sub_decode<uint32_t>(in, ref, n, out); break;
        default:
            Encode ? sub_encode<uint64_t>(in, ref, n, out) : sub_decode<uint64_t>(in, ref, n, out);
            break;
    }
    size_t done = n * width;
    delta_xor(in + done, ref + done, size - done, out + done);
}

}  // namespace

void delta_xor(const uint8_t* in, const uint8_t* ref, size_t size, uint8_t* out) noexcept {
    for (size_t i = 0; i < size; ++i) out[i] = in[i] ^ ref[i];
}

void delta_sub_encode(const uint8_t* in, const uint8_t* ref, size_t size, unsigned width,
                      uint8_t* out) noexcept {
    sub_dispatch<true>(in, ref, size, width, out);
}

void delta_sub_decode(const uint8_t* in, const uint8_t* ref, size_t size, unsigned width,
                      uint8_t* out) noexcept {
    sub_dispatch<false>(in, ref, size, width, out);
}

}  // namespace z4ai
