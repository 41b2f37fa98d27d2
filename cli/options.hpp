// options.hpp - command-line parsing shared by the z4ai subcommands. The spellings
// follow zstd's wherever the meaning is the same (-d, -t, -l, -k, --rm, -#, -r, -c,
// -T#, -v, -q, --long, --opt=value); docs/CLI.md lists them.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace z4ai_cli {

struct Options {
    // compress | decompress | test | list | info | ls | extract | bench
    std::string command;
    std::vector<std::string> inputs;
    std::string output;    // empty = derived from the input name
    bool help = false;     // --help / -h: print the command's help on stdout, exit 0
    bool version = false;  // -V / --version
    bool force = false;
    bool to_stdout = false;
    bool quiet = false;
    bool verbose = false;
    bool json = false;
    bool checksum = true;
    bool structure = true;
    bool remove_input = false;  // --rm: delete the input after success (-k, the default, keeps it)
    bool recursive = false;     // -r: walk directories, one output per file
    int32_t dtype = -1;         // -1 = not given
    std::vector<uint64_t> shape;
    int effort = 1;
    int level = 0;
    bool long_distance = false;  // --long[=W]: zstd long-distance matching in the LZ stages
    int window_log = 0;          // --long=W (0 = automatic)
    long long threads = 0;       // CLI default: all cores
    long long chunk_size = 0;
    std::string reference;
    bool raw = false;      // compress .safetensors as plain bytes, not a container
    std::string elements;  // extract: element range A:B
    // bench
    int runs = 0;
    bool quick = false;
    std::string json_out;
    std::string bench_codecs;  // comma-separated row filter (codec or codec-variant prefixes)
};

// Throws CliError with a one-line message on bad usage.
Options parse_options(int argc, char** argv);
// Help for one command ("" = the whole tool), man-page style.
void print_help(std::FILE* to, const std::string& command);
// The zstd-style level -# as (effort, level): docs/CLI.md's table.
void level_preset(int preset, int* effort, int* level);

}  // namespace z4ai_cli
