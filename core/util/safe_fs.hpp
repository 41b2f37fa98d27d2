// safe_fs.hpp - the one place where z4ai creates, replaces and removes files.
//
// Rules (docs/SECURITY.md, "Files on disk"):
//  - temporaries get unique names (mkostemp/mkdtemp) in the directory of their target, so
//    a rename moves them into place atomically and a stale or planted name is never reused;
//  - nothing is opened through a symlink when it is created inside a temporary directory
//    (openat + O_NOFOLLOW, component by component), and nothing is deleted that this
//    process did not create, except an archive the caller asked to replace;
//  - every live temporary is in a registry that remove_temporaries() empties from a
//    signal handler (async-signal-safe), so SIGINT/SIGTERM leave nothing behind;
//  - an existing output that is not a regular file (/dev/null, a FIFO, /dev/stdout) is
//    written in place, never renamed over; a directory is refused;
//  - inputs are read with pread, so a file that shrinks while it is read is
//    Code::truncated, never SIGBUS.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "util/buffer.hpp"

namespace z4ai::fs {

// ---- temporaries registry (signal cleanup) ----
// Removes every registered temporary (files, and directory trees that this process made).
// Async-signal-safe: fixed storage, raw syscalls only.
void remove_temporaries() noexcept;
// Installs SIGINT/SIGTERM/SIGHUP handlers that call remove_temporaries() and then re-raise
// the signal with its previous disposition. Signals whose handler the application already
// set are left alone. Idempotent.
void install_signal_cleanup() noexcept;

// ---- paths ----
// The parent directory of path ("." if none) and its last component.
std::string parent_of(const std::string& path);
std::string base_name_of(const std::string& path);
// Archive-relative member paths: non-empty, at most 4096 bytes, no NUL, not absolute, no
// empty, "." or ".." component, no backslash. Throws `code` naming `what` otherwise.
void validate_relative_path(std::string_view path, int32_t code, const char* what);

// ---- descriptors ----
class Fd {
   public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd();
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() {
        int f = fd_;
        fd_ = -1;
        return f;
    }
    explicit operator bool() const { return fd_ >= 0; }

   private:
    int fd_ = -1;
};

// Opens `rel` (validated relative path) beneath directory `dir` without following any
// symlink on the way (every component O_NOFOLLOW). flags are open(2) flags for the last
// component (O_NOFOLLOW and O_CLOEXEC are added). Throws io naming `shown`.
Fd open_beneath(int dir, const std::string& rel, int flags, mode_t mode, const std::string& shown);
// Opens a member for reading beneath `dir`: must be a regular file (FIFOs, devices and
// symlinks are refused without blocking). *size receives its size.
Fd open_regular_beneath(int dir, const std::string& rel, uint64_t* size, const std::string& shown);
// Creates the directories of `rel_dir` beneath `dir` (mkdirat, no symlink followed).
void make_dirs_beneath(int dir, const std::string& rel_dir, mode_t mode, const std::string& shown);
// Removes `name` in `dir` and, if it is a directory, everything under it, never following
// a symlink (a symlink is unlinked, not its target). Empty directories included.
void remove_tree_at(int dir, const std::string& name);

// Reads exactly n bytes at offset; a short read is Code::truncated ("shrank while reading").
void pread_exact(int fd, uint64_t offset, uint8_t* dst, size_t n, const std::string& shown);
// Writes all n bytes.
void write_all(int fd, const uint8_t* src, size_t n, const std::string& shown);

// A whole regular file read into memory with pread (replaces the former mmap: a file
// truncated while it is read is an error, not a signal).
class LoadedFile {
   public:
    explicit LoadedFile(const std::string& path);
    Bytes bytes() const { return data_.span(); }

   private:
    Buffer data_;
};

// ---- outputs ----
// The output of one file. A regular (or absent) target gets a unique temporary beside it,
// renamed into place by commit(); an existing non-regular target (character device, FIFO,
// socket, or a symlink to one) is opened and written in place; a directory is refused.
// Destroyed before commit(): the temporary is removed (an in-place target is left as is).
class OutputFile {
   public:
    // mode: permissions of a created file (before the umask when respect_umask).
    explicit OutputFile(const std::string& path, mode_t mode = 0666, bool respect_umask = true);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    void write(const uint8_t* data, size_t n);
    void commit();
    bool in_place() const { return in_place_; }
    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }

   private:
    std::string path_, temp_;
    Fd fd_;
    mode_t mode_;
    int slot_ = -1;
    bool in_place_ = false, committed_ = false;
};

// A unique temporary directory beside `target` (".NAME.z4ai-partial-XXXXXX"), removed
// with everything in it unless committed. Everything inside is created by this process.
class TempDir {
   public:
    explicit TempDir(const std::string& target);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    // Renames the temporary onto `target`. With `replace_existing`, an existing directory
    // at target (checked by the caller) is first moved aside to a unique name, and removed
    // once the new one is in place (put back if that fails).
    void commit(bool replace_existing);

   private:
    std::string target_, path_;
    Fd fd_;
    int slot_ = -1;
    bool committed_ = false;
};

}  // namespace z4ai::fs
