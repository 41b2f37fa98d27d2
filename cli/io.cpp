#include "io.hpp"

#include "z4ai.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
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
    if (!pushback_.empty()) {
        got = std::min(n, pushback_.size());
        std::memcpy(dst, pushback_.data(), got);
        pushback_.erase(0, got);
    }
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

std::string Input::peek(size_t n) {
    if (pushback_.size() < n) {
        std::string more(n - pushback_.size(), '\0');
        std::string saved;
        saved.swap(pushback_);
        size_t got = read(more.data(), more.size());
        pushback_ = saved + more.substr(0, got);
    }
    return pushback_.substr(0, std::min(n, pushback_.size()));
}

std::string Input::read_rest(uint64_t limit, const char* what) {
    std::string data;
    if (size_ != UINT64_MAX) {
        if (size_ > limit)
            throw CliError{name_ + ": " + what + " is held in memory and is larger than the limit (" +
                           std::to_string(limit) + " bytes; set Z4AI_PIPE_LIMIT=BYTES or give a file name)"};
        data.reserve(size_);
    }
    char buf[1 << 16];
    for (;;) {
        size_t n = read(buf, sizeof buf);
        if (!n) break;
        if (data.size() + n > limit)
            throw CliError{name_ + ": " + what + " is held in memory and is larger than the limit (" +
                           std::to_string(limit) + " bytes; set Z4AI_PIPE_LIMIT=BYTES or give a file name)"};
        data.append(buf, n);
    }
    return data;
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

uint64_t pipe_limit() {
    if (const char* env = std::getenv("Z4AI_PIPE_LIMIT")) {
        char* end = nullptr;
        unsigned long long v = std::strtoull(env, &end, 10);
        if (end && *end == 0 && v) return v;
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return uint64_t(pages) * uint64_t(page) / 2;
    return uint64_t(4) << 30;
}

bool is_directory(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_regular_file(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void walk_files(const std::string& root, std::vector<std::string>& out, bool quiet) {
    DIR* d = opendir(root.c_str());
    if (!d) io_fail("cannot open directory", root);
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    std::string prefix = root.empty() || root.back() == '/' ? root : root + "/";
    for (const std::string& n : names) {
        std::string full = prefix + n;
        struct stat st;
        if (lstat(full.c_str(), &st) != 0) io_fail("cannot stat", full);
        if (S_ISDIR(st.st_mode))
            walk_files(full, out, quiet);
        else if (S_ISREG(st.st_mode))
            out.push_back(full);
        else if (!quiet)
            std::fprintf(stderr, "z4ai: %s: not a regular file -- ignored\n", full.c_str());
    }
}

bool stderr_is_terminal() { return isatty(2); }
bool stdout_is_terminal() { return isatty(1); }

}  // namespace z4ai_cli
