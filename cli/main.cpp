// main.cpp - z4ai command-line tool: dispatch and the error contract (a message on
// stderr naming the file, and for containers the tensor; exit 1 if anything failed;
// no partial output). Help goes to stdout with exit 0, as in zstd.
#include <cstdio>
#include <cstring>

#include "commands.hpp"
#include "io.hpp"
#include "options.hpp"
#include "z4ai.h"

int main(int argc, char** argv) {
    using namespace z4ai_cli;
    if (argc >= 2 && !std::strcmp(argv[1], "store")) return run_store(argc - 2, argv + 2);
    try {
        Options o = parse_options(argc, argv);
        if (o.help) {
            print_help(stdout, o.command == "compress" && (argc < 2 || std::strcmp(argv[1], "compress"))
                                   ? std::string()
                                   : o.command);
            return 0;
        }
        if (o.version) {
            std::printf("z4ai %s\n", z4ai_version_string());
            return 0;
        }
        if (o.command == "compress") return run_compress(o);
        if (o.command == "decompress") return run_decompress(o);
        if (o.command == "test") return run_test(o);
        if (o.command == "list") return run_list(o);
        if (o.command == "info") return run_info(o);
        if (o.command == "bench") return run_bench(o);
        if (o.command == "ls") return run_ls(o);
        if (o.command == "extract") return run_extract(o);
        throw CliError{"unknown command '" + o.command + "' (try 'z4ai --help')"};
    } catch (const CliError& e) {
        std::fprintf(stderr, "z4ai: %s\n", e.message.c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "z4ai: %s\n", e.what());
        return 1;
    }
}
