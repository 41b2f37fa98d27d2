// main.cpp - z4ai command-line tool: dispatch and the one-line error contract
// (message on stderr naming the problem, non-zero exit, no partial output).
#include <cstdio>
#include <cstring>

#include "commands.hpp"
#include "io.hpp"
#include "options.hpp"
#include "z4ai.h"

int main(int argc, char** argv) {
    using namespace z4ai_cli;
    if (argc >= 2 &&
        (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help"))) {
        print_usage();
        return 0;
    }
    if (argc >= 2 && (!std::strcmp(argv[1], "-V") || !std::strcmp(argv[1], "--version"))) {
        std::printf("z4ai %s\n", z4ai_version_string());
        return 0;
    }
    if (argc >= 2 && !std::strcmp(argv[1], "store")) return run_store(argc - 2, argv + 2);
    try {
        Options o = parse_options(argc, argv);
        if (o.command == "compress") return run_compress(o);
        if (o.command == "decompress") return run_decompress(o);
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
