#include "util/safe_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "util/status.hpp"

namespace z4ai::fs {
namespace {

// ---- registry of live temporaries ----
// Fixed storage so the signal handler needs no allocation. 64 slots: one archive write
// or restore holds at most two (its directory and one member file).
constexpr int kSlots = 64;
constexpr size_t kPathMax = 4096;
struct Slot {
    std::atomic<int> state{0};  // 0 free, 1 being filled, 2 live
    bool dir = false;
    char path[kPathMax];
};
Slot g_slots[kSlots];

int register_temp(const std::string& path, bool dir) {
    install_signal_cleanup();
    if (path.size() >= kPathMax) return -1;
    for (int i = 0; i < kSlots; ++i) {
        int expected = 0;
        if (g_slots[i].state.compare_exchange_strong(expected, 1)) {
            std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
            g_slots[i].dir = dir;
            g_slots[i].state.store(2);
            return i;
        }
    }
    return -1;  // full: still removed by its owner, only not on a signal
}
void unregister_temp(int slot) {
    if (slot >= 0) g_slots[slot].state.store(0);
}

// Async-signal-safe removal of everything inside directory fd `dir` (raw getdents64,
// unlinkat, openat with O_NOFOLLOW: a symlink is removed, never followed).
struct LinuxDirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
void empty_dir_fd(int dir, int depth) noexcept {
    if (depth > 256) return;
    alignas(8) char buf[2048];
    for (;;) {
        long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0) return;
        bool removed = false;
        for (long at = 0; at < n;) {
            auto* e = reinterpret_cast<LinuxDirent64*>(buf + at);
            at += e->d_reclen;
            const char* name = e->d_name;
            if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
            if (::unlinkat(dir, name, 0) == 0) {
                removed = true;
                continue;
            }
            int sub = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                empty_dir_fd(sub, depth + 1);
                ::close(sub);
                if (::unlinkat(dir, name, AT_REMOVEDIR) == 0) removed = true;
            }
        }
        // Entries were removed while listing: start over so none is skipped.
        // (Entries that cannot be removed are passed over; the loop ends after them.)
        if (removed) ::lseek(dir, 0, SEEK_SET);
    }
}
void remove_tree_raw(int dir, const char* name) noexcept {
    if (::unlinkat(dir, name, 0) == 0) return;
    int sub = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) return;
    empty_dir_fd(sub, 0);
    ::close(sub);
    ::unlinkat(dir, name, AT_REMOVEDIR);
}

struct sigaction g_previous[3];
const int g_signals[3] = {SIGINT, SIGTERM, SIGHUP};
std::atomic<bool> g_installed{false};

void on_signal(int sig) {
    remove_temporaries();
    for (int i = 0; i < 3; ++i)
        if (g_signals[i] == sig) ::sigaction(sig, &g_previous[i], nullptr);
    ::raise(sig);
}

// Blocks SIGINT/SIGTERM/SIGHUP while a temporary is created and registered, so a signal
// arriving between the two is delivered after registration (and cleans it up).
class SignalBlock {
   public:
    SignalBlock() {
        install_signal_cleanup();
        sigset_t set;
        sigemptyset(&set);
        for (int s : g_signals) sigaddset(&set, s);
        pthread_sigmask(SIG_BLOCK, &set, &old_);
    }
    ~SignalBlock() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

   private:
    sigset_t old_;
};

[[noreturn]] void fail_errno(const std::string& what) { fail(Code::io, what + ": " + std::strerror(errno)); }

std::vector<std::string> split(const std::string& rel) {
    std::vector<std::string> parts;
    size_t at = 0;
    while (at <= rel.size()) {
        size_t slash = rel.find('/', at);
        if (slash == std::string::npos) slash = rel.size();
        parts.push_back(rel.substr(at, slash - at));
        at = slash + 1;
    }
    return parts;
}

mode_t current_umask() {
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    mode_t mask = ::umask(022);
    ::umask(mask);
    return mask;
}

}  // namespace

void remove_temporaries() noexcept {
    for (Slot& s : g_slots) {
        if (s.state.load() != 2) continue;
        if (s.dir)
            remove_tree_raw(AT_FDCWD, s.path);
        else
            ::unlink(s.path);
        s.state.store(0);
    }
}

void install_signal_cleanup() noexcept {
    if (g_installed.exchange(true)) return;
    for (int i = 0; i < 3; ++i) {
        struct sigaction cur;
        if (::sigaction(g_signals[i], nullptr, &cur) != 0) continue;
        bool is_default = !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL;
        if (!is_default) continue;  // the application handles it (and may call z4ai_remove_temporaries)
        struct sigaction sa;
        std::memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        g_previous[i] = cur;
        ::sigaction(g_signals[i], &sa, nullptr);
    }
}

std::string parent_of(const std::string& path) {
    size_t end = path.size();
    while (end > 1 && path[end - 1] == '/') --end;
    size_t slash = path.rfind('/', end - 1);
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string base_name_of(const std::string& path) {
    size_t end = path.size();
    while (end > 1 && path[end - 1] == '/') --end;
    size_t slash = path.rfind('/', end - 1);
    return path.substr(slash == std::string::npos ? 0 : slash + 1,
                       end - (slash == std::string::npos ? 0 : slash + 1));
}

void validate_relative_path(std::string_view p, int32_t code, const char* what) {
    auto bad = [&](const char* why) {
        std::string shown(p.substr(0, 200));
        for (char& c : shown)
            if (c == 0) c = '?';
        fail(static_cast<Code>(code), std::string(what) + " \"" + shown + "\": " + why);
    };
    if (p.empty()) bad("empty path");
    if (p.size() > kPathMax) bad("path longer than 4096 bytes");
    if (p.find('\0') != std::string_view::npos) bad("path contains a NUL byte");
    if (p.find('\\') != std::string_view::npos) bad("path contains a backslash");
    if (p.front() == '/') bad("absolute path");
    size_t at = 0;
    while (at <= p.size()) {
        size_t slash = p.find('/', at);
        if (slash == std::string_view::npos) slash = p.size();
        std::string_view c = p.substr(at, slash - at);
        if (c.empty()) bad("empty path component");
        if (c == "." || c == "..") bad("'.' or '..' component (path traversal)");
        if (c.size() > 255) bad("path component longer than 255 bytes");
        at = slash + 1;
    }
}

Fd::~Fd() {
    if (fd_ >= 0) ::close(fd_);
}
Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.release();
    }
    return *this;
}

Fd open_beneath(int dir, const std::string& rel, int flags, mode_t mode, const std::string& shown) {
    std::vector<std::string> parts = split(rel);
    Fd cur;
    int at = dir;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        int next = ::openat(at, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            if (errno == ELOOP || errno == ENOTDIR)
                fail(Code::io, shown + ": '" + parts[i] + "' is a symlink or not a directory; not followed");
            fail_errno(shown);
        }
        cur = Fd(next);
        at = next;
    }
    int fd = ::openat(at, parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == ELOOP) fail(Code::io, shown + ": is a symlink; not followed");
        fail_errno(shown);
    }
    return Fd(fd);
}

Fd open_regular_beneath(int dir, const std::string& rel, uint64_t* size, const std::string& shown) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    Fd fd = open_beneath(dir, rel, O_RDONLY | O_NONBLOCK, 0, shown);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) fail_errno(shown);
    if (!S_ISREG(st.st_mode))
        fail(Code::io, shown + ": not a regular file (device, FIFO, socket or directory)");
    int fl = ::fcntl(fd.get(), F_GETFL);
    if (fl >= 0) ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    if (size) *size = static_cast<uint64_t>(st.st_size);
    return fd;
}

void make_dirs_beneath(int dir, const std::string& rel_dir, mode_t mode, const std::string& shown) {
    if (rel_dir.empty()) return;
    Fd cur;
    int at = dir;
    for (const std::string& c : split(rel_dir)) {
        if (::mkdirat(at, c.c_str(), mode) != 0 && errno != EEXIST)
            fail_errno(shown + ": cannot create directory");
        int next = ::openat(at, c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) fail(Code::io, shown + ": '" + c + "' is not a directory (or is a symlink)");
        cur = Fd(next);
        at = next;
    }
}

void remove_tree_at(int dir, const std::string& name) { remove_tree_raw(dir, name.c_str()); }

void pread_exact(int fd, uint64_t offset, uint8_t* dst, size_t n, const std::string& shown) {
    while (n) {
        ssize_t r = ::pread(fd, dst, n, static_cast<off_t>(offset));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail_errno(shown + ": read failed");
        if (r == 0)
            fail(Code::truncated, shown + ": file shrank while being read (" + std::to_string(n) +
                                      " bytes missing at offset " + std::to_string(offset) + ")");
        dst += r;
        n -= static_cast<size_t>(r);
        offset += static_cast<uint64_t>(r);
    }
}

void write_all(int fd, const uint8_t* src, size_t n, const std::string& shown) {
    while (n) {
        ssize_t w = ::write(fd, src, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail_errno(shown + ": write failed");
        src += w;
        n -= static_cast<size_t>(w);
    }
}

LoadedFile::LoadedFile(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) fail_errno(path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) fail_errno(path);
    if (!S_ISREG(st.st_mode)) fail(Code::io, path + ": not a regular file");
    data_.resize(static_cast<size_t>(st.st_size));
    pread_exact(fd.get(), 0, data_.data(), data_.size(), path);
}

OutputFile::OutputFile(const std::string& path, mode_t mode, bool respect_umask)
    : path_(path), mode_(respect_umask ? (mode & ~current_umask()) : mode) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) fail(Code::io, path + ": is a directory");
        if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
            fail(Code::io, path + ": exists and is neither a regular file, a character device nor a FIFO");
        // /dev/null, a FIFO, /dev/stdout: written in place (renaming over it would replace it).
        int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) fail_errno(path);
        fd_ = Fd(fd);
        in_place_ = true;
        return;
    }
    std::string name = path + ".z4tmp.XXXXXX";
    std::vector<char> buf(name.begin(), name.end());
    buf.push_back(0);
    SignalBlock block;
    int fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0) fail_errno(path + ": cannot create a temporary file");
    fd_ = Fd(fd);
    temp_ = buf.data();
    slot_ = register_temp(temp_, false);
}

OutputFile::~OutputFile() {
    fd_ = Fd();
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
    unregister_temp(slot_);
}

void OutputFile::write(const uint8_t* data, size_t n) { write_all(fd_.get(), data, n, path_); }

void OutputFile::commit() {
    if (!in_place_ && ::fchmod(fd_.get(), mode_) != 0) fail_errno(path_ + ": chmod failed");
    int fd = fd_.release();
    if (::close(fd) != 0) fail_errno(path_ + ": close failed");
    if (!in_place_ && ::rename(temp_.c_str(), path_.c_str()) != 0) fail_errno(path_ + ": rename failed");
    committed_ = true;
}

TempDir::TempDir(const std::string& target) : target_(target) {
    std::string name = parent_of(target) + "/." + base_name_of(target) + ".z4ai-partial-XXXXXX";
    std::vector<char> buf(name.begin(), name.end());
    buf.push_back(0);
    SignalBlock block;
    if (!::mkdtemp(buf.data())) fail_errno(target + ": cannot create a temporary directory");
    path_ = buf.data();
    slot_ = register_temp(path_, true);
    int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        ::rmdir(path_.c_str());
        unregister_temp(slot_);
        errno = e;
        fail_errno(path_);
    }
    fd_ = Fd(fd);
}

TempDir::~TempDir() {
    if (!committed_) {
        empty_dir_fd(fd_.get(), 0);
        fd_ = Fd();
        ::rmdir(path_.c_str());
    }
    unregister_temp(slot_);
}

void TempDir::commit(bool replace_existing) {
    if (::fchmod(fd_.get(), 0777 & ~current_umask()) != 0) fail_errno(path_ + ": chmod failed");
    std::string trash;
    if (replace_existing) {
        std::string name = parent_of(target_) + "/." + base_name_of(target_) + ".z4ai-old-XXXXXX";
        std::vector<char> buf(name.begin(), name.end());
        buf.push_back(0);
        if (!::mkdtemp(buf.data())) fail_errno(target_ + ": cannot create a temporary directory");
        trash = buf.data();
        if (::rename(target_.c_str(), trash.c_str()) != 0) {
            int e = errno;
            ::rmdir(trash.c_str());
            errno = e;
            fail_errno(target_ + ": cannot move the old archive aside");
        }
    }
    if (::rename(path_.c_str(), target_.c_str()) != 0) {
        int e = errno;
        if (!trash.empty()) ::rename(trash.c_str(), target_.c_str());
        errno = e;
        fail_errno(target_ + ": cannot rename into place");
    }
    committed_ = true;
    unregister_temp(slot_);
    slot_ = -1;
    if (!trash.empty()) remove_tree_at(AT_FDCWD, trash);
}

}  // namespace z4ai::fs
