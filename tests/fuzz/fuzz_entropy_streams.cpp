// fuzz_entropy_streams: z4ai's own entropy decoders on raw streams, below the
// frame layer (where block checksums would reject most mutations before a
// decoder sees them). Input: byte 0 picks the backend (bit 0: 4 Huffman or
// 5 fastx) and whether to round-trip, byte 1 the SIMD level cap, bytes 2..5
// the decoded size (mod 1 MiB), then the stream. Invariants: decoding returns
// or throws Error(corrupt), never touches memory outside the output (ASan),
// and every SIMD path gives the same bytes; encoding the stream's bytes and
// decoding them gives them back. Uses core internals (not the C ABI) on purpose.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "entropy/fastx/fastx.hpp"
#include "entropy/huffman/huffman.hpp"
#include "simd/cpu.hpp"
#include "util/status.hpp"

using namespace z4ai;

namespace {

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "z4ai fuzz invariant violated: %s\n", what);
    std::abort();
}

// Decodes at one SIMD level; returns false on Error(corrupt).
bool decode(bool fastx_stream, Bytes in, std::vector<uint8_t>& out, simd::Level level) {
    simd::set_cap(level);
    try {
        if (fastx_stream)
            fastx::decode(in, out.data(), out.size());
        else
            huffman::decode(in, out.data(), out.size());
    } catch (const Error& e) {
        if (e.code() != Code::corrupt) die("decoder failed with a code other than corrupt");
        return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 6) return 0;
    const bool fastx_stream = data[0] & 1, roundtrip = data[0] & 2;
    const simd::Level top = static_cast<simd::Level>(data[1] % 3);
    uint32_t n;
    std::memcpy(&n, data + 2, 4);
    n %= 1u << 20;
    const Bytes in(data + 6, size - 6);

    if (roundtrip) {
        Buffer enc;
        if (fastx_stream)
            fastx::encode(in, fastx::kMinSegmentLog + data[1] % 3, enc);
        else
            huffman::encode(in, huffman::kMinSegmentLog + data[1] % 3, enc);
        std::vector<uint8_t> back(in.size());
        if (!decode(fastx_stream, enc.span(), back, top)) die("a fresh encoding did not decode");
        if (!in.empty() && std::memcmp(back.data(), in.data(), in.size()) != 0)
            die("round trip changed the bytes");
        simd::set_cap(simd::Level::avx512);
        return 0;
    }
    std::vector<uint8_t> first(n), other(n);
    const bool ok = decode(fastx_stream, in, first, top);
    // The portable path must agree with the vector path on every stream.
    if (top != simd::Level::scalar) {
        const bool ok_scalar = decode(fastx_stream, in, other, simd::Level::scalar);
        if (ok != ok_scalar) die("SIMD and portable decoders disagree on validity");
        if (ok && first != other) die("SIMD and portable decoders disagree on output");
    }
    simd::set_cap(simd::Level::avx512);
    return 0;
}
