#include "util/source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "util/safe_fs.hpp"
#include "util/status.hpp"

namespace z4ai {

void Source::read_at(uint64_t offset, uint8_t* dst, size_t n) {
    if (offset > size_ || n > size_ - offset)
        fail(Code::truncated, "read of " + std::to_string(n) + " bytes at " + std::to_string(offset) +
                                  " runs past the end of the " + std::to_string(size_) + "-byte input");
    if (windowed_) {
        if (n) std::memcpy(dst, windowed(offset, n), n);
        return;
    }
    ++calls_;
    bytes_ += n;
    if (n) do_read(offset, dst, n);
}

const uint8_t* Source::windowed(uint64_t offset, size_t n) const {
    if (offset < window_offset_ || offset - window_offset_ > window_.size() ||
        n > window_.size() - (offset - window_offset_))
        fail(Code::invalid_argument, "the stored bytes given cover [" + std::to_string(window_offset_) +
                                         ", " + std::to_string(window_offset_ + window_.size()) + "), not [" +
                                         std::to_string(offset) + ", " + std::to_string(offset + n) + ")");
    return window_.data() + (offset - window_offset_);
}

Bytes Source::view(uint64_t offset, size_t n, Buffer& scratch) {
    if (windowed_) return Bytes(windowed(offset, n), n);
    Bytes m = memory();
    if (m.data()) {
        if (offset > m.size() || n > m.size() - offset)
            fail(Code::truncated, "read of " + std::to_string(n) + " bytes at " + std::to_string(offset) +
                                      " runs past the end of the input");
        ++calls_;
        bytes_ += n;
        return m.subspan(static_cast<size_t>(offset), n);
    }
    scratch.resize(n);
    read_at(offset, scratch.data(), n);
    return scratch.span();
}

namespace {

class MemorySource final : public Source {
   public:
    explicit MemorySource(Bytes d) : data_(d) { size_ = d.size(); }
    Bytes memory() const override { return data_; }

   private:
    void do_read(uint64_t offset, uint8_t* dst, size_t n) override {
        std::memcpy(dst, data_.data() + offset, n);
    }
    Bytes data_;
};

// pread only, never mmap: a mapped file that shrinks under the reader kills the process
// with SIGBUS; a short pread is Code::truncated.
class FileSource final : public Source {
   public:
    explicit FileSource(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ < 0) fail(Code::io, path + ": " + std::strerror(errno));
        struct stat st;
        if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd_);
            fail(Code::io, path + ": not a regular file");
        }
        size_ = static_cast<uint64_t>(st.st_size);
    }
    FileSource(int fd, const std::string& shown, uint64_t size) : path_(shown), fd_(fd) { size_ = size; }
    ~FileSource() override { ::close(fd_); }

   private:
    void do_read(uint64_t offset, uint8_t* dst, size_t n) override {
        fs::pread_exact(fd_, offset, dst, n, path_);
    }
    std::string path_;
    int fd_ = -1;
};

class CallbackSource final : public Source {
   public:
    CallbackSource(ReadAtFn fn, void* user, uint64_t size) : fn_(fn), user_(user) { size_ = size; }

   private:
    void do_read(uint64_t offset, uint8_t* dst, size_t n) override {
        int32_t rc = fn_(user_, offset, dst, n);
        if (rc != 0)
            fail(Code::io, "read-at callback failed (" + std::to_string(rc) + ") reading " +
                               std::to_string(n) + " bytes at " + std::to_string(offset));
    }
    ReadAtFn fn_;
    void* user_;
};

// Copies a callback-written C string out of a fixed field, bounded even if unterminated.
std::string bounded(const char* s, size_t cap) { return std::string(s, strnlen(s, cap)); }

class VersionedCallbackSource final : public Source {
   public:
    VersionedCallbackSource(ReadAtExFn fn, uint64_t size) : fn_(std::move(fn)) { size_ = size; }

   private:
    void do_read(uint64_t offset, uint8_t* dst, size_t n) override {
        ReadResult result;
        std::memset(&result, 0, sizeof result);
        int32_t rc = fn_(offset, dst, n, &result);
        const std::string range = std::to_string(n) + " bytes at " + std::to_string(offset);
        if (rc != 0) {
            std::string msg = bounded(result.message, sizeof result.message);
            fail(Code::io, "read-at callback failed (" + std::to_string(rc) + ") reading " + range +
                               (msg.empty() ? std::string() : ": " + msg));
        }
        std::string version = bounded(result.version, sizeof result.version);
        if (version.empty()) return;
        std::lock_guard<std::mutex> lock(mutex_);
        if (pinned_.empty()) {
            pinned_ = version;
        } else if (version != pinned_) {
            fail(Code::io, "the input changed while it was being read: version '" + pinned_ +
                               "' when first read, '" + version + "' reading " + range);
        }
    }
    ReadAtExFn fn_;
    std::mutex mutex_;
    std::string pinned_;
};

class PartsSource final : public Source {
   public:
    PartsSource(uint64_t size, Bytes head, Bytes tail) {
        size_ = size;
        if (head.size() > size || tail.size() > size)
            fail(Code::invalid_argument, "head or tail larger than the input");
        head_.append(head.data(), head.size());
        tail_.append(tail.data(), tail.size());
        tail_at_ = size - tail.size();
    }

   private:
    void do_read(uint64_t offset, uint8_t* dst, size_t n) override {
        if (offset + n <= head_.size()) {
            std::memcpy(dst, head_.data() + offset, n);
        } else if (offset >= tail_at_) {
            std::memcpy(dst, tail_.data() + (offset - tail_at_), n);
        } else {
            throw MissingRange(offset, n,
                               "input bytes [" + std::to_string(offset) + ", " + std::to_string(offset + n) +
                                   ") were not fetched (opened from a head of " + std::to_string(head_.size()) +
                                   " and a tail of " + std::to_string(tail_.size()) +
                                   " bytes): fetch the tensor's extent and use read_tensor_from");
        }
    }
    Buffer head_, tail_;
    uint64_t tail_at_ = 0;
};

}  // namespace

std::unique_ptr<Source> parts_source(uint64_t size, Bytes head, Bytes tail) {
    return std::make_unique<PartsSource>(size, head, tail);
}
std::unique_ptr<Source> memory_source(Bytes data) { return std::make_unique<MemorySource>(data); }
std::unique_ptr<Source> file_source(const std::string& path) { return std::make_unique<FileSource>(path); }
std::unique_ptr<Source> fd_source(int fd, const std::string& shown, uint64_t size) {
    return std::make_unique<FileSource>(fd, shown, size);
}
std::unique_ptr<Source> callback_source(ReadAtFn fn, void* user, uint64_t size) {
    if (!fn) fail(Code::invalid_argument, "read-at callback must not be NULL");
    return std::make_unique<CallbackSource>(fn, user, size);
}
std::unique_ptr<Source> versioned_callback_source(ReadAtExFn fn, uint64_t size) {
    if (!fn) fail(Code::invalid_argument, "read-at callback must not be NULL");
    return std::make_unique<VersionedCallbackSource>(std::move(fn), size);
}

}  // namespace z4ai
