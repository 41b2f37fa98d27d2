#include "transform/exception_list.hpp"

namespace z4ai {

void put_varint(Buffer& out, uint64_t v) {
    uint8_t tmp[10];
    unsigned n = 0;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        tmp[n++] = static_cast<uint8_t>(b | (v ? 0x80 : 0));
    } while (v);
    out.append(tmp, n);
}

uint64_t get_varint(Bytes in, size_t* pos, uint64_t offset) {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pos >= in.size()) fail_corrupt("truncated varint in a structured-layout stream", offset);
        uint8_t b = in[(*pos)++];
        if (shift == 63 && (b & 0x7E)) fail_corrupt("varint overflows 64 bits", offset);
        v |= uint64_t(b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
    fail_corrupt("varint longer than 10 bytes", offset);
}

void ExceptionWriter::add(uint64_t position) {
    put_varint(out_, position - next_);
    next_ = position + 1;
    ++count_;
}

void ExceptionReader::advance() {
    if (pos_ >= in_.size()) {
        next_ = UINT64_MAX;
        return;
    }
    uint64_t gap = get_varint(in_, &pos_, offset_);
    uint64_t base = started_ ? base_ : 0;
    if (gap >= limit_ || base + gap >= limit_) fail_corrupt("exception position out of range", offset_);
    next_ = base + gap;
    base_ = next_ + 1;
    started_ = true;
    ++count_;
}

}  // namespace z4ai
