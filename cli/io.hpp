// io.hpp - CLI file handling: inputs from a path or stdin, outputs written
// atomically (temp file in the target directory + rename; removed on failure or
// on SIGINT/SIGTERM), stdout for "-".
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace z4ai_cli {

struct CliError {
    std::string message;
};

class Input {
   public:
    explicit Input(const std::string& path);  // "-" = stdin
    ~Input();
    // Reads up to n bytes; returns 0 at end of input.
    size_t read(void* dst, size_t n);
    // The first n bytes (fewer at end of input) without consuming them: the next
    // read() returns them again. Works on pipes, where sniffing by path cannot.
    std::string peek(size_t n);
    // Everything not yet read, at most `limit` bytes (CliError naming the limit beyond).
    std::string read_rest(uint64_t limit, const char* what);
    bool is_regular() const { return size_ != UINT64_MAX; }
    // Size if the input is a regular file, else UINT64_MAX.
    uint64_t size() const { return size_; }
    const std::string& name() const { return name_; }

   private:
    int fd_ = -1;
    bool owned_ = false;
    uint64_t size_ = UINT64_MAX;
    std::string name_;
    std::string pushback_;
};

class Output {
   public:
    // "-" = stdout. Refuses to replace an existing file unless force.
    Output(const std::string& path, bool force);
    ~Output();  // discards the temp file unless commit() succeeded
    void write(const void* src, size_t n);
    void commit();
    const std::string& name() const { return name_; }
    bool is_stdout() const { return is_stdout_; }

   private:
    int fd_ = -1;
    bool is_stdout_ = false;
    bool in_place_ = false;  // an existing device or FIFO, written without a temporary
    bool committed_ = false;
    std::string path_, temp_, name_;
};

// Reads a whole file (or stdin) into memory.
std::string read_all(const std::string& path);

// SIGINT/SIGTERM/SIGHUP remove the CLI's temporary and the library's
// (z4ai_remove_temporaries), then end the process as the signal would.
void install_signal_handlers();

// Bytes a container may occupy in memory when it goes through a pipe (it cannot be
// streamed: its index is at the end): Z4AI_PIPE_LIMIT, else half the physical memory.
uint64_t pipe_limit();

// Regular files below root (sorted, relative to root); symlinks and special files are
// skipped with a warning unless quiet.
void walk_files(const std::string& root, std::vector<std::string>& out, bool quiet);

bool is_directory(const std::string& path);
bool is_regular_file(const std::string& path);

bool stderr_is_terminal();
bool stdout_is_terminal();

}  // namespace z4ai_cli
