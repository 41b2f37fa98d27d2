// source.hpp - random-access byte sources for container readers: a memory
// buffer (zero-copy), a file (pread; never mmap, see safe_fs.hpp), or a caller's read-at callback (object
// storage, HTTP range requests, Python file-like objects). Every source counts
// the calls and bytes it serves, so tests can check what a read touched.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "util/buffer.hpp"
#include "util/status.hpp"

namespace z4ai {

// Signature of the caller's callback: fill dst with exactly size bytes from offset.
// Returns 0 on success; anything else is an I/O failure (reported as Code::io).
using ReadAtFn = int32_t (*)(void* user, uint64_t offset, void* dst, size_t size);

// A read-at callback that also reports what went wrong and which version of the
// object (ETag, generation) served the bytes: the layout of z4ai_read_result.
struct ReadResult {
    char version[128];
    char message[256];
};
using ReadAtExFn = std::function<int32_t(uint64_t offset, void* dst, size_t size, ReadResult* result)>;

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

    // While a window is set, every read is served from `bytes` (input bytes
    // [offset, offset + bytes.size())) and a read outside it fails: a caller that
    // fetched a tensor's stored bytes itself decodes from them without any I/O.
    void set_window(uint64_t offset, Bytes bytes) {
        window_offset_ = offset;
        window_ = bytes;
        windowed_ = true;
    }
    void clear_window() {
        windowed_ = false;
        window_ = {};
    }

   protected:
    virtual void do_read(uint64_t offset, uint8_t* dst, size_t n) = 0;
    uint64_t size_ = 0;

   private:
    // Bytes of the window holding [offset, offset + n); throws if it does not.
    const uint8_t* windowed(uint64_t offset, size_t n) const;

    uint64_t calls_ = 0;
    uint64_t bytes_ = 0;
    bool windowed_ = false;
    uint64_t window_offset_ = 0;
    Bytes window_;
};

std::unique_ptr<Source> memory_source(Bytes data);
// Opens a file for pread; throws io (naming the path) if it cannot be opened.
std::unique_ptr<Source> file_source(const std::string& path);
// Takes ownership of an open regular file of `size` bytes (`shown` names it in errors).
std::unique_ptr<Source> fd_source(int fd, const std::string& shown, uint64_t size);
std::unique_ptr<Source> callback_source(ReadAtFn fn, void* user, uint64_t size);
// Bytes a caller fetched itself: input [0, head.size()) and the last tail.size()
// bytes of an input of `size` bytes (both copied). A read of anything else throws
// MissingRange, which says what to fetch.
struct MissingRange : Error {
    MissingRange(uint64_t off, uint64_t n, std::string message)
        : Error(Code::invalid_argument, std::move(message)), offset(off), size(n) {}
    uint64_t offset, size;
};
std::unique_ptr<Source> parts_source(uint64_t size, Bytes head, Bytes tail);
// Like callback_source; the first version the callback reports is pinned and any
// later different one fails with io (the object was replaced between requests).
// The callback may be called from several threads at once.
std::unique_ptr<Source> versioned_callback_source(ReadAtExFn fn, uint64_t size);

}  // namespace z4ai
