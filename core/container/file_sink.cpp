#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "container/container.hpp"
#include "util/status.hpp"

namespace z4ai {

AtomicFileSink::AtomicFileSink(const std::string& path) : path_(path) {
    std::vector<char> name(path.begin(), path.end());
    const char* suffix = ".z4tmp.XXXXXX";
    name.insert(name.end(), suffix, suffix + std::strlen(suffix) + 1);
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) fail(Code::io, path + ": cannot create a temporary file: " + std::strerror(errno));
    temp_ = name.data();
}

AtomicFileSink::~AtomicFileSink() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFileSink::write(const uint8_t* data, size_t n) {
    while (n) {
        ssize_t w = ::write(fd_, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail(Code::io, path_ + ": write failed: " + std::strerror(errno));
        data += w;
        n -= static_cast<size_t>(w);
        written += static_cast<uint64_t>(w);
    }
}

void AtomicFileSink::commit() {
    ::fchmod(fd_, 0644);
    if (::close(fd_) != 0) {
        fd_ = -1;
        fail(Code::io, path_ + ": close failed: " + std::strerror(errno));
    }
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0)
        fail(Code::io, path_ + ": rename failed: " + std::strerror(errno));
    committed_ = true;
}

}  // namespace z4ai
