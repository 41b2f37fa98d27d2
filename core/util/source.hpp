// source.hpp - random-access byte sources for container readers: a memory
// buffer (zero-copy), a file (pread; never mmap, see safe_fs.hpp), or a caller's read-at callback (object
// storage, HTTP range requests, Python file-like objects). Every source counts
// the calls and bytes it serves, so tests can check what a read touched.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "util/buffer.hpp"

namespace z4ai {

// Signature of the caller's callback: fill dst with exactly size bytes from offset.
// Returns 0 on success; anything else is an I/O failure (reported as Code::io).
using ReadAtFn = int32_t (*)(void* user, uint64_t offset, void* dst, size_t size);

class Source {
   public:
    virtual ~Source() = default;
    uint64_t size() const { return size_; }
    // Reads exactly n bytes at offset; throws truncated past the end, io on failure.
    void read_at(uint64_t offset, uint8_t* dst, size_t n);
    // The whole source as memory, if it is memory (no copy); empty otherwise.
    virtual Bytes memory() const { return {}; }
    // A view of [offset, offset + n): memory sources return it directly, others fill
    // `scratch` and return a view of it.
    Bytes view(uint64_t offset, size_t n, Buffer& scratch);

    uint64_t calls() const { return calls_; }
    uint64_t bytes_read() const { return bytes_; }

   protected:
    virtual void do_read(uint64_t offset, uint8_t* dst, size_t n) = 0;
    uint64_t size_ = 0;

   private:
    uint64_t calls_ = 0;
    uint64_t bytes_ = 0;
};

std::unique_ptr<Source> memory_source(Bytes data);
// Opens a file for pread; throws io (naming the path) if it cannot be opened.
std::unique_ptr<Source> file_source(const std::string& path);
// Takes ownership of an open regular file of `size` bytes (`shown` names it in errors).
std::unique_ptr<Source> fd_source(int fd, const std::string& shown, uint64_t size);
std::unique_ptr<Source> callback_source(ReadAtFn fn, void* user, uint64_t size);

}  // namespace z4ai
