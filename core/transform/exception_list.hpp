// exception_list.hpp - strictly increasing element positions stored as LEB128
// gaps: the first position, then (p[i] - p[i-1] - 1) for each later one. Used by
// the structured layouts (narrow, scaled-int) for the elements their model does
// not reproduce exactly. The reader validates everything it is given.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/buffer.hpp"

namespace z4ai {

class ExceptionWriter {
   public:
    explicit ExceptionWriter(Buffer& out) : out_(out) { out_.clear(); }
    void add(uint64_t position);  // positions must be strictly increasing
    size_t count() const noexcept { return count_; }

   private:
    Buffer& out_;
    uint64_t next_ = 0;  // smallest position the next call may use
    size_t count_ = 0;
};

class ExceptionReader {
   public:
    // `limit`: positions must be < limit. `offset` is for error messages.
    ExceptionReader(Bytes in, uint64_t limit, uint64_t offset) : in_(in), limit_(limit), offset_(offset) {
        advance();
    }
    // Position of the next exception, or UINT64_MAX when the list is exhausted.
    uint64_t peek() const noexcept { return next_; }
    void pop() { advance(); }
    size_t consumed() const noexcept { return count_; }

   private:
    void advance();
    Bytes in_;
    size_t pos_ = 0;
    uint64_t limit_;
    uint64_t offset_;
    uint64_t base_ = 0;
    uint64_t next_ = UINT64_MAX;
    size_t count_ = 0;
    bool started_ = false;
};

// LEB128 helpers shared by the structured layouts.
void put_varint(Buffer& out, uint64_t v);
// Reads one varint at in[*pos]; throws corrupt when truncated or longer than 10 bytes.
uint64_t get_varint(Bytes in, size_t* pos, uint64_t offset);

}  // namespace z4ai
