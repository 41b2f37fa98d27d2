#include "entropy/brotli_backend.hpp"

#include <brotli/decode.h>
#include <brotli/encode.h>

#include <algorithm>
#include <bit>

#include "util/status.hpp"

namespace z4ai {

void brotli_encode(Bytes in, const LzOptions& options, Buffer& out) {
    size_t bound = BrotliEncoderMaxCompressedSize(in.size());
    if (bound == 0) bound = in.size() + 1024;
    size_t old = out.size();
    out.reserve(old + bound);
    size_t written = bound;
    // A window no larger than the input: same output size, far less memory to
    // map and clear per call (max tier calls this for every candidate stream).
    int window = std::max(BROTLI_MIN_WINDOW_BITS, static_cast<int>(std::bit_width(in.size())));
    window = std::min(window, options.brotli_window);
    if (!BrotliEncoderCompress(options.brotli_quality, window, BROTLI_MODE_GENERIC, in.size(), in.data(),
                               &written, out.data() + old))
        fail(Code::internal, "brotli compression failed");
    out.resize(old + written);
}

void brotli_decode(Bytes encoded, uint8_t* dst, size_t decoded_size) {
    BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (!s) fail(Code::memory, "cannot create brotli decoder");
    size_t avail_in = encoded.size();
    const uint8_t* next_in = encoded.data();
    size_t avail_out = decoded_size;
    uint8_t* next_out = dst;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    // A valid stream of exactly decoded_size bytes finishes with all input used;
    // NEEDS_MORE_OUTPUT means the stream claims more bytes than declared.
    bool ok = r == BROTLI_DECODER_RESULT_SUCCESS && avail_out == 0 && avail_in == 0;
    BrotliDecoderDestroyInstance(s);
    if (!ok) fail(Code::corrupt, "brotli stream does not decode to its declared size");
}

}  // namespace z4ai
