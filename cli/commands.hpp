// commands.hpp - the z4ai subcommands.
#pragma once
#include <cstdint>
#include <string>

#include "io.hpp"
#include "options.hpp"

namespace z4ai_cli {
int run_compress(const Options& o);
int run_decompress(const Options& o);
int run_test(const Options& o);
int run_list(const Options& o);
int run_info(const Options& o);
int run_bench(const Options& o);
int run_ls(const Options& o);
int run_extract(const Options& o);

// Model-directory archives (cmd_container.cpp): true when `input` was a directory
// (compress) or an archive directory (decompress) and has been handled.
bool compress_special(const Options& o, const std::string& input);
bool decompress_special(const Options& o, const std::string& input);

// Single-file containers (cmd_container.cpp). `in` has been peeked, not consumed.
// .safetensors (or stdin holding one) -> .zstn, or .z4dm with a .safetensors reference.
void compress_container(const Options& o, const std::string& input, Input& in);
// .zstn / .z4dm -> .safetensors; with test = true decode and verify every tensor, write nothing.
void decompress_container(const Options& o, const std::string& input, Input& in, int32_t kind, bool test);

// One line of `z4ai -l` for a container, model delta, .safetensors or archive directory.
struct ListRow {
    std::string kind, parts, check;
    uint64_t stored = 0, original = 0;
};
ListRow list_container(const Options& o, const std::string& path);
ListRow list_archive(const Options& o, const std::string& dir);
// -t of an archive directory: every member decoded and verified; returns the bytes decoded.
uint64_t test_archive(const Options& o, const std::string& dir, size_t* members);

// Which kind of input a file is, from its first bytes (Z4AI_KIND_*).
int32_t detect_kind(const std::string& prefix, uint64_t total_size);

std::string human_size(double bytes);

// `z4ai store ...` (cmd_store.cpp): runs `python3 -m z4ai.store` with the remaining arguments.
int run_store(int argc, char** argv);
}  // namespace z4ai_cli
