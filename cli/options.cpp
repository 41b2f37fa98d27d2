#include "options.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "io.hpp"
#include "z4ai.h"

namespace z4ai_cli {
namespace {

long long parse_number(const std::string& flag, const std::string& text) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || errno || !end || end == text.c_str())
        throw CliError{flag + ": not a number: '" + text + "'"};
    std::string suffix(end);
    int shift = 0;
    if (suffix == "K" || suffix == "KiB" || suffix == "k" || suffix == "KB")
        shift = 10;
    else if (suffix == "M" || suffix == "MiB" || suffix == "m" || suffix == "MB")
        shift = 20;
    // A shifted value past the range is an error, not signed-overflow UB.
    if (shift && (v < 0 || v > (LLONG_MAX >> shift))) throw CliError{flag + ": out of range: '" + text + "'"};
    v = static_cast<long long>(static_cast<unsigned long long>(v) << shift);
    if (!shift && !suffix.empty()) throw CliError{flag + ": not a number: '" + text + "'"};
    return v;
}

const char* kCommands[] = {"compress", "decompress", "test", "list", "info", "ls", "extract", "bench"};

bool is_command(const std::string& s) {
    for (const char* c : kCommands)
        if (s == c) return true;
    return false;
}

const char* kSynopsis =
    "z4ai - lossless compression for neural-network weights and checkpoints\n"
    "\n"
    "SYNOPSIS\n"
    "  z4ai [compress] [OPTIONS] [FILE|DIR|-]...     compress (the default command)\n"
    "  z4ai -d|decompress [OPTIONS] [FILE|DIR|-]...  restore the original bytes\n"
    "  z4ai -t|test [OPTIONS] FILE...                decode and verify, write nothing\n"
    "  z4ai -l|list [OPTIONS] FILE|DIR...            one line per file: kind, parts, sizes, ratio\n"
    "  z4ai info [--json] [-v] FILE                  dtype, shape, sizes, ratio, per-chunk or per-tensor\n"
    "  z4ai ls FILE [--reference BASE]               the tensors of a .zstn / .z4dm / .safetensors\n"
    "  z4ai extract FILE TENSOR -o OUT [--elements A:B]  one tensor's raw bytes (or elements A..B-1)\n"
    "  z4ai bench [OPTIONS] FILE...                  ratio and MB/s against zstd, brotli, memcpy\n"
    "  z4ai store push|pull|open|ls|info|rm|gc|verify ...  deduplicating store for model families\n"
    "                                                on a directory or S3 (docs/STORE.md; python3 -m "
    "z4ai.store)\n"
    "  z4ai help [COMMAND] | COMMAND --help          this text, or one command's\n";

const char* kWhat =
    "\n"
    "WHAT IT DOES\n"
    "  A plain file becomes FILE.z4ai (one frame; give --dtype so the element type is used).\n"
    "  A .safetensors file becomes NAME.zstn (a container: every tensor coded with its own\n"
    "  dtype and shape, restored byte for byte); with --reference BASE.safetensors it becomes\n"
    "  NAME.z4dm (a fine-tune stored against its base). A directory becomes DIR.z4ai/ (a\n"
    "  model-directory archive), or with -r every file in it is compressed on its own.\n"
    "  Inputs are kept (-k) unless --rm is given. Several inputs are all processed; failures\n"
    "  are reported with the file (and tensor) name and make the exit status 1.\n"
    "  '-' (or no FILE) reads stdin; containers go through pipes too (held in memory, up to\n"
    "  half the RAM or Z4AI_PIPE_LIMIT bytes).\n";

const char* kCodecOptions =
    "\n"
    "OPTIONS (compress, decompress, test)\n"
    "  -o FILE            output file ('-' = stdout); one input only\n"
    "  -c, --stdout       write to stdout (several inputs: concatenated)\n"
    "  -f, --force        overwrite existing outputs; allow a terminal as output\n"
    "  -k, --keep         keep the inputs (the default)\n"
    "      --rm           remove each input after it was processed successfully\n"
    "  -r, --recursive    operate on the files inside directories, one by one\n"
    "  -#                 level 1..19 (20..22 with --ultra), as in zstd: 1-2 fast tier,\n"
    "                     3-9 default tier, 10-22 max tier; the number is also the LZ level\n"
    "                     (-3 and -19 are the default and max tiers unchanged)\n"
    "      --fast         the fast tier (= -1; --fast=N is not supported)\n"
    "      --ultra        allow levels 20..22\n"
    "  -e, --effort E     fast | default | max (overrides the tier of -#)\n"
    "      --level N      LZ level 1..22 (0 = tier default; overrides the number of -#)\n"
    "      --long[=W]     zstd long-distance matching in the LZ stages, window 2^W (default 27)\n"
    "  -T N, --threads=N  worker threads (0 = all cores, the default)\n"
    "      --dtype D      element type of a plain input: bf16 fp16 fp32 fp64 fp8_e4m3 fp8_e5m2\n"
    "                     int8..int64 uint8..uint64 bool raw (not for .safetensors: each tensor\n"
    "                     has its own; with --dtype a .safetensors is refused, use --raw)\n"
    "      --shape A,B,.. tensor shape recorded in the frame (plain inputs only)\n"
    "      --chunk-size N bytes per chunk, power of two, 4K..256M (suffix K/M)\n"
    "  -D, --reference F  delta against F (tensor-aware .z4dm when both are .safetensors;\n"
    "                     also the base of a .z4dm for decompress/test/ls/extract/info)\n"
    "      --raw          compress a .safetensors file as plain bytes (one frame, no container)\n"
    "      --no-checksum  omit per-chunk checksums (compress) / skip verification (decompress)\n"
    "      --no-structure skip the structure detectors (dead bits, scaled ints, palettes)\n"
    "  -q, --quiet        no progress or per-file summary (errors are still printed)\n"
    "  -v, --verbose      more detail (info: every chunk)\n";

const char* kOtherOptions =
    "\n"
    "OPTIONS (info, list, ls, extract, bench)\n"
    "      --json         info: one JSON object (schema in docs/CLI.md)\n"
    "      --elements A:B extract: elements A..B-1 only\n"
    "      --runs N, --quick, --json-out F, --codecs LIST   bench (see z4ai bench --help)\n"
    "  -h, --help         help on stdout; -V, --version  the library version\n";

const char* kExit =
    "\n"
    "EXIT STATUS\n"
    "  0 every input succeeded; 1 any input failed or the command line was wrong.\n"
    "\n"
    "EXAMPLES\n"
    "  z4ai --dtype bf16 -19 w.bin            -> w.bin.z4ai (max tier)\n"
    "  z4ai model.safetensors                 -> model.zstn\n"
    "  z4ai -d model.zstn                     -> model.safetensors\n"
    "  z4ai -t *.zstn *.z4ai                  verify all, report each\n"
    "  z4ai -l -r checkpoints/                list every z4ai file below\n"
    "  cat m.safetensors | z4ai -c | z4ai -dc > back.safetensors\n"
    "See docs/CLI.md for the full reference.\n";

}  // namespace

void print_help(std::FILE* to, const std::string& command) {
    if (command == "info") {
        std::fputs(
            "usage: z4ai info [--json] [-v] [--reference BASE] FILE\n"
            "  What a frame, .zstn container, .z4dm model delta, .safetensors file or archive\n"
            "  directory holds: dtype, shape, sizes, ratio; per-plane breakdown for frames, one\n"
            "  row per tensor for containers. -v: every chunk. --json: one JSON object with the\n"
            "  same keys for every kind (schema z4ai-info/1, docs/CLI.md).\n",
            to);
    } else if (command == "ls") {
        std::fputs(
            "usage: z4ai ls [--reference BASE] FILE\n"
            "  One row per tensor (name, dtype, shape, bytes) under a header; the name column\n"
            "  widens to the longest name.\n",
            to);
    } else if (command == "extract") {
        std::fputs(
            "usage: z4ai extract FILE TENSOR (-o OUT | -c) [--elements A:B] [--reference BASE]\n"
            "  One tensor's raw little-endian bytes, or elements A..B-1 (row-major), decoding\n"
            "  only the chunks that hold them.\n",
            to);
    } else if (command == "list") {
        std::fputs(
            "usage: z4ai -l [-r] [-v] [--reference BASE] FILE|DIR...\n"
            "  One line per input under a header: kind, parts (chunks, tensors or files),\n"
            "  stored and original sizes, ratio, checksum; a total line for several inputs.\n"
            "  -r lists every z4ai file below a directory; an archive directory (DIR.z4ai/)\n"
            "  is one line. -v prints `z4ai info` for each input instead.\n",
            to);
    } else if (command == "bench") {
        std::fputs(
            "usage: z4ai bench [--dtype D] [--runs N] [--quick] [--json-out F] [--codecs LIST]\n"
            "                  [--reference REF] FILE...\n"
            "  Ratio and MB/s of z4ai's tiers against zstd, brotli and memcpy on each FILE.\n"
            "  --codecs: only rows whose codec or codec-variant/tTHREADS starts with an entry,\n"
            "  e.g. memcpy,z4ai-default,z4ai-max/t1,zstd-3,brotli-5 (default: all).\n"
            "  --reference: adds delta rows against REF.\n",
            to);
    } else if (command == "compress" || command == "decompress" || command == "test") {
        std::fputs(kSynopsis, to);
        std::fputs(kCodecOptions, to);
        std::fputs(kExit, to);
    } else {
        std::fputs(kSynopsis, to);
        std::fputs(kWhat, to);
        std::fputs(kCodecOptions, to);
        std::fputs(kOtherOptions, to);
        std::fputs(kExit, to);
    }
}

void level_preset(int preset, int* effort, int* level) {
    // zstd's scale: 1-2 are its fastest levels, 3 its default, 19 its strongest normal
    // level. The tiers' own zstd levels are 1 (fast), 3 (default), 19 (max), so -1, -3
    // and -19 are exactly the tiers; other numbers keep the tier and set the LZ level.
    if (preset <= 2)
        *effort = Z4AI_EFFORT_FAST;
    else if (preset <= 9)
        *effort = Z4AI_EFFORT_DEFAULT;
    else
        *effort = Z4AI_EFFORT_MAX;
    *level = preset;
}

Options parse_options(int argc, char** argv) {
    Options o;
    int first = 1;
    std::string mode;  // from -d / -t / -l
    if (argc >= 2 && is_command(argv[1])) {
        o.command = argv[1];
        first = 2;
    } else if (argc >= 2 && !std::strcmp(argv[1], "help")) {
        o.help = true;
        if (argc >= 3) o.command = argv[2];
        return o;
    }
    int preset = 0;
    bool ultra = false, effort_given = false, level_given = false, options_done = false;
    auto set_mode = [&](const std::string& m) {
        if (!mode.empty() && mode != m) throw CliError{"conflicting modes: -" + mode + " and -" + m};
        mode = m;
    };
    auto set_effort = [&](const std::string& e) {
        int32_t effort = 0;
        if (z4ai_effort_from_name(e.c_str(), &effort) != Z4AI_OK)
            throw CliError{"--effort: expected fast, default or max, got '" + e + "'"};
        o.effort = effort;
        effort_given = true;
    };
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (options_done || a == "-" || a.empty() || a[0] != '-') {
            o.inputs.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        if (a.rfind("--", 0) == 0) {
            // --name, --name=value or --name value
            std::string name = a, inline_value;
            bool has_inline = false;
            size_t eq = a.find('=');
            if (eq != std::string::npos) {
                name = a.substr(0, eq);
                inline_value = a.substr(eq + 1);
                has_inline = true;
            }
            auto value = [&]() -> std::string {
                if (has_inline) return inline_value;
                if (i + 1 >= argc) throw CliError{name + " needs a value"};
                return argv[++i];
            };
            auto no_value = [&] {
                if (has_inline) throw CliError{name + " takes no value"};
            };
            if (name == "--help") {
                o.help = true;
            } else if (name == "--version") {
                o.version = true;
            } else if (name == "--decompress" || name == "--uncompress") {
                no_value();
                set_mode("d");
            } else if (name == "--test") {
                no_value();
                set_mode("t");
            } else if (name == "--list") {
                no_value();
                set_mode("l");
            } else if (name == "--compress") {
                no_value();
                set_mode("z");
            } else if (name == "--stdout") {
                no_value();
                o.to_stdout = true;
            } else if (name == "--force") {
                o.force = true;
            } else if (name == "--keep") {
                o.remove_input = false;
            } else if (name == "--rm") {
                o.remove_input = true;
            } else if (name == "--recursive") {
                o.recursive = true;
            } else if (name == "--quiet") {
                o.quiet = true;
            } else if (name == "--verbose") {
                o.verbose = true;
            } else if (name == "--json") {
                o.json = true;
            } else if (name == "--no-checksum") {
                o.checksum = false;
            } else if (name == "--check") {
                o.checksum = true;
            } else if (name == "--no-check") {
                o.checksum = false;
            } else if (name == "--no-structure") {
                o.structure = false;
            } else if (name == "--ultra") {
                ultra = true;
            } else if (name == "--fast") {
                if (has_inline) throw CliError{"--fast=N: z4ai has one fast tier; use --fast (or -1)"};
                set_effort("fast");
            } else if (name == "--long") {
                o.long_distance = true;
                if (has_inline) {
                    long long w = parse_number("--long", inline_value);
                    int64_t lo = 0, hi = 0;
                    z4ai_cparam_bounds(Z4AI_C_WINDOW_LOG, &lo, &hi);
                    if (w < 10 || w > hi)
                        throw CliError{"--long=W: window log must be 10.." + std::to_string(hi)};
                    o.window_log = static_cast<int>(w);
                } else {
                    o.window_log = 27;  // zstd's --long default
                }
            } else if (name == "--dtype") {
                std::string d = value();
                if (z4ai_dtype_from_name(d.c_str(), &o.dtype) != Z4AI_OK)
                    throw CliError{"--dtype: unknown dtype '" + d + "'"};
            } else if (name == "--shape") {
                std::string s = value();
                size_t at = 0;
                while (at <= s.size()) {
                    size_t comma = s.find(',', at);
                    std::string part =
                        s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
                    long long d = parse_number("--shape", part);
                    if (d < 0) throw CliError{"--shape: negative dimension"};
                    o.shape.push_back(static_cast<uint64_t>(d));
                    if (comma == std::string::npos) break;
                    at = comma + 1;
                }
            } else if (name == "--effort") {
                set_effort(value());
            } else if (name == "--level") {
                o.level = static_cast<int>(parse_number(name, value()));
                level_given = true;
            } else if (name == "--threads") {
                o.threads = parse_number(name, value());
            } else if (name == "--chunk-size") {
                o.chunk_size = parse_number(name, value());
            } else if (name == "--runs") {
                o.runs = static_cast<int>(parse_number(name, value()));
            } else if (name == "--quick") {
                o.quick = true;
            } else if (name == "--json-out") {
                o.json_out = value();
            } else if (name == "--codecs") {
                o.bench_codecs = value();
            } else if (name == "--reference") {
                o.reference = value();
            } else if (name == "--raw") {
                o.raw = true;
            } else if (name == "--elements") {
                o.elements = value();
            } else if (name == "--output") {
                o.output = value();
            } else {
                throw CliError{"unknown option '" + a + "' (try 'z4ai --help')"};
            }
            continue;
        }
        // Short options, clustered as in zstd: -dkf, -19, -T4, -o FILE, -oFILE.
        for (size_t j = 1; j < a.size(); ++j) {
            char c = a[j];
            auto rest_or_next = [&](const char* flag) -> std::string {
                if (j + 1 < a.size()) {
                    std::string v = a.substr(j + 1);
                    j = a.size();
                    return v;
                }
                if (i + 1 >= argc) throw CliError{std::string(flag) + " needs a value"};
                return argv[++i];
            };
            if (c >= '0' && c <= '9') {
                size_t k = j;
                while (k < a.size() && a[k] >= '0' && a[k] <= '9') ++k;
                preset = std::atoi(a.substr(j, k - j).c_str());
                if (preset < 1)
                    throw CliError{"-" + a.substr(j, k - j) + ": levels are 1..19 (20..22 with --ultra)"};
                j = k - 1;
                continue;
            }
            switch (c) {
                case 'd': set_mode("d"); break;
                case 't': set_mode("t"); break;
                case 'l': set_mode("l"); break;
                case 'z': set_mode("z"); break;
                case 'k': o.remove_input = false; break;
                case 'f': o.force = true; break;
                case 'c': o.to_stdout = true; break;
                case 'q': o.quiet = true; break;
                case 'v': o.verbose = true; break;
                case 'r': o.recursive = true; break;
                case 'h':
                case 'H': o.help = true; break;
                case 'V': o.version = true; break;
                case 'o': o.output = rest_or_next("-o"); break;
                case 'T': o.threads = parse_number("-T", rest_or_next("-T")); break;
                case 'e': set_effort(rest_or_next("-e")); break;
                case 'D': o.reference = rest_or_next("-D"); break;
                default: throw CliError{std::string("unknown option '-") + c + "' (try 'z4ai --help')"};
            }
        }
    }
    // The mode flags pick (or must agree with) the command.
    if (!mode.empty()) {
        const char* wanted = mode == "d"   ? "decompress"
                             : mode == "t" ? "test"
                             : mode == "l" ? "list"
                                           : "compress";
        if (o.command.empty() || o.command == wanted || (o.command == "decompress" && mode == "t"))
            o.command = wanted;
        else
            throw CliError{"-" + mode + " does not go with the '" + o.command + "' command"};
    }
    if (o.command.empty()) o.command = "compress";
    if (preset) {
        if (preset > 19 && !ultra) {
            if (!o.quiet)
                std::fprintf(stderr, "z4ai: warning: level %d needs --ultra (as in zstd); using 19\n",
                             preset);
            preset = 19;
        }
        if (preset > 22)
            throw CliError{"-" + std::to_string(preset) + ": levels are 1..19 (20..22 with --ultra)"};
        int e = o.effort, l = o.level;
        level_preset(preset, &e, &l);
        if (!effort_given) o.effort = e;
        if (!level_given) o.level = l;
    }
    return o;
}

}  // namespace z4ai_cli
