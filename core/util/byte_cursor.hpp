// byte_cursor.hpp - reads an encoded stream front to back; asking for more
// bytes than remain is Error(corrupt) naming the stream, never a read past it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/status.hpp"

namespace z4ai {

struct ByteCursor {
    const uint8_t* p;
    size_t left;
    const char* truncated_message;  // e.g. "huffman stream truncated"

    const uint8_t* take(size_t n) {
        if (n > left) fail(Code::corrupt, truncated_message);
        const uint8_t* r = p;
        p += n;
        left -= n;
        return r;
    }
};

}  // namespace z4ai
