#include "util/source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/safe_fs.hpp"
#include "util/status.hpp"

namespace z4ai {

void Source::read_at(uint64_t offset, uint8_t* dst, size_t n) {
    if (offset > size_ || n > size_ - offset)
        fail(Code::truncated, "read of " + std::to_string(n) + " bytes at " + std::to_string(offset) +
                                  " runs past the end of the " + std::to_string(size_) + "-byte input");
    ++calls_;
    bytes_ += n;
    if (n) do_read(offset, dst, n);
}

Bytes Source::view(uint64_t offset, size_t n, Buffer& scratch) {
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

}  // namespace

std::unique_ptr<Source> memory_source(Bytes data) { return std::make_unique<MemorySource>(data); }
std::unique_ptr<Source> file_source(const std::string& path) { return std::make_unique<FileSource>(path); }
std::unique_ptr<Source> fd_source(int fd, const std::string& shown, uint64_t size) {
    return std::make_unique<FileSource>(fd, shown, size);
}
std::unique_ptr<Source> callback_source(ReadAtFn fn, void* user, uint64_t size) {
    if (!fn) fail(Code::invalid_argument, "read-at callback must not be NULL");
    return std::make_unique<CallbackSource>(fn, user, size);
}

}  // namespace z4ai
