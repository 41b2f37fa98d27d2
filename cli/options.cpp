#include "options.hpp"

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
    if (text.empty() || errno || !end) throw CliError{flag + ": not a number: '" + text + "'"};
    std::string suffix(end);
    int shift = 0;
    if (suffix == "K" || suffix == "KiB" || suffix == "k")
        shift = 10;
    else if (suffix == "M" || suffix == "MiB" || suffix == "m")
        shift = 20;
    // A shifted value past the range is an error, not signed-overflow UB.
    if (shift && (v < 0 || v > (LLONG_MAX >> shift))) throw CliError{flag + ": out of range: '" + text + "'"};
    v = static_cast<long long>(static_cast<unsigned long long>(v) << shift);
    if (!shift && !suffix.empty()) throw CliError{flag + ": not a number: '" + text + "'"};
    return v;
}

}  // namespace

void print_usage() {
    std::fputs(
        "usage: z4ai compress   [options] [IN|-] [-o OUT]   compress a file (IN.z4ai by default)\n"
        "       z4ai decompress [options] [IN|-] [-o OUT]   restore the original bytes\n"
        "       z4ai info [--json] [-v] FILE                 dtype, shape, sizes, ratio, per-plane "
        "breakdown\n"
        "       z4ai ls FILE [--reference BASE]            list the tensors of a .zstn / .z4dm / "
        ".safetensors\n"
        "       z4ai extract FILE TENSOR -o OUT [--elements A:B]  one tensor's raw bytes (or elements "
        "A..B-1)\n"
        "       z4ai bench [--dtype D] [--runs N] [--quick] [--json-out F] [--codecs LIST]\n"
        "                  [--reference REF] FILE...         ratio, MB/s vs zstd, brotli, memcpy\n"
        "       z4ai store push|pull|open|ls|info|rm|gc|verify ...  deduplicating store for model\n"
        "                  families on a directory or S3 (docs/STORE.md); runs python3 -m z4ai.store\n"
        "options:\n"
        "  -o FILE          output file ('-' = stdout)\n"
        "  -c, --stdout     write to stdout\n"
        "  -f, --force      overwrite an existing output\n"
        "  --dtype D        element type: bf16 fp16 fp32 fp64 fp8_e4m3 fp8_e5m2 int8..int64 uint8..uint64 "
        "bool raw\n"
        "  --shape A,B,...  tensor shape recorded in the frame\n"
        "  --effort E       fast | default | max\n"
        "  --level N        LZ level (1..22; 0 = tier default)\n"
        "  -T N, --threads N  worker threads (0 = all cores, the default)\n"
        "  --chunk-size N   bytes per chunk, power of two, 4K..256M (suffix K/M)\n"
        "  --reference FILE compress/decompress as a delta against FILE (tensor-aware .z4dm when\n"
        "                   both are .safetensors; also the base for ls/extract/info of a .z4dm;\n"
        "                   bench: adds delta rows)\n"
        "  --raw            compress a .safetensors file as plain bytes (no .zstn container)\n"
        "  --codecs LIST    bench: only rows whose codec or codec-variant/tTHREADS starts with an\n"
        "                   entry, e.g. memcpy,z4ai-default,z4ai-max/t1,zstd-3,brotli-5 (default: all)\n"
        "  --no-checksum    omit per-chunk checksums (compress) / skip verification (decompress)\n"
        "  --no-structure   compress: skip the structure detectors (dead bits, scaled ints, palettes)\n"
        "  -q, --quiet      no progress or summary\n"
        "  -v, --verbose    more detail (info: every chunk)\n"
        "  --json           info: print the frame description as JSON\n"
        "  -V, --version    print the library version\n"
        "compress: a .safetensors input becomes a .zstn container (with --reference BASE.safetensors a\n"
        "  .z4dm model delta); a directory becomes DIR.z4ai/ (shards, configs, z4ai-manifest.json)\n",
        stderr);
}

Options parse_options(int argc, char** argv) {
    Options o;
    if (argc < 2) throw CliError{"missing command (try 'z4ai --help')"};
    o.command = argv[1];
    auto value = [&](int& i, const std::string& flag) -> std::string {
        if (i + 1 >= argc) throw CliError{flag + " needs a value"};
        return argv[++i];
    };
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-o")
            o.output = value(i, a);
        else if (a == "-c" || a == "--stdout")
            o.to_stdout = true;
        else if (a == "-f" || a == "--force")
            o.force = true;
        else if (a == "-q" || a == "--quiet")
            o.quiet = true;
        else if (a == "-v" || a == "--verbose")
            o.verbose = true;
        else if (a == "--json")
            o.json = true;
        else if (a == "--no-checksum")
            o.checksum = false;
        else if (a == "--no-structure")
            o.structure = false;
        else if (a == "--dtype") {
            std::string name = value(i, a);
            if (z4ai_dtype_from_name(name.c_str(), &o.dtype) != Z4AI_OK)
                throw CliError{"--dtype: unknown dtype '" + name + "'"};
        } else if (a == "--shape") {
            std::string s = value(i, a);
            size_t at = 0;
            while (at <= s.size()) {
                size_t comma = s.find(',', at);
                std::string part = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
                long long d = parse_number("--shape", part);
                if (d < 0) throw CliError{"--shape: negative dimension"};
                o.shape.push_back(static_cast<uint64_t>(d));
                if (comma == std::string::npos) break;
                at = comma + 1;
            }
        } else if (a == "--effort") {
            std::string e = value(i, a);
            if (e == "fast")
                o.effort = Z4AI_EFFORT_FAST;
            else if (e == "default" || e == "balanced")
                o.effort = Z4AI_EFFORT_DEFAULT;
            else if (e == "max")
                o.effort = Z4AI_EFFORT_MAX;
            else
                throw CliError{"--effort: expected fast, default or max, got '" + e + "'"};
        } else if (a == "--level")
            o.level = static_cast<int>(parse_number(a, value(i, a)));
        else if (a == "-T" || a == "--threads")
            o.threads = parse_number(a, value(i, a));
        else if (a.rfind("-T", 0) == 0 && a.size() > 2)
            o.threads = parse_number("-T", a.substr(2));
        else if (a == "--chunk-size")
            o.chunk_size = parse_number(a, value(i, a));
        else if (a == "--runs")
            o.runs = static_cast<int>(parse_number(a, value(i, a)));
        else if (a == "--quick")
            o.quick = true;
        else if (a == "--json-out")
            o.json_out = value(i, a);
        else if (a == "--codecs")
            o.bench_codecs = value(i, a);
        else if (a == "--reference")
            o.reference = value(i, a);
        else if (a == "--raw")
            o.raw = true;
        else if (a == "--elements")
            o.elements = value(i, a);
        else if (a == "-")
            o.inputs.push_back(a);
        else if (a.size() > 1 && a[0] == '-')
            throw CliError{"unknown option '" + a + "'"};
        else
            o.inputs.push_back(a);
    }
    return o;
}

}  // namespace z4ai_cli
