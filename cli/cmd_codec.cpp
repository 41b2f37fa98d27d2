// cmd_codec.cpp - `z4ai compress`, `decompress`, `test` and `list` (-z, -d, -t, -l):
// every input is processed (zstd's behaviour: a failure is reported with the file's
// name and the next input follows; the exit status is 1 if any failed). Frames stream
// through the C ABI so memory stays bounded by chunk size x threads whatever the
// file size; containers go to cmd_container.cpp.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "commands.hpp"
#include "io.hpp"
#include "json_value.hpp"
#include "z4ai.h"

namespace z4ai_cli {
namespace {

constexpr const char* kSuffix = ".z4ai";
// Suffixes of files z4ai wrote: compress -r skips them, decompress -r takes only them.
const char* kOurSuffixes[] = {".z4ai", ".zstn", ".z4dm"};

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool has_our_suffix(const std::string& s) {
    for (const char* x : kOurSuffixes)
        if (ends_with(s, x)) return true;
    return false;
}

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

// Inputs after -r expansion. Directories without -r stay as they are (archives).
std::vector<std::string> expand_inputs(const Options& o, bool compressing) {
    std::vector<std::string> inputs = o.inputs.empty() ? std::vector<std::string>{"-"} : o.inputs;
    if (!o.recursive) return inputs;
    std::vector<std::string> out;
    for (const std::string& in : inputs) {
        // An archive directory (DIR.z4ai/ with its manifest) is one unit, never walked into.
        if (!is_directory(in) || is_regular_file(in + "/z4ai-manifest.json")) {
            out.push_back(in);
            continue;
        }
        std::vector<std::string> files;
        walk_files(in, files, o.quiet);
        for (const std::string& f : files) {
            bool ours = has_our_suffix(f);
            if (compressing && ours) {
                if (!o.quiet) std::fprintf(stderr, "z4ai: %s: already compressed -- ignored\n", f.c_str());
                continue;
            }
            if (!compressing && !ours) continue;
            out.push_back(f);
        }
    }
    return out;
}

// Runs `one` on every input; reports each failure with the file's name and goes on.
int for_each_input(const Options& o, bool compressing, const char* verb,
                   const std::function<void(const std::string&)>& one) {
    std::vector<std::string> inputs = expand_inputs(o, compressing);
    if (inputs.size() > 1 && !o.output.empty() && o.output != "-")
        throw CliError{"-o names one output but there are " + std::to_string(inputs.size()) +
                       " inputs (drop -o, or use -c to concatenate on stdout)"};
    size_t failed = 0;
    for (const std::string& input : inputs) {
        try {
            one(input);
        } catch (const CliError& e) {
            ++failed;
            std::string name = input == "-" ? "stdin" : input;
            bool named = e.message.find(name) != std::string::npos;
            std::fprintf(stderr, "z4ai: %s%s\n", named ? "" : (name + ": ").c_str(), e.message.c_str());
        }
    }
    if (inputs.size() > 1 && !o.quiet && (failed || std::string(verb) != "listed"))
        std::fprintf(stderr, "z4ai: %zu files %s, %zu failed\n", inputs.size() - failed, verb, failed);
    if (inputs.empty() && !o.quiet) std::fprintf(stderr, "z4ai: no input files\n");
    return failed ? 1 : 0;
}

// --rm: the input goes once its output is safely in place (never stdin, never with -c).
void remove_input(const Options& o, const std::string& input) {
    if (!o.remove_input || input == "-") return;
    if (o.to_stdout || o.output == "-") {
        if (!o.quiet) std::fprintf(stderr, "z4ai: %s: --rm ignored when writing to stdout\n", input.c_str());
        return;
    }
    if (is_directory(input)) {
        if (!o.quiet) std::fprintf(stderr, "z4ai: %s: --rm does not remove directories\n", input.c_str());
        return;
    }
    if (unlink(input.c_str()) != 0) throw CliError{input + ": cannot remove the input (--rm)"};
}

void compress_frame(const Options& o, const std::string& input, Input& in) {
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
    if (o.long_distance) {
        set(Z4AI_C_LONG_DISTANCE, 1);
        set(Z4AI_C_WINDOW_LOG, o.window_log);
    }
    if (!o.shape.empty()) check(z4ai_cctx_set_shape(cctx, o.shape.data(), o.shape.size()), cctx);
    std::string reference;
    if (!o.reference.empty()) {
        reference = read_all(o.reference);
        check(z4ai_cctx_ref_reference(cctx, reference.data(), reference.size()), cctx);
    }
    if (in.size() != UINT64_MAX) check(z4ai_cctx_set_pledged_size(cctx, in.size()), cctx);
    Output out(out_name, o.force);
    int64_t threads = 1;
    z4ai_cctx_get_param(cctx, Z4AI_C_THREADS, &threads);
    size_t in_size = z4ai_cstream_in_size(cctx) * (threads > 0 ? size_t(threads) : 4) * 2;
    std::vector<char> ibuf(in_size), obuf(in_size + (1 << 16));
    Progress progress{
        !o.quiet && stderr_is_terminal() && (in.size() == UINT64_MAX || in.size() > (64u << 20)), in.size()};
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
            check(z4ai_compress_stream_args(cctx, obuf.data(), obuf.size(), &opos, ibuf.data(), got, &ipos,
                                            eof ? Z4AI_END : Z4AI_CONTINUE, &remaining),
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

// Streams one or more concatenated frames; `out` null = test only (decode, verify, discard).
void decompress_frames(const Options& o, Input& in, Output* out) {
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
    std::vector<char> ibuf(size_t(4) << 20), obuf(size_t(8) << 20);
    Progress progress{
        !o.quiet && stderr_is_terminal() && (in.size() == UINT64_MAX || in.size() > (64u << 20)), in.size()};
    uint64_t read_total = 0, written_total = 0;
    size_t remaining = 1;
    bool frame_done = false;
    for (;;) {
        size_t got = in.read(ibuf.data(), ibuf.size());
        if (got == 0) break;
        read_total += got;
        size_t ipos = 0;
        while (ipos < got || remaining) {
            size_t opos = 0;
            size_t before = ipos;
            check(z4ai_decompress_stream_args(dctx, obuf.data(), obuf.size(), &opos, ibuf.data(), got, &ipos,
                                              &remaining),
                  dctx);
            if (out) out->write(obuf.data(), opos);
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
    if (!frame_done) throw CliError{read_total ? "truncated frame (input ended early)" : "empty input"};
    if (out) {
        out->commit();
        summary(o, in.name(), out->name(), written_total, read_total);
    } else if (!o.quiet) {
        std::fprintf(stderr, "%s: OK (%llu bytes decoded and verified%s)\n", in.name().c_str(),
                     (unsigned long long)written_total, o.checksum ? "" : ", checksums not checked");
    }
}

// Decompress (test = false) or test one input of any kind.
void restore_one(const Options& o, const std::string& input, bool test) {
    if (!test && decompress_special(o, input)) {  // an archive directory
        remove_input(o, input);
        return;
    }
    if (is_directory(input)) {
        if (!test) throw CliError{input + ": is a directory and not a z4ai archive (use -r for its files)"};
        // test: an archive directory, member by member
        if (!is_regular_file(input + "/z4ai-manifest.json"))
            throw CliError{input + ": is a directory and not a z4ai archive (use -r for its files)"};
        size_t members = 0;
        uint64_t bytes = test_archive(o, input, &members);
        if (!o.quiet)
            std::fprintf(stderr, "%s: OK (archive, %zu members, %llu bytes decoded and verified)\n",
                         input.c_str(), members, (unsigned long long)bytes);
        return;
    }
    if (input == "-" && isatty(0) && !o.force)
        throw CliError{"stdin is a terminal; refusing to read compressed data from it (use -f)"};
    Input in(input);
    std::string head = in.peek(64);
    int32_t kind = detect_kind(head, in.size());
    if (kind == Z4AI_KIND_CONTAINER || kind == Z4AI_KIND_MODEL_DELTA) {
        decompress_container(o, input, in, kind, test);
        if (!test) remove_input(o, input);
        return;
    }
    if (kind == Z4AI_KIND_SAFETENSORS)
        throw CliError{in.name() +
                       ": a plain .safetensors file (not compressed by z4ai): nothing to decompress; "
                       "load it as it is, or `z4ai compress` it"};
    if (kind != Z4AI_KIND_FRAME)
        throw CliError{in.name() + ": " +
                       (head.empty() ? std::string("empty input")
                                     : "not z4ai data (no z4ai frame, .zstn or .z4dm magic number)")};
    if (test) {
        decompress_frames(o, in, nullptr);
        return;
    }
    Output out(output_name(o, input, false), o.force);
    decompress_frames(o, in, &out);
    remove_input(o, input);
}

std::string list_line(const ListRow& r, const std::string& name) {
    char ratio[32] = "-";
    if (r.stored) std::snprintf(ratio, sizeof ratio, "%.3fx", double(r.original) / double(r.stored));
    char line[512];
    std::snprintf(line, sizeof line, "%-12s %12s %12s %12s %8s %6s  ", r.kind.c_str(), r.parts.c_str(),
                  human_size(double(r.stored)).c_str(), human_size(double(r.original)).c_str(), ratio,
                  r.check.c_str());
    return line + name;
}

ListRow list_frame(const std::string& path) {
    std::string data = read_all(path);
    ListRow row;
    row.kind = "frame";
    row.stored = data.size();
    size_t at = 0, frames = 0, chunks = 0;
    bool checksum = true;
    while (at < data.size()) {
        size_t size = 0;
        check(z4ai_frame_compressed_size(data.data() + at, data.size() - at, &size), "");
        size_t need = 0;
        z4ai_frame_describe(data.data() + at, size, nullptr, 0, &need);
        std::string desc(need, '\0');
        check(z4ai_frame_describe(data.data() + at, size, desc.data(), desc.size(), &need), "");
        desc.resize(need);
        Json j = Json::parse(desc);
        row.original += j.get("content_size") ? j.get("content_size")->u64() : 0;
        if (const Json* b = j.get("blocks")) chunks += b->items.size();
        if (const Json* c = j.get("checksum")) checksum = checksum && c->b;
        ++frames;
        at += size;
    }
    row.parts = std::to_string(chunks) + (chunks == 1 ? " chunk" : " chunks");
    if (frames > 1) row.kind = std::to_string(frames) + " frames";
    row.check = checksum ? "on" : "off";
    return row;
}

// z4ai_detect_kind looks only at the first bytes ("8-byte length, then '{'"), which
// about 1 in 256 float files match by chance. A .safetensors input is confirmed
// before it becomes a container: a file must open as one (its header parses and its
// offsets fit); a pipe must hold a header of the declared length that ends in '}'.
bool is_safetensors_file(const std::string& path) {
    std::unique_ptr<z4ai_reader, void (*)(z4ai_reader*)> r(z4ai_reader_create(), z4ai_reader_free);
    int32_t kind = 0;
    return r && z4ai_reader_open_file(r.get(), path.c_str()) == Z4AI_OK &&
           z4ai_reader_kind(r.get(), &kind) == Z4AI_OK && kind == Z4AI_KIND_SAFETENSORS;
}

bool confirm_safetensors(const std::string& input, Input& in) {
    if (in.is_regular() && input != "-") return is_safetensors_file(input);
    std::string head = in.peek(8);
    if (head.size() < 8) return false;
    uint64_t n = 0;
    for (int k = 7; k >= 0; --k) n = (n << 8) | uint8_t(head[size_t(k)]);
    if (n < 2 || n > (uint64_t(100) << 20)) return false;  // safetensors' own header limit is 100 MB
    std::string header = in.peek(size_t(8 + n));
    if (header.size() < 8 + n) return false;
    size_t end = header.find_last_not_of(' ');
    return end != std::string::npos && header[end] == '}';
}

}  // namespace

std::string human_size(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

int32_t detect_kind(const std::string& prefix, uint64_t total_size) {
    int32_t kind = Z4AI_KIND_UNKNOWN;
    if (prefix.empty()) return kind;
    z4ai_detect_kind(prefix.data(), prefix.size(),
                     total_size == UINT64_MAX ? Z4AI_CONTENT_SIZE_UNKNOWN : total_size, &kind);
    return kind;
}

int run_compress(const Options& o) {
    return for_each_input(o, true, "compressed", [&](const std::string& input) {
        if (!o.raw && compress_special(o, input)) {  // a model directory -> archive
            remove_input(o, input);
            return;
        }
        if (input == "-" && isatty(0) && !o.force)
            throw CliError{
                "stdin is a terminal; give a file name or pipe data in (use -f to read it anyway)"};
        Input in(input);
        int32_t kind = o.raw ? Z4AI_KIND_UNKNOWN : detect_kind(in.peek(64), in.size());
        if (kind == Z4AI_KIND_SAFETENSORS && !confirm_safetensors(input, in)) kind = Z4AI_KIND_UNKNOWN;
        // A byte-wise delta against a reference that is not .safetensors stays a frame.
        if (kind == Z4AI_KIND_SAFETENSORS && !o.reference.empty() && !is_safetensors_file(o.reference))
            kind = Z4AI_KIND_UNKNOWN;
        if (kind == Z4AI_KIND_SAFETENSORS) {
            if (o.dtype >= 0 || !o.shape.empty())
                throw CliError{in.name() +
                               ": looks like a .safetensors file, where every tensor has its own dtype and "
                               "shape: --dtype/--shape do not apply (drop them for a .zstn container, or add "
                               "--raw to compress the file as one frame with that dtype)"};
            compress_container(o, input, in);
        } else {
            compress_frame(o, input, in);
        }
        remove_input(o, input);
    });
}

int run_decompress(const Options& o) {
    return for_each_input(o, false, "decompressed",
                          [&](const std::string& input) { restore_one(o, input, false); });
}

int run_test(const Options& o) {
    return for_each_input(o, false, "OK", [&](const std::string& input) { restore_one(o, input, true); });
}

int run_list(const Options& o) {
    if (o.verbose) {
        // -lv: the full description of each input
        return for_each_input(o, false, "listed", [&](const std::string& input) {
            Options one = o;
            one.inputs = {input};
            run_info(one);
        });
    }
    std::printf("%-12s %12s %12s %12s %8s %6s  %s\n", "Kind", "Parts", "Stored", "Original", "Ratio", "Check",
                "File");
    uint64_t stored = 0, original = 0;
    size_t listed = 0;
    int status = for_each_input(o, false, "listed", [&](const std::string& input) {
        if (input == "-") throw CliError{"-l needs file names (stdin cannot be listed)"};
        ListRow row;
        if (is_directory(input)) {
            if (!is_regular_file(input + "/z4ai-manifest.json"))
                throw CliError{input +
                               ": is a directory and not a z4ai archive (use -r to list the files in it)"};
            row = list_archive(o, input);
        } else {
            Input in(input);
            int32_t kind = detect_kind(in.peek(64), in.size());
            if (kind == Z4AI_KIND_FRAME)
                row = list_frame(input);
            else if (kind == Z4AI_KIND_CONTAINER || kind == Z4AI_KIND_MODEL_DELTA ||
                     kind == Z4AI_KIND_SAFETENSORS)
                row = list_container(o, input);
            else
                throw CliError{input + ": not z4ai data (no z4ai frame, .zstn or .z4dm magic number)"};
        }
        std::printf("%s\n", list_line(row, input).c_str());
        stored += row.stored;
        original += row.original;
        ++listed;
    });
    if (listed > 1) {
        ListRow total;
        total.kind = "total";
        total.parts = std::to_string(listed) + " files";
        total.stored = stored;
        total.original = original;
        std::printf("%s\n", list_line(total, "").c_str());
    }
    return status;
}

}  // namespace z4ai_cli
