#include "io.hpp"

#include "z4ai.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace z4ai_cli {
namespace {

// The one temp file being written, for the signal handler (async-signal-safe unlink).
char g_temp_path[4096];

void on_signal(int sig) {
    if (g_temp_path[0]) unlink(g_temp_path);
    z4ai_remove_temporaries();  // the library's temporaries (archives, containers)
    signal(sig, SIG_DFL);
    raise(sig);
}

[[noreturn]] void io_fail(const std::string& what, const std::string& name) {
    throw CliError{name + ": " + what + ": " + std::strerror(errno)};
}

std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

void install_signal_handlers() {
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
}

Input::Input(const std::string& path) {
    if (path == "-") {
        fd_ = 0;
        name_ = "stdin";
    } else {
        name_ = path;
        fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) io_fail("cannot open", path);
        owned_ = true;
        struct stat st;
        if (fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            io_fail("cannot read", path);
        }
        if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<uint64_t>(st.st_size);
    }
}

Input::~Input() {
    if (owned_) close(fd_);
}

size_t Input::read(void* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = ::read(fd_, static_cast<char*>(dst) + got, n - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            io_fail("read error", name_);
        }
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    return got;
}

Output::Output(const std::string& path, bool force) {
    if (path == "-") {
        fd_ = 1;
        is_stdout_ = true;
        name_ = "stdout";
        return;
    }
    path_ = path;
    name_ = path;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        // /dev/null, a FIFO, /dev/stdout: written in place; renaming a temporary over it
        // would replace the device (or pipe) with a regular file.
        if (S_ISDIR(st.st_mode)) throw CliError{path + ": is a directory"};
        if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
            throw CliError{path + ": exists and is neither a regular file, a character device nor a FIFO"};
        fd_ = open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd_ < 0) io_fail("cannot open", path);
        in_place_ = true;
        install_signal_handlers();
        return;
    }
    if (!force && stat(path.c_str(), &st) == 0)
        throw CliError{path + ": already exists (use -f to overwrite)"};
    temp_ = directory_of(path) + "/." + path.substr(path.rfind('/') + 1) + ".z4ai-tmp-XXXXXX";
    if (temp_.size() >= sizeof g_temp_path) throw CliError{path + ": path too long"};
    std::strcpy(g_temp_path, temp_.c_str());
    install_signal_handlers();
    fd_ = mkstemp(g_temp_path);
    if (fd_ < 0) {
        g_temp_path[0] = 0;
        io_fail("cannot create output", path);
    }
    temp_ = g_temp_path;
}

Output::~Output() {
    if (is_stdout_) return;
    if (in_place_) {
        if (fd_ >= 0) close(fd_);
        return;
    }
    if (fd_ >= 0) close(fd_);
    if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
    g_temp_path[0] = 0;
}

void Output::write(const void* src, size_t n) {
    const char* p = static_cast<const char*>(src);
    while (n) {
        ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            io_fail("write error", name_);
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
}

void Output::commit() {
    if (is_stdout_) return;
    if (in_place_) {
        int fd = fd_;
        fd_ = -1;
        if (close(fd) != 0) io_fail("cannot close", name_);
        committed_ = true;
        return;
    }
    // Keep the permissions a plain create would give (mkstemp makes 0600).
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd_, 0666 & ~mask);
    if (fsync(fd_) != 0 && errno != EINVAL) io_fail("cannot flush", name_);
    if (close(fd_) != 0) {
        fd_ = -1;
        io_fail("cannot close", name_);
    }
    fd_ = -1;
    if (rename(temp_.c_str(), path_.c_str()) != 0) io_fail("cannot rename into place", name_);
    committed_ = true;
    g_temp_path[0] = 0;
}

std::string read_all(const std::string& path) {
    Input in(path);
    std::string data;
    if (in.size() != UINT64_MAX) data.reserve(in.size());
    char buf[1 << 16];
    for (;;) {
        size_t n = in.read(buf, sizeof buf);
        if (!n) break;
        data.append(buf, n);
    }
    return data;
}

bool stderr_is_terminal() { return isatty(2); }
bool stdout_is_terminal() { return isatty(1); }

}  // namespace z4ai_cli
