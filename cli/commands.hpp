// commands.hpp - the z4ai subcommands.
#pragma once
#include <string>

#include "options.hpp"

namespace z4ai_cli {
int run_compress(const Options& o);
int run_decompress(const Options& o);
int run_info(const Options& o);
int run_bench(const Options& o);
// Containers (cmd_container.cpp): true when the input was a .safetensors file, a
// container, a model delta or a model directory and has been handled.
bool compress_special(const Options& o, const std::string& input);
bool decompress_special(const Options& o, const std::string& input);
bool info_special(const Options& o);
int run_ls(const Options& o);
int run_extract(const Options& o);
// `z4ai store ...` (cmd_store.cpp): runs `python3 -m z4ai.store` with the remaining arguments.
int run_store(int argc, char** argv);
}  // namespace z4ai_cli
