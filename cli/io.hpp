// io.hpp - CLI file handling: inputs from a path or stdin, outputs written
// atomically (temp file in the target directory + rename; removed on failure or
// on SIGINT/SIGTERM), stdout for "-".
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

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
    // Size if the input is a regular file, else UINT64_MAX.
    uint64_t size() const { return size_; }
    const std::string& name() const { return name_; }

   private:
    int fd_ = -1;
    bool owned_ = false;
    uint64_t size_ = UINT64_MAX;
    std::string name_;
};

class Output {
   public:
    // "-" = stdout. Refuses to replace an existing file unless force.
    Output(const std::string& path, bool force);
    ~Output();  // discards the temp file unless commit() succeeded
    void write(const void* src, size_t n);
    void commit();
    const std::string& name() const { return name_; }

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

bool stderr_is_terminal();
bool stdout_is_terminal();

}  // namespace z4ai_cli
