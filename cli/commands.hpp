// commands.hpp - the z4ai subcommands.
#pragma once
#include "options.hpp"

namespace z4ai_cli {
int run_compress(const Options& o);
int run_decompress(const Options& o);
int run_info(const Options& o);
int run_bench(const Options& o);
}  // namespace z4ai_cli
