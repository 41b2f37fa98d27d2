// cmd_store.cpp - `z4ai store ...`: the family store (docs/STORE.md) lives in the Python
// package (z4ai.store, on the same C ABI); this command hands its arguments to
// `python3 -m z4ai.store`. $Z4AI_PYTHON picks the interpreter. When this executable is the
// one bundled in a wheel (.../z4ai/_bin/z4ai), the package next to it goes first on
// PYTHONPATH so the interpreter finds the same z4ai.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "commands.hpp"

namespace z4ai_cli {

static std::string bundled_package_parent() {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    std::string exe(buf, static_cast<size_t>(n));
    const std::string tail = "/z4ai/_bin/z4ai";
    if (exe.size() > tail.size() && exe.compare(exe.size() - tail.size(), tail.size(), tail) == 0)
        return exe.substr(0, exe.size() - tail.size());
    return {};
}

int run_store(int argc, char** argv) {
    const char* py = std::getenv("Z4AI_PYTHON");
    std::string python = py && *py ? py : "python3";
    std::string parent = bundled_package_parent();
    if (!parent.empty()) {
        const char* old = std::getenv("PYTHONPATH");
        std::string path = parent + (old && *old ? std::string(":") + old : std::string());
        setenv("PYTHONPATH", path.c_str(), 1);
    }
    std::vector<char*> args;
    std::string m = "-m", mod = "z4ai.store";
    args.push_back(python.data());
    args.push_back(m.data());
    args.push_back(mod.data());
    for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    execvp(python.c_str(), args.data());
    std::fprintf(stderr,
                 "z4ai: store: cannot run %s (%s); the store commands need Python with the z4ai package\n",
                 python.c_str(), std::strerror(errno));
    return 127;
}

}  // namespace z4ai_cli
