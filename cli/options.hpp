// options.hpp - command-line parsing shared by the z4ai subcommands.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace z4ai_cli {

struct Options {
    std::string command;
    std::vector<std::string> inputs;
    std::string output;  // empty = derived from the input name
    bool force = false;
    bool to_stdout = false;
    bool quiet = false;
    bool verbose = false;
    bool json = false;
    bool checksum = true;
    bool structure = true;
    int32_t dtype = -1;  // -1 = not given
    std::vector<uint64_t> shape;
    int effort = 1;
    int level = 0;
    long long threads = 0;  // CLI default: all cores
    long long chunk_size = 0;
    std::string reference;
    bool raw = false;       // compress .safetensors as plain bytes, not a container
    std::string elements;   // extract: element range A:B
    // bench
    int runs = 0;
    bool quick = false;
    std::string json_out;
    std::string bench_codecs;  // comma-separated row filter (codec or codec-variant prefixes)
};

// Throws CliError with a one-line message on bad usage.
Options parse_options(int argc, char** argv);
void print_usage();

}  // namespace z4ai_cli
