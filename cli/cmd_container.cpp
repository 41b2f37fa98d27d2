// cmd_container.cpp - the CLI side of containers: `compress`/`decompress` of
// .safetensors files (.zstn), fine-tunes against a base (.z4dm) and model
// directories; `ls`, `extract`, and per-tensor `info`. Everything goes through
// the C ABI.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "commands.hpp"
#include "io.hpp"
#include "remote.hpp"
#include "z4ai.h"

namespace z4ai_cli {
namespace {

constexpr const char* kManifest = "z4ai-manifest.json";

void check(z4ai_status s, const char* detail, const std::string& what = "") {
    if (s != Z4AI_OK)
        throw CliError{(what.empty() ? "" : what + ": ") + z4ai_status_name(s) +
                       (detail && *detail ? ": " : "") + (detail ? detail : "")};
}
// The context's message is read only after the call returned (as an argument next
// to the call it may be evaluated first and then freed by the call).
void check(z4ai_status s, const z4ai_cctx* c, const std::string& what = "") {
    if (s != Z4AI_OK) check(s, z4ai_cctx_last_error(c), what);
}
void check(z4ai_status s, const z4ai_dctx* d, const std::string& what = "") {
    if (s != Z4AI_OK) check(s, z4ai_dctx_last_error(d), what);
}
void check(z4ai_status s, const z4ai_reader* r, const std::string& what = "") {
    if (s != Z4AI_OK) check(s, z4ai_reader_last_error(r), what);
}

bool is_dir(const std::string& p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool exists(const std::string& p) {
    struct stat st;
    return lstat(p.c_str(), &st) == 0;
}
uint64_t file_size(const std::string& p) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) throw CliError{p + ": cannot stat"};
    return static_cast<uint64_t>(st.st_size);
}
bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
std::string strip(const std::string& s, const std::string& suffix) {
    return s.substr(0, s.size() - suffix.size());
}

// Only regular files are sniffed: reading the head of a FIFO or a process
// substitution (<(cmd)) would consume bytes the codec never sees again.
int32_t sniff(const std::string& path) {
    struct stat st;
    if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Z4AI_KIND_UNKNOWN;
    std::ifstream f(path, std::ios::binary);
    if (!f) return Z4AI_KIND_UNKNOWN;
    char buf[64] = {};
    f.read(buf, sizeof buf);
    int32_t kind = Z4AI_KIND_UNKNOWN;
    z4ai_detect_kind(buf, static_cast<size_t>(f.gcount()), file_size(path), &kind);
    return kind;
}

void refuse_existing(const Options& o, const std::string& out) {
    if (!o.force && exists(out)) throw CliError{out + ": already exists (use -f to overwrite)"};
}

struct CctxPtr {
    z4ai_cctx* c = z4ai_cctx_create();
    ~CctxPtr() { z4ai_cctx_free(c); }
};
struct DctxPtr {
    z4ai_dctx* d = z4ai_dctx_create();
    ~DctxPtr() { z4ai_dctx_free(d); }
};
struct ReaderPtr {
    z4ai_reader* r = z4ai_reader_create();
    ~ReaderPtr() { z4ai_reader_free(r); }
};

void configure(z4ai_cctx* c, const Options& o, long long threads) {
    auto set = [&](int32_t p, int64_t v) { check(z4ai_cctx_set_param(c, p, v), c); };
    set(Z4AI_C_EFFORT, o.effort);
    set(Z4AI_C_LEVEL, o.level);
    set(Z4AI_C_THREADS, threads);
    set(Z4AI_C_CHUNK_SIZE, o.chunk_size);
    set(Z4AI_C_CHECKSUM, o.checksum ? 1 : 0);
    if (o.long_distance) {
        set(Z4AI_C_LONG_DISTANCE, 1);
        set(Z4AI_C_WINDOW_LOG, o.window_log);
    }
}
void configure(z4ai_dctx* d, const Options& o, long long threads) {
    check(z4ai_dctx_set_param(d, Z4AI_D_THREADS, threads), d);
    check(z4ai_dctx_set_param(d, Z4AI_D_VERIFY_CHECKSUM, o.checksum ? 1 : 0), d);
}

void summary(const Options& o, const std::string& in, const std::string& out, uint64_t raw, uint64_t packed) {
    if (o.quiet) return;
    std::fprintf(stderr, "%s: %.4fx (%llu -> %llu bytes) -> %s\n", in.c_str(),
                 packed ? double(raw) / double(packed) : 0.0, (unsigned long long)raw,
                 (unsigned long long)packed, out.c_str());
}

// One file: .safetensors -> .zstn, or (with a base) -> .z4dm. Returns the output size.
uint64_t pack_file(const Options& o, long long threads, const std::string& in, const std::string& out,
                   const std::string& base, bool match_renamed = true) {
    CctxPtr c;
    if (!c.c) throw CliError{"out of memory"};
    configure(c.c, o, threads);
    uint64_t written = 0;
    if (base.empty()) {
        check(z4ai_safetensors_compress_file(c.c, in.c_str(), out.c_str(), &written), c.c, in);
    } else {
        check(z4ai_cctx_set_param(c.c, Z4AI_C_MATCH_RENAMED, match_renamed), c.c);
        check(z4ai_model_delta_compress_file(c.c, in.c_str(), base.c_str(), out.c_str(), &written), c.c, in);
    }
    return written;
}

uint64_t unpack_file(const Options& o, long long threads, const std::string& in, const std::string& out,
                     const std::string& base) {
    DctxPtr d;
    if (!d.d) throw CliError{"out of memory"};
    configure(d.d, o, threads);
    uint64_t written = 0;
    if (base.empty())
        check(z4ai_safetensors_decompress_file(d.d, in.c_str(), out.c_str(), &written), d.d, in);
    else
        check(z4ai_model_delta_decompress_file(d.d, in.c_str(), base.c_str(), out.c_str(), &written), d.d,
              in);
    return written;
}

// ---- model directories: thin glue over z4ai_archive_* ----

struct ArchivePtr {
    z4ai_archive* a = z4ai_archive_create();
    ~ArchivePtr() { z4ai_archive_free(a); }
};
void check(z4ai_status s, const z4ai_archive* a, const std::string& what = "") {
    if (s != Z4AI_OK) check(s, z4ai_archive_last_error(a), what);
}
z4ai_member_info member_info(z4ai_archive* a, size_t i) {
    z4ai_member_info m;
    m.struct_size = sizeof m;
    check(z4ai_archive_member_info(a, i, &m), a);
    return m;
}
size_t member_count(const z4ai_archive* a) {
    size_t n = 0;
    check(z4ai_archive_member_count(a, &n), a);
    return n;
}

// "[3/12 files] 40.0% 1.2 GiB / 3.0 GiB" on a terminal, at most 5 times a second.
struct TtyProgress {
    bool enabled;
    std::chrono::steady_clock::time_point last{};
    static void callback(void* user, uint64_t f, uint64_t ft, uint64_t b, uint64_t bt) {
        auto* p = static_cast<TtyProgress*>(user);
        auto now = std::chrono::steady_clock::now();
        if (!p->enabled || (f < ft && now - p->last < std::chrono::milliseconds(200))) return;
        p->last = now;
        std::fprintf(stderr, "\r[%llu/%llu files] %5.1f%%  %.1f / %.1f MiB   ", (unsigned long long)f,
                     (unsigned long long)ft, bt ? 100.0 * double(b) / double(bt) : 100.0,
                     double(b) / 1048576.0, double(bt) / 1048576.0);
    }
    void done() {
        if (enabled) std::fputs("\r\033[K", stderr);
    }
};

uint64_t archive_stored_bytes(z4ai_archive* a, uint64_t* raw) {
    uint64_t stored = 0;
    *raw = 0;
    for (size_t i = 0, n = member_count(a); i < n; ++i) {
        z4ai_member_info m = member_info(a, i);
        stored += m.stored_size;
        *raw += m.size;
    }
    return stored;
}

int compress_directory(const Options& o, const std::string& dir) {
    std::string out = o.output.empty() ? (ends_with(dir, "/") ? strip(dir, "/") : dir) + ".z4ai" : o.output;
    refuse_existing(o, out);
    CctxPtr c;
    if (!c.c) throw CliError{"out of memory"};
    configure(c.c, o, o.threads);
    TtyProgress progress{!o.quiet && stderr_is_terminal()};
    z4ai_status s = z4ai_archive_write(c.c, dir.c_str(), out.c_str(), o.force ? Z4AI_ARCHIVE_REPLACE : 0,
                                       TtyProgress::callback, &progress);
    progress.done();
    check(s, c.c, dir);
    if (!o.quiet) {
        ArchivePtr a;
        check(z4ai_archive_open(a.a, out.c_str()), a.a, out);
        uint64_t raw = 0, stored = archive_stored_bytes(a.a, &raw);
        summary(o, dir, out, raw, stored);
    }
    return 0;
}

int decompress_directory(const Options& o, const std::string& dir) {
    ArchivePtr a;
    if (!a.a) throw CliError{"out of memory"};
    check(z4ai_archive_set_param(a.a, Z4AI_D_THREADS, o.threads), a.a);
    check(z4ai_archive_set_param(a.a, Z4AI_D_VERIFY_CHECKSUM, o.checksum ? 1 : 0), a.a);
    check(z4ai_archive_open(a.a, dir.c_str()), a.a, dir);
    std::string out = o.output;
    if (out.empty()) {
        std::string d = ends_with(dir, "/") ? strip(dir, "/") : dir;
        if (!ends_with(d, ".z4ai")) throw CliError{dir + ": use -o to name the output directory"};
        out = strip(d, ".z4ai");
    }
    refuse_existing(o, out);
    if (exists(out))
        throw CliError{out + ": exists; remove it first (directories are never merged or replaced)"};
    TtyProgress progress{!o.quiet && stderr_is_terminal()};
    z4ai_status s = z4ai_archive_restore(a.a, out.c_str(), TtyProgress::callback, &progress);
    progress.done();
    check(s, a.a, dir);
    uint64_t raw = 0, stored = archive_stored_bytes(a.a, &raw);
    summary(o, dir, out, raw, stored);
    return 0;
}

// ARCHIVE or ARCHIVE/MEMBER (MEMBER: a path of the original directory or a stored name).
struct ArchiveRef {
    std::string archive;
    std::string member;  // "" = the archive itself
};
bool is_archive_dir(const std::string& p) { return is_dir(p) && exists(p + "/" + kManifest); }
bool split_archive_path(const std::string& path, ArchiveRef& ref) {
    std::string p = ends_with(path, "/") && path.size() > 1 ? strip(path, "/") : path;
    if (is_archive_dir(p)) {
        ref = {p, ""};
        return true;
    }
    for (size_t at = p.rfind('/'); at != std::string::npos && at > 0; at = p.rfind('/', at - 1)) {
        if (is_archive_dir(p.substr(0, at))) {
            ref = {p.substr(0, at), p.substr(at + 1)};
            return true;
        }
        if (at == 0) break;
    }
    return false;
}
size_t find_member(z4ai_archive* a, const ArchiveRef& ref) {
    size_t index = 0;
    if (z4ai_archive_find(a, ref.member.c_str(), &index) == Z4AI_OK) return index;
    for (size_t i = 0, n = member_count(a); i < n; ++i) {
        z4ai_member_info m = member_info(a, i);
        if (ref.member == m.stored) return i;
    }
    throw CliError{ref.archive + ": no member '" + ref.member + "'"};
}
const char* member_kind_label(int32_t k) {
    switch (k) {
        case Z4AI_MEMBER_PLAIN: return "plain";
        case Z4AI_MEMBER_FRAME: return "frame";
        case Z4AI_MEMBER_CONTAINER: return "container";
        case Z4AI_MEMBER_MODEL_DELTA: return "model-delta";
        case Z4AI_MEMBER_DIRECTORY: return "directory";
    }
    return "?";
}


const char* method_label(int32_t m) {
    switch (m) {
        case Z4AI_TENSOR_EMPTY: return "empty";
        case Z4AI_TENSOR_FRAME: return "frame";
        case Z4AI_TENSOR_SAME: return "same";
        case Z4AI_TENSOR_BASE_COPY: return "base-copy";
        case Z4AI_TENSOR_BASE_DELTA: return "base-delta";
        case Z4AI_TENSOR_RAW: return "raw";
    }
    return "?";
}

// Opens FILE (and its base for a model delta) for ls/extract/info; ARCHIVE/MEMBER opens
// a container member of a directory archive, its base found inside the archive.
struct Opened {
    RemoteInput remote;  // an http(s):// input (outlives the reader: declared first)
    ArchivePtr archive;
    ReaderPtr reader, base;
    int32_t kind = 0;
    uint64_t stored_size = UINT64_MAX;  // archive member: its stored file's size
    std::string memory;                 // the input, when it came through a pipe
};
void open_for_reading(const Options& o, const std::string& path, Opened& x, const std::string* memory = nullptr) {
    check(z4ai_reader_set_param(x.reader.r, Z4AI_D_THREADS, o.threads), x.reader.r);
    check(z4ai_reader_set_param(x.reader.r, Z4AI_D_VERIFY_CHECKSUM, o.checksum ? 1 : 0), x.reader.r);
    ArchiveRef ref;
    if (memory) {
        x.memory = *memory;
        check(z4ai_reader_open_memory(x.reader.r, x.memory.data(), x.memory.size()), x.reader.r, path);
    } else if (is_http_url(path)) {
        x.remote = open_http(x.reader.r, path);
    } else if (split_archive_path(path, ref) && !ref.member.empty()) {
        check(z4ai_archive_set_param(x.archive.a, Z4AI_D_THREADS, o.threads), x.archive.a);
        check(z4ai_archive_open(x.archive.a, ref.archive.c_str()), x.archive.a, ref.archive);
        size_t index = find_member(x.archive.a, ref);
        check(z4ai_archive_open_member(x.archive.a, index, x.reader.r), x.archive.a, path);
        z4ai_reader_kind(x.reader.r, &x.kind);
        z4ai_member_info m = member_info(x.archive.a, index);
        x.stored_size = m.stored_size;
        return;
    } else {
        check(z4ai_reader_open_file(x.reader.r, path.c_str()), x.reader.r, path);
    }
    z4ai_reader_kind(x.reader.r, &x.kind);
    if (x.kind == Z4AI_KIND_MODEL_DELTA) {
        if (o.reference.empty())
            throw CliError{path + ": a model delta (.z4dm): give its base with --reference FILE"};
        check(z4ai_reader_open_file(x.base.r, o.reference.c_str()), x.base.r, o.reference);
        check(z4ai_reader_attach_base_reader(x.reader.r, x.base.r), x.reader.r, path);
    }
}

// Opens ARCHIVE (member = "") or ARCHIVE/MEMBER; false if path is no archive.
bool open_archive_ref(const Options& o, const std::string& path, ArchivePtr& a, ArchiveRef& ref,
                      size_t* index) {
    if (!split_archive_path(path, ref)) return false;
    check(z4ai_archive_set_param(a.a, Z4AI_D_THREADS, o.threads), a.a);
    check(z4ai_archive_open(a.a, ref.archive.c_str()), a.a, ref.archive);
    if (!ref.member.empty()) *index = find_member(a.a, ref);
    return true;
}

int print_archive_members(z4ai_archive* a) {
    size_t n = 0;
    z4ai_archive_member_count(a, &n);
    for (size_t i = 0; i < n; ++i) {
        z4ai_member_info m;
        m.struct_size = sizeof m;
        check(z4ai_archive_member_info(a, i, &m), a);
        std::string base = m.base_index >= 0 ? std::string("  (base: ") + m.base + ")" : "";
        std::printf("%-56s %-11s %12llu %12llu%s\n", m.path, member_kind_label(m.kind),
                    (unsigned long long)m.size, (unsigned long long)m.stored_size, base.c_str());
    }
    return 0;
}

std::string tensor_name(const z4ai_tensor_info& t) { return std::string(t.name, t.name_size); }

// Decodes every tensor (verifying its checksums); the first failure names the tensor.
// Returns the number of bytes decoded.
uint64_t verify_tensors(const std::string& path, Opened& x) {
    size_t n = 0;
    check(z4ai_reader_tensor_count(x.reader.r, &n), x.reader.r, path);
    std::vector<char> buf;
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
        z4ai_tensor_info t;
        check(z4ai_reader_tensor_info(x.reader.r, i, &t), x.reader.r, path);
        buf.resize(static_cast<size_t>(t.nbytes));
        size_t w = 0;
        check(z4ai_reader_read_tensor(x.reader.r, i, buf.data(), buf.size(), &w), x.reader.r,
              path + ": tensor '" + tensor_name(t) + "'");
        total += w;
    }
    return total;
}

// After a whole-file restore failed: which tensor is to blame (empty if none is).
std::string blame_tensor(const Options& o, const std::string& path, const std::string* memory) {
    try {
        Opened x;
        open_for_reading(o, path, x, memory);
        verify_tensors(path, x);
    } catch (const CliError& e) {
        if (e.message.find(": tensor '") != std::string::npos) return e.message;
    }
    return "";
}

}  // namespace

bool compress_special(const Options& o, const std::string& input) {
    if (o.raw || !is_dir(input)) return false;
    if (o.recursive) return false;  // expanded into files by the caller
    compress_directory(o, input);
    return true;
}

bool decompress_special(const Options& o, const std::string& input) {
    if (!(is_dir(input) && exists(input + "/" + kManifest))) return false;
    decompress_directory(o, input);
    return true;
}

void compress_container(const Options& o, const std::string& input, Input& in) {
    bool delta = !o.reference.empty();  // the caller checked it is a .safetensors file
    bool to_stdout = o.to_stdout || o.output == "-" || (input == "-" && o.output.empty());
    if (to_stdout && stdout_is_terminal() && !o.force)
        throw CliError{"refusing to write compressed data to a terminal (use -o or -f)"};
    if (!to_stdout && input != "-" && in.is_regular()) {
        // File to file: the input is memory-mapped and the output written atomically by the library.
        std::string stem = ends_with(input, ".safetensors") ? strip(input, ".safetensors") : input;
        std::string out = o.output.empty() ? stem + (delta ? ".z4dm" : ".zstn") : o.output;
        refuse_existing(o, out);
        uint64_t packed = pack_file(o, o.threads, input, out, o.reference);
        summary(o, input, out, file_size(input), packed);
        return;
    }
    // Through a pipe: the container's index follows its tensors, so the whole input is
    // held in memory (bounded) and the container written in one go.
    std::string src = in.read_rest(pipe_limit(), "a .safetensors input through a pipe");
    uint64_t bound = 0;
    check(z4ai_safetensors_compress_bound(src.data(), src.size(), &bound), "", in.name());
    if (bound > pipe_limit())
        throw CliError{in.name() + ": the container would exceed the pipe memory limit"};
    std::string dst(static_cast<size_t>(bound), '\0');
    CctxPtr c;
    if (!c.c) throw CliError{"out of memory"};
    configure(c.c, o, o.threads);
    size_t w = 0;
    if (delta) {
        std::string base = read_all(o.reference);
        check(z4ai_model_delta_compress(c.c, dst.data(), dst.size(), src.data(), src.size(), base.data(),
                                        base.size(), &w),
              c.c, in.name());
    } else {
        check(z4ai_safetensors_compress(c.c, dst.data(), dst.size(), src.data(), src.size(), &w), c.c,
              in.name());
    }
    std::string out_name = to_stdout ? "-" : o.output;
    if (out_name.empty()) {
        std::string stem = ends_with(input, ".safetensors") ? strip(input, ".safetensors") : input;
        out_name = stem + (delta ? ".z4dm" : ".zstn");
    }
    Output out(out_name, o.force);
    out.write(dst.data(), w);
    out.commit();
    summary(o, in.name(), out.name(), src.size(), w);
}

void decompress_container(const Options& o, const std::string& input, Input& in, int32_t kind, bool test) {
    if (kind == Z4AI_KIND_MODEL_DELTA && o.reference.empty())
        throw CliError{in.name() + ": a model delta (.z4dm): give its base with --reference FILE"};
    bool from_file = input != "-" && in.is_regular();
    std::string memory;
    if (!from_file) memory = in.read_rest(pipe_limit(), "a container through a pipe");
    const std::string* mem = from_file ? nullptr : &memory;
    if (test) {
        Opened x;
        open_for_reading(o, input, x, mem);
        uint64_t n = verify_tensors(in.name(), x);
        size_t count = 0;
        z4ai_reader_tensor_count(x.reader.r, &count);
        if (!o.quiet)
            std::fprintf(stderr, "%s: OK (%zu tensors, %llu bytes decoded and verified%s)\n",
                         in.name().c_str(), count, (unsigned long long)n,
                         o.checksum ? "" : ", checksums not checked");
        return;
    }
    std::string suffix = kind == Z4AI_KIND_CONTAINER ? ".zstn" : ".z4dm";
    bool to_stdout = o.to_stdout || o.output == "-" || (input == "-" && o.output.empty());
    std::string out = to_stdout ? "-" : o.output;
    if (out.empty()) {
        if (!ends_with(input, suffix))
            throw CliError{input + ": unknown suffix (expected " + suffix + "); use -o to name the output"};
        out = strip(input, suffix) + ".safetensors";
    }
    try {
        if (from_file && !to_stdout) {
            refuse_existing(o, out);
            uint64_t raw = unpack_file(o, o.threads, input, out,
                                       kind == Z4AI_KIND_MODEL_DELTA ? o.reference : std::string());
            summary(o, input, out, raw, file_size(input));
            return;
        }
        // To stdout or from a pipe: restore in memory (bounded), then write.
        Opened x;
        open_for_reading(o, input, x, mem);
        uint64_t size = 0;
        check(z4ai_reader_file_size(x.reader.r, &size), x.reader.r, in.name());
        if (size > pipe_limit())
            throw CliError{in.name() + ": restores to " + std::to_string(size) +
                           " bytes, more than the memory limit for pipes (" + std::to_string(pipe_limit()) +
                           " bytes; set Z4AI_PIPE_LIMIT=BYTES or give an output file with -o)"};
        std::string data(static_cast<size_t>(size), '\0');
        size_t w = 0;
        check(z4ai_reader_restore(x.reader.r, data.data(), data.size(), &w), x.reader.r, in.name());
        Output o_(out, o.force);
        o_.write(data.data(), w);
        o_.commit();
        summary(o, in.name(), o_.name(), w, from_file ? file_size(input) : memory.size());
    } catch (const CliError& e) {
        std::string blame = blame_tensor(o, input, mem);
        throw CliError{blame.empty() ? e.message : blame};
    }
}

ListRow list_container(const Options& o, const std::string& path) {
    ListRow row;
    Opened x;
    check(z4ai_reader_open_file(x.reader.r, path.c_str()), x.reader.r, path);
    z4ai_reader_kind(x.reader.r, &x.kind);
    row.kind = x.kind == Z4AI_KIND_CONTAINER     ? "container"
               : x.kind == Z4AI_KIND_MODEL_DELTA ? "model-delta"
                                                 : "safetensors";
    row.stored = file_size(path);
    z4ai_reader_file_size(x.reader.r, &row.original);
    size_t n = 0;
    if (x.kind == Z4AI_KIND_MODEL_DELTA && !o.reference.empty()) {
        check(z4ai_reader_open_file(x.base.r, o.reference.c_str()), x.base.r, o.reference);
        check(z4ai_reader_attach_base_reader(x.reader.r, x.base.r), x.reader.r, path);
    }
    if (z4ai_reader_tensor_count(x.reader.r, &n) == Z4AI_OK)
        row.parts = std::to_string(n) + (n == 1 ? " tensor" : " tensors");
    else
        row.parts = "?";
    row.check = x.kind == Z4AI_KIND_SAFETENSORS ? "none" : "on";
    return row;
}

ListRow list_archive(const Options& o, const std::string& dir) {
    ListRow row;
    row.kind = "archive";
    ArchivePtr a;
    check(z4ai_archive_set_param(a.a, Z4AI_D_THREADS, o.threads), a.a);
    check(z4ai_archive_open(a.a, dir.c_str()), a.a, dir);
    size_t n = 0, files = 0;
    z4ai_archive_member_count(a.a, &n);
    for (size_t i = 0; i < n; ++i) {
        z4ai_member_info m;
        m.struct_size = sizeof m;
        check(z4ai_archive_member_info(a.a, i, &m), a.a, dir);
        if (m.kind == Z4AI_MEMBER_DIRECTORY) continue;
        ++files;
        row.stored += m.stored_size;
        row.original += m.size;
    }
    row.parts = std::to_string(files) + (files == 1 ? " file" : " files");
    row.check = "on";
    return row;
}

uint64_t test_archive(const Options& o, const std::string& dir, size_t* members) {
    ArchivePtr a;
    check(z4ai_archive_set_param(a.a, Z4AI_D_THREADS, o.threads), a.a);
    check(z4ai_archive_set_param(a.a, Z4AI_D_VERIFY_CHECKSUM, o.checksum ? 1 : 0), a.a);
    check(z4ai_archive_open(a.a, dir.c_str()), a.a, dir);
    size_t n = 0;
    z4ai_archive_member_count(a.a, &n);
    uint64_t total = 0;
    *members = 0;
    std::vector<char> buf;
    for (size_t i = 0; i < n; ++i) {
        z4ai_member_info m;
        m.struct_size = sizeof m;
        check(z4ai_archive_member_info(a.a, i, &m), a.a, dir);
        if (m.kind == Z4AI_MEMBER_DIRECTORY) continue;
        std::string what = dir + ": member '" + m.path + "'";
        if (m.kind == Z4AI_MEMBER_CONTAINER || m.kind == Z4AI_MEMBER_MODEL_DELTA) {
            // tensor by tensor, so a failure names the tensor
            Opened x;
            check(z4ai_reader_set_param(x.reader.r, Z4AI_D_VERIFY_CHECKSUM, o.checksum ? 1 : 0), x.reader.r);
            check(z4ai_archive_open_member(a.a, i, x.reader.r), a.a, what);
            total += verify_tensors(what, x);
        }
        buf.resize(static_cast<size_t>(m.size));
        size_t w = 0;
        check(z4ai_archive_read(a.a, i, buf.data(), buf.size(), &w), a.a, what);
        if (m.kind != Z4AI_MEMBER_CONTAINER && m.kind != Z4AI_MEMBER_MODEL_DELTA) total += w;
        ++*members;
    }
    return total;
}

int run_ls(const Options& o) {
    if (o.inputs.size() != 1) throw CliError{"usage: z4ai ls FILE (one file; see z4ai ls --help)"};
    {
        ArchivePtr a;
        ArchiveRef ref;
        size_t index = 0;
        if (open_archive_ref(o, o.inputs[0], a, ref, &index)) {
            if (ref.member.empty()) return print_archive_members(a.a);
            z4ai_member_info m;
            m.struct_size = sizeof m;
            check(z4ai_archive_member_info(a.a, index, &m), a.a);
            if (m.kind != Z4AI_MEMBER_CONTAINER && m.kind != Z4AI_MEMBER_MODEL_DELTA)
                throw CliError{o.inputs[0] + ": a " + member_kind_label(m.kind) +
                               " member has no tensors (use extract)"};
        }
    }
    Opened x;
    open_for_reading(o, o.inputs[0], x);
    size_t n = 0;
    check(z4ai_reader_tensor_count(x.reader.r, &n), x.reader.r, o.inputs[0]);
    struct Row {
        std::string name, dtype, shape;
        uint64_t nbytes;
    };
    std::vector<Row> rows;
    size_t name_w = 6, dtype_w = 5, shape_w = 5;
    for (size_t i = 0; i < n; ++i) {
        z4ai_tensor_info t;
        check(z4ai_reader_tensor_info(x.reader.r, i, &t), x.reader.r, o.inputs[0]);
        std::string shape = "[";
        for (uint32_t k = 0; k < t.ndim && k < 8; ++k) {
            if (k) shape += ',';
            shape += std::to_string(t.dims[k]);
        }
        shape += t.ndim > 8 ? ",...]" : "]";
        rows.push_back({tensor_name(t), z4ai_dtype_name(t.dtype), shape, t.nbytes});
        name_w = std::max(name_w, rows.back().name.size());
        dtype_w = std::max(dtype_w, rows.back().dtype.size());
        shape_w = std::max(shape_w, shape.size());
    }
    // Columns widen to the longest entry, so long names never push the others out of line.
    std::printf("%-*s  %-*s  %-*s  %14s\n", int(name_w), "TENSOR", int(dtype_w), "DTYPE", int(shape_w),
                "SHAPE", "BYTES");
    for (const Row& r : rows)
        std::printf("%-*s  %-*s  %-*s  %14llu\n", int(name_w), r.name.c_str(), int(dtype_w), r.dtype.c_str(),
                    int(shape_w), r.shape.c_str(), (unsigned long long)r.nbytes);
    return 0;
}

int run_extract(const Options& o) {
    if (o.inputs.size() == 1) {
        ArchivePtr a;
        ArchiveRef ref;
        size_t index = 0;
        if (!open_archive_ref(o, o.inputs[0], a, ref, &index) || ref.member.empty())
            throw CliError{
                "usage: z4ai extract ARCHIVE/MEMBER -o OUT, or z4ai extract FILE TENSOR -o OUT [--elements "
                "A:B]"};
        if (o.output.empty() && !o.to_stdout) throw CliError{"extract: name the output with -o FILE (or -c)"};
        std::string out = o.to_stdout ? "/dev/stdout" : o.output;
        if (!o.to_stdout) refuse_existing(o, out);
        check(z4ai_archive_extract(a.a, index, out.c_str()), a.a, o.inputs[0]);
        if (!o.quiet && !o.to_stdout) std::fprintf(stderr, "%s -> %s\n", o.inputs[0].c_str(), out.c_str());
        return 0;
    }
    if (o.inputs.size() != 2) throw CliError{"usage: z4ai extract FILE TENSOR -o OUT [--elements A:B]"};
    Opened x;
    open_for_reading(o, o.inputs[0], x);
    size_t index = 0;
    if (z4ai_reader_find(x.reader.r, o.inputs[1].c_str(), &index) != Z4AI_OK) {
        size_t n = 0;
        z4ai_reader_tensor_count(x.reader.r, &n);
        throw CliError{o.inputs[0] + ": no tensor named '" + o.inputs[1] + "' (it has " + std::to_string(n) +
                       " tensors; `z4ai ls " + o.inputs[0] + "` lists them)"};
    }
    z4ai_tensor_info t;
    check(z4ai_reader_tensor_info(x.reader.r, index, &t), x.reader.r, o.inputs[0]);
    size_t width = z4ai_dtype_width(t.dtype);
    uint64_t elements = t.nbytes / width, first = 0, count = elements;
    if (!o.elements.empty()) {
        size_t colon = o.elements.find(':');
        if (colon == std::string::npos) throw CliError{"--elements: expected A:B"};
        try {
            first = std::stoull(o.elements.substr(0, colon));
            uint64_t end =
                colon + 1 < o.elements.size() ? std::stoull(o.elements.substr(colon + 1)) : elements;
            if (end < first) throw CliError{"--elements: B < A"};
            count = end - first;
        } catch (const std::logic_error&) {
            throw CliError{"--elements: expected A:B"};
        }
    }
    if (first > elements || count > elements - first)
        throw CliError{"--elements: " + o.elements + " is outside the tensor's " + std::to_string(elements) +
                       " elements"};
    if (o.output.empty() && !o.to_stdout) throw CliError{"extract: name the output with -o FILE (or -c)"};
    std::vector<char> buf(static_cast<size_t>(count * width));
    size_t w = 0;
    check(z4ai_reader_read_elements(x.reader.r, index, first, count, buf.data(), buf.size(), &w), x.reader.r,
          o.inputs[0] + ": tensor '" + o.inputs[1] + "'");
    Output out(o.to_stdout ? "-" : o.output, o.force);
    out.write(buf.data(), w);
    out.commit();
    if (!o.quiet && !o.to_stdout)
        std::fprintf(stderr, "%s: %s %s, %zu bytes -> %s\n", o.inputs[1].c_str(), z4ai_dtype_name(t.dtype),
                     count == elements ? "whole tensor" : "element range", w, o.output.c_str());
    return 0;
}

// `z4ai info` of a container, model delta or .safetensors (cmd_info.cpp does frames and the JSON).
bool info_container(const Options& o, const std::string& path, std::string* describe_json,
                    int32_t* kind_out) {
    const bool url = is_http_url(path);
    if (!url) {
        ArchivePtr a;
        ArchiveRef ref;
        size_t index = 0;
        if (open_archive_ref(o, path, a, ref, &index)) {
            if (ref.member.empty()) {
                *kind_out = -1;  // an archive
                if (describe_json) {
                    size_t need = 0;
                    z4ai_archive_describe(a.a, nullptr, 0, &need);
                    std::string d(need, '\0');
                    check(z4ai_archive_describe(a.a, d.data(), d.size(), &need), a.a);
                    d.resize(need);
                    *describe_json = d;
                    return true;
                }
                uint32_t version = 0;
                z4ai_archive_version(a.a, &version);
                size_t n = 0;
                z4ai_archive_member_count(a.a, &n);
                uint64_t raw = 0, stored = archive_stored_bytes(a.a, &raw);
                std::printf("archive:   %s\nformat:    z4ai directory archive, version %u\nmembers:   %zu\n",
                            path.c_str(), version, n);
                std::printf("restores:  %llu bytes (%s)\nstored:    %llu bytes (%s)\nratio:     %.4fx\n\n",
                            (unsigned long long)raw, human_size(double(raw)).c_str(), (unsigned long long)stored,
                            human_size(double(stored)).c_str(), stored ? double(raw) / double(stored) : 0.0);
                print_archive_members(a.a);
                return true;
            }
            z4ai_member_info m = member_info(a.a, index);
            if (m.kind != Z4AI_MEMBER_CONTAINER && m.kind != Z4AI_MEMBER_MODEL_DELTA) {
                if (describe_json)
                    throw CliError{path + ": --json describes archives and containers, not a " +
                                   member_kind_label(m.kind) + " member"};
                std::printf(
                    "member:    %s\nkind:      %s\nstored as: %s\nrestores:  %llu bytes\nstored:    %llu "
                    "bytes\n",
                    m.path, member_kind_label(m.kind), m.stored, (unsigned long long)m.size,
                    (unsigned long long)m.stored_size);
                *kind_out = -2;
                return true;
            }
        } else {
            int32_t k = sniff(path);
            if (k != Z4AI_KIND_CONTAINER && k != Z4AI_KIND_MODEL_DELTA && k != Z4AI_KIND_SAFETENSORS)
                return false;
        }
    }
    Opened x;
    open_for_reading(o, path, x);
    int32_t kind = x.kind;
    *kind_out = kind;
    size_t need = 0;
    z4ai_reader_describe(x.reader.r, nullptr, 0, &need);
    std::string desc(need, '\0');
    check(z4ai_reader_describe(x.reader.r, desc.data(), desc.size(), &need), x.reader.r, path);
    desc.resize(need);
    if (describe_json) {
        *describe_json = desc;
        return true;
    }
    size_t n = 0;
    z4ai_reader_tensor_count(x.reader.r, &n);
    uint64_t fs = 0;
    z4ai_reader_file_size(x.reader.r, &fs);
    uint64_t stored = url ? x.remote.size : x.stored_size != UINT64_MAX ? x.stored_size : file_size(path);
    const char* kinds[] = {"?", "frame", ".zstn container", ".z4dm model delta",
                           ".safetensors (uncompressed)"};
    std::printf("file:      %s\nformat:    %s\ntensors:   %zu\n", path.c_str(), kinds[kind], n);
    std::printf("restores:  %llu bytes (%s)\nstored:    %llu bytes (%s)\nratio:     %.4fx\n",
                (unsigned long long)fs, human_size(double(fs)).c_str(), (unsigned long long)stored,
                human_size(double(stored)).c_str(), stored ? double(fs) / double(stored) : 0.0);
    std::map<std::string, unsigned> methods;
    uint64_t frames = 0;
    std::vector<z4ai_tensor_info> infos(n);
    size_t name_w = 6;
    for (size_t i = 0; i < n; ++i) {
        check(z4ai_reader_tensor_info(x.reader.r, i, &infos[i]), x.reader.r, path);
        name_w = std::max(name_w, infos[i].name_size);
    }
    std::printf("\n%-*s %-9s %12s %12s %9s  %s\n", int(name_w), "tensor", "dtype", "bytes", "stored", "ratio",
                "method");
    for (const z4ai_tensor_info& t : infos) {
        ++methods[method_label(t.method)];
        frames += t.stored_size;
        char ratio[32] = "-";
        if (t.stored_size)
            std::snprintf(ratio, sizeof ratio, "%.3fx", double(t.nbytes) / double(t.stored_size));
        std::string m = method_label(t.method);
        if (t.method == Z4AI_TENSOR_SAME || t.method == Z4AI_TENSOR_BASE_COPY ||
            t.method == Z4AI_TENSOR_BASE_DELTA)
            m += " #" + std::to_string(t.ref);
        std::printf("%-*s %-9s %12llu %12llu %9s  %s\n", int(name_w), tensor_name(t).c_str(),
                    z4ai_dtype_name(t.dtype), (unsigned long long)t.nbytes, (unsigned long long)t.stored_size,
                    ratio, m.c_str());
    }
    std::printf("\nmethods:  ");
    bool first = true;
    for (auto& [name, count] : methods) {
        std::printf("%s%s x%u", first ? "" : ", ", name.c_str(), count);
        first = false;
    }
    if (kind != Z4AI_KIND_SAFETENSORS)
        std::printf("\noverhead: %llu bytes outside tensor frames (header JSON, index, padding, trailer)\n",
                    (unsigned long long)(stored - frames));
    else
        std::printf("\n");
    return true;
}

}  // namespace z4ai_cli
