// cmd_codec.cpp - `z4ai compress` and `z4ai decompress`: stream through the C ABI
// so memory stays bounded by chunk size x threads whatever the file size.
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "commands.hpp"
#include "io.hpp"
#include "z4ai.h"

namespace z4ai_cli {
namespace {

constexpr const char* kSuffix = ".z4ai";

void check(z4ai_status s, const char* detail) {
    if (s != Z4AI_OK)
        throw CliError{std::string(z4ai_status_name(s)) + (detail && *detail ? ": " : "") +
                       (detail ? detail : "")};
}
// The context's message is read only after the call returned: as a second argument
// next to the call it could be evaluated first, leaving a pointer the call frees.
void check(z4ai_status s, const z4ai_cctx* c) {
    if (s != Z4AI_OK) check(s, z4ai_cctx_last_error(c));
}
void check(z4ai_status s, const z4ai_dctx* d) {
    if (s != Z4AI_OK) check(s, z4ai_dctx_last_error(d));
}

std::string output_name(const Options& o, const std::string& input, bool compressing) {
    if (o.to_stdout) return "-";
    if (!o.output.empty()) return o.output;
    if (input == "-") return "-";
    if (compressing) return input + kSuffix;
    size_t n = input.size(), s = std::char_traits<char>::length(kSuffix);
    if (n > s && input.compare(n - s, s, kSuffix) == 0) return input.substr(0, n - s);
    throw CliError{input + ": unknown suffix (expected " + kSuffix + "); use -o to name the output"};
}

struct Progress {
    bool enabled;
    uint64_t total;
    std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
    void update(uint64_t in, uint64_t out, bool force = false) {
        if (!enabled) return;
        auto now = std::chrono::steady_clock::now();
        if (!force && now - last < std::chrono::milliseconds(200)) return;
        last = now;
        if (total != UINT64_MAX && total)
            std::fprintf(stderr, "\r%5.1f%%  %.1f MiB -> %.1f MiB   ", 100.0 * double(in) / double(total),
                         double(in) / 1048576.0, double(out) / 1048576.0);
        else
            std::fprintf(stderr, "\r%.1f MiB -> %.1f MiB   ", double(in) / 1048576.0,
                         double(out) / 1048576.0);
    }
    void done() {
        if (enabled) std::fputs("\r\033[K", stderr);
    }
};

void summary(const Options& o, const std::string& in, const std::string& out, uint64_t raw, uint64_t packed) {
    if (o.quiet) return;
    double ratio = packed ? double(raw) / double(packed) : 0.0;
    std::fprintf(stderr, "%s: %.4fx (%llu -> %llu bytes) -> %s\n", in.c_str(), ratio, (unsigned long long)raw,
                 (unsigned long long)packed, out.c_str());
}

}  // namespace

int run_compress(const Options& o) {
    if (o.inputs.size() > 1 && (o.to_stdout || !o.output.empty()))
        throw CliError{"several inputs cannot share one output"};
    std::vector<std::string> inputs = o.inputs.empty() ? std::vector<std::string>{"-"} : o.inputs;
    for (const std::string& input : inputs) {
        if (compress_special(o, input)) continue;
        std::string out_name = output_name(o, input, true);
        if (out_name == "-" && stdout_is_terminal() && !o.force)
            throw CliError{"refusing to write compressed data to a terminal (use -o or -f)"};
        std::unique_ptr<z4ai_cctx, void (*)(z4ai_cctx*)> c(z4ai_cctx_create(), z4ai_cctx_free);
        if (!c) throw CliError{"out of memory"};
        z4ai_cctx* cctx = c.get();
        auto set = [&](int32_t p, int64_t v) { check(z4ai_cctx_set_param(cctx, p, v), cctx); };
        if (o.dtype >= 0) set(Z4AI_C_DTYPE, o.dtype);
        set(Z4AI_C_EFFORT, o.effort);
        set(Z4AI_C_LEVEL, o.level);
        set(Z4AI_C_THREADS, o.threads);
        set(Z4AI_C_CHUNK_SIZE, o.chunk_size);
        set(Z4AI_C_CHECKSUM, o.checksum ? 1 : 0);
        set(Z4AI_C_STRUCTURE, o.structure ? 1 : 0);
        if (!o.shape.empty()) check(z4ai_cctx_set_shape(cctx, o.shape.data(), o.shape.size()), cctx);
        std::string reference;
        if (!o.reference.empty()) {
            reference = read_all(o.reference);
            check(z4ai_cctx_ref_reference(cctx, reference.data(), reference.size()), cctx);
        }

        Input in(input);
        if (in.size() != UINT64_MAX) check(z4ai_cctx_set_pledged_size(cctx, in.size()), cctx);
        Output out(out_name, o.force);
        int64_t threads = 1;
        z4ai_cctx_get_param(cctx, Z4AI_C_THREADS, &threads);
        size_t in_size = z4ai_cstream_in_size(cctx) * (threads > 0 ? size_t(threads) : 4) * 2;
        std::vector<char> ibuf(in_size), obuf(in_size + (1 << 16));
        Progress progress{
            !o.quiet && stderr_is_terminal() && (in.size() == UINT64_MAX || in.size() > (64u << 20)),
            in.size()};
        uint64_t read_total = 0, written_total = 0;
        bool eof = false;
        size_t remaining = 1;
        while (!eof || remaining) {
            size_t got = eof ? 0 : in.read(ibuf.data(), ibuf.size());
            if (got < ibuf.size()) eof = true;
            read_total += got;
            size_t ipos = 0;
            do {
                size_t opos = 0;
                check(z4ai_compress_stream_args(cctx, obuf.data(), obuf.size(), &opos, ibuf.data(), got,
                                                &ipos, eof ? Z4AI_END : Z4AI_CONTINUE, &remaining),
                      cctx);
                out.write(obuf.data(), opos);
                written_total += opos;
            } while (ipos < got || (eof && remaining));
            progress.update(read_total, written_total);
        }
        progress.done();
        out.commit();
        summary(o, in.name(), out.name(), read_total, written_total);
    }
    return 0;
}

int run_decompress(const Options& o) {
    if (o.inputs.size() > 1 && (o.to_stdout || !o.output.empty()))
        throw CliError{"several inputs cannot share one output"};
    std::vector<std::string> inputs = o.inputs.empty() ? std::vector<std::string>{"-"} : o.inputs;
    for (const std::string& input : inputs) {
        if (decompress_special(o, input)) continue;
        std::string out_name = output_name(o, input, false);
        std::unique_ptr<z4ai_dctx, void (*)(z4ai_dctx*)> d(z4ai_dctx_create(), z4ai_dctx_free);
        if (!d) throw CliError{"out of memory"};
        z4ai_dctx* dctx = d.get();
        check(z4ai_dctx_set_param(dctx, Z4AI_D_THREADS, o.threads), dctx);
        check(z4ai_dctx_set_param(dctx, Z4AI_D_VERIFY_CHECKSUM, o.checksum ? 1 : 0), dctx);
        std::string reference;
        if (!o.reference.empty()) {
            reference = read_all(o.reference);
            check(z4ai_dctx_ref_reference(dctx, reference.data(), reference.size()), dctx);
        }
        Input in(input);
        Output out(out_name, o.force);
        std::vector<char> ibuf(size_t(4) << 20), obuf(size_t(8) << 20);
        Progress progress{
            !o.quiet && stderr_is_terminal() && (in.size() == UINT64_MAX || in.size() > (64u << 20)),
            in.size()};
        uint64_t read_total = 0, written_total = 0;
        size_t remaining = 1;
        bool eof = false;
        bool frame_done = false;
        while (!eof) {
            size_t got = in.read(ibuf.data(), ibuf.size());
            if (got == 0) {
                eof = true;
                break;
            }
            read_total += got;
            size_t ipos = 0;
            while (ipos < got || remaining) {
                size_t opos = 0;
                size_t before = ipos;
                check(z4ai_decompress_stream_args(dctx, obuf.data(), obuf.size(), &opos, ibuf.data(), got,
                                                  &ipos, &remaining),
                      dctx);
                out.write(obuf.data(), opos);
                written_total += opos;
                if (remaining == 0) {
                    // Frames may be concatenated (e.g. `cat a.z4ai b.z4ai`): decode the next.
                    frame_done = true;
                    if (ipos == got) break;
                    remaining = 1;
                    frame_done = false;
                    continue;
                }
                frame_done = false;
                if (opos == 0 && ipos == before) break;  // needs more input
            }
            progress.update(read_total, written_total);
        }
        progress.done();
        if (!frame_done)
            throw CliError{input + ": " +
                           (read_total ? "truncated frame (input ended early)" : "empty input")};
        out.commit();
        summary(o, in.name(), out.name(), written_total, read_total);
    }
    return 0;
}

}  // namespace z4ai_cli
