// cmd_container.cpp - the CLI side of containers: `compress`/`decompress` of
// .safetensors files (.zstn), fine-tunes against a base (.z4dm) and model
// directories; `ls`, `extract`, and per-tensor `info`. Everything goes through
// the C ABI.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "container/json.hpp"
#include "io.hpp"
#include "util/status.hpp"
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

// Files inside a partial output directory (renamed into place as a whole later).
void write_whole(const std::string& path, const void* data, size_t n) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    f.close();
    if (!f) throw CliError{path + ": write failed"};
}

// Plain file -> one raw-dtype frame (config, tokenizer, index JSON).
void pack_plain(const Options& o, const std::string& in, const std::string& out) {
    std::string data = read_all(in);
    CctxPtr c;
    configure(c.c, o, 1);
    std::string frame(z4ai_compress_bound(data.size()), '\0');
    size_t w = 0;
    check(z4ai_compress(c.c, frame.data(), frame.size(), data.data(), data.size(), &w), c.c, in);
    write_whole(out, frame.data(), w);
}
void unpack_plain(const Options& o, const std::string& in, const std::string& out) {
    std::string frame = read_all(in);
    uint64_t size = 0;
    check(z4ai_frame_content_size(frame.data(), frame.size(), &size), "", in);
    std::string data(size, '\0');
    DctxPtr d;
    configure(d.d, o, 1);
    size_t w = 0;
    check(z4ai_decompress(d.d, data.data(), data.size(), frame.data(), frame.size(), &w), d.d, in);
    write_whole(out, data.data(), w);
}

// ---- model directories ----

void list_files(const std::string& root, const std::string& rel, std::vector<std::string>& out) {
    std::string dir = rel.empty() ? root : root + "/" + rel;
    DIR* d = opendir(dir.c_str());
    if (!d) throw CliError{dir + ": cannot open directory"};
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
        std::string r = rel.empty() ? n : rel + "/" + n;
        std::string full = root + "/" + r;
        struct stat st;
        if (lstat(full.c_str(), &st) != 0) throw CliError{full + ": cannot stat"};
        if (S_ISDIR(st.st_mode))
            list_files(root, r, out);
        else if (S_ISREG(st.st_mode))
            out.push_back(r);
        else
            throw CliError{full + ": only regular files and directories are supported"};
    }
}

void make_dirs(const std::string& path) {
    for (size_t at = 1; at != std::string::npos; at = path.find('/', at + 1)) {
        std::string prefix = path.substr(0, path.find('/', at));
        if (!prefix.empty() && !is_dir(prefix) && mkdir(prefix.c_str(), 0777) != 0 && !is_dir(prefix))
            throw CliError{prefix + ": cannot create directory"};
        if (path.find('/', at) == std::string::npos) break;
    }
    if (!is_dir(path) && mkdir(path.c_str(), 0777) != 0 && !is_dir(path))
        throw CliError{path + ": cannot create directory"};
}

void remove_tree(const std::string& path) {
    if (!is_dir(path)) return;
    std::vector<std::string> files;
    try {
        list_files(path, "", files);
    } catch (const CliError&) {
    }
    for (const std::string& f : files) unlink((path + "/" + f).c_str());
    // Deepest directories first.
    std::vector<std::string> dirs;
    for (const std::string& f : files)
        for (size_t at = f.find('/'); at != std::string::npos; at = f.find('/', at + 1))
            dirs.push_back(path + "/" + f.substr(0, at));
    std::sort(dirs.begin(), dirs.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& d : dirs) rmdir(d.c_str());
    rmdir(path.c_str());
}

// Removes a partial output directory unless dismissed.
struct PartialDir {
    std::string path;
    bool keep = false;
    ~PartialDir() {
        if (!keep) remove_tree(path);
    }
};

struct DirEntry {
    std::string path;    // relative path of the original file
    std::string stored;  // relative path inside the archive directory
    std::string kind;    // "container" | "model_delta" | "frame"
    std::string base;    // model_delta: original path of the shard it refers to
};

// Digests of a shard's tensors (name-free) via a reader over the plain file.
std::set<std::string> tensor_digests(const std::string& path) {
    std::set<std::string> out;
    ReaderPtr r;
    check(z4ai_reader_open_file(r.r, path.c_str()), r.r, path);
    size_t n = 0;
    z4ai_reader_tensor_count(r.r, &n);
    std::vector<char> buf;
    for (size_t i = 0; i < n; ++i) {
        z4ai_tensor_info info;
        check(z4ai_reader_tensor_info(r.r, i, &info), r.r, path);
        if (!info.nbytes) continue;
        buf.resize(info.nbytes);
        size_t w = 0;
        check(z4ai_reader_read_tensor(r.r, i, buf.data(), buf.size(), &w), r.r, path);
        // Size + two independent 64-bit hashes (FNV-1a and a multiplicative mix) as the key.
        uint64_t h1 = 1469598103934665603ull, h2 = 0x9E3779B97F4A7C15ull;
        for (size_t k = 0; k < w; ++k) {
            h1 = (h1 ^ uint8_t(buf[k])) * 1099511628211ull;
            h2 = (h2 + uint8_t(buf[k])) * 0xBF58476D1CE4E5B9ull;
        }
        char key[64];
        std::snprintf(key, sizeof key, "%zu:%016llx%016llx", w, (unsigned long long)h1,
                      (unsigned long long)h2);
        out.insert(key);
    }
    return out;
}

int compress_directory(const Options& o, const std::string& dir) {
    std::string out = o.output.empty() ? (ends_with(dir, "/") ? strip(dir, "/") : dir) + ".z4ai" : o.output;
    refuse_existing(o, out);
    {
        // The archive may not be written inside the directory it archives.
        char* rd = realpath(dir.c_str(), nullptr);
        std::string parent = out.find('/') == std::string::npos ? "." : out.substr(0, out.rfind('/'));
        char* rp = realpath(parent.empty() ? "/" : parent.c_str(), nullptr);
        bool inside = rd && rp && (std::string(rp) + "/").rfind(std::string(rd) + "/", 0) == 0;
        std::free(rd);
        std::free(rp);
        if (inside) throw CliError{out + ": the output would be inside the input directory " + dir};
    }
    if (is_dir(out) && !exists(out + "/" + kManifest))
        throw CliError{out + ": exists and is not a z4ai directory archive; not replacing it"};
    std::vector<std::string> files;
    list_files(dir, "", files);
    std::vector<DirEntry> entries;
    std::vector<std::string> shards;
    for (const std::string& f : files) {
        DirEntry e;
        e.path = f;
        if (sniff(dir + "/" + f) == Z4AI_KIND_SAFETENSORS) {
            e.kind = "container";
            e.stored = (ends_with(f, ".safetensors") ? strip(f, ".safetensors") : f) + ".zstn";
            shards.push_back(f);
        } else {
            e.kind = "frame";
            e.stored = f + ".z4ai";
        }
        entries.push_back(e);
    }
    // Dedup across shards: a shard sharing tensors with an earlier one becomes a
    // model delta against the earlier shard with the most shared tensors.
    std::map<std::string, std::set<std::string>> digests;
    for (const std::string& s : shards) digests[s] = tensor_digests(dir + "/" + s);
    for (DirEntry& e : entries) {
        if (e.kind != "container") continue;
        size_t best = 0;
        for (const std::string& s : shards) {
            if (s == e.path) break;
            size_t shared = 0;
            for (const std::string& k : digests[e.path]) shared += digests[s].count(k);
            if (shared > best) {
                best = shared;
                e.base = s;
            }
        }
        if (!e.base.empty()) {
            e.kind = "model_delta";
            e.stored = strip(e.stored, ".zstn") + ".z4dm";
        }
    }
    std::string tmp = out + ".z4ai-partial";
    remove_tree(tmp);
    make_dirs(tmp);
    PartialDir partial{tmp};
    for (const DirEntry& e : entries) {
        size_t slash = e.stored.rfind('/');
        if (slash != std::string::npos) make_dirs(tmp + "/" + e.stored.substr(0, slash));
    }
    // Shards in parallel: up to `threads` shards at once, threads split between them.
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    unsigned threads = o.threads > 0 ? static_cast<unsigned>(o.threads) : cores;
    unsigned workers = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(entries.size())));
    long long per = std::max<long long>(1, threads / workers);
    std::vector<std::string> errors(entries.size());
    std::vector<uint64_t> sizes(entries.size());
    size_t next = 0;
    std::mutex m;
    auto work = [&] {
        for (;;) {
            size_t k;
            {
                std::lock_guard<std::mutex> lock(m);
                if (next >= entries.size()) return;
                k = next++;
            }
            const DirEntry& e = entries[k];
            try {
                std::string in = dir + "/" + e.path, dst = tmp + "/" + e.stored;
                if (e.kind == "frame")
                    pack_plain(o, in, dst);
                else
                    pack_file(o, per, in, dst, e.kind == "model_delta" ? dir + "/" + e.base : "", false);
                sizes[k] = file_size(dst);
            } catch (const CliError& err) {
                errors[k] = err.message;
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (const std::string& err : errors)
        if (!err.empty()) throw CliError{err};

    std::string j = "{\"format\":\"z4ai-directory\",\"version\":1,\"files\":[";
    uint64_t raw = 0, packed = 0;
    for (size_t k = 0; k < entries.size(); ++k) {
        const DirEntry& e = entries[k];
        if (k) j += ",";
        j += "{\"path\":";
        z4ai::json::append_quoted(j, e.path);
        j += ",\"stored\":";
        z4ai::json::append_quoted(j, e.stored);
        j += ",\"kind\":\"" + e.kind + "\"";
        if (!e.base.empty()) {
            j += ",\"base\":";
            z4ai::json::append_quoted(j, e.base);
        }
        j += ",\"size\":" + std::to_string(file_size(dir + "/" + e.path)) + "}";
        raw += file_size(dir + "/" + e.path);
        packed += sizes[k];
    }
    j += "]}\n";
    write_whole(tmp + "/" + kManifest, j.data(), j.size());
    if (is_dir(out)) remove_tree(out);
    if (rename(tmp.c_str(), out.c_str()) != 0) throw CliError{out + ": cannot rename into place"};
    partial.keep = true;
    summary(o, dir, out, raw, packed);
    return 0;
}

int decompress_directory(const Options& o, const std::string& dir) {
    std::string manifest = read_all(dir + "/" + kManifest);
    std::vector<DirEntry> entries;
    try {
        z4ai::json::Cursor c(manifest, Z4AI_E_CORRUPT);
        c.begin_object();
        std::string key;
        while (c.next_member(&key)) {
            if (key != "files") {
                c.skip_value();
                continue;
            }
            c.begin_array();
            while (c.next_item()) {
                DirEntry e;
                c.begin_object();
                std::string f;
                while (c.next_member(&f)) {
                    if (f == "path")
                        e.path = c.read_string();
                    else if (f == "stored")
                        e.stored = c.read_string();
                    else if (f == "kind")
                        e.kind = c.read_string();
                    else if (f == "base")
                        e.base = c.read_string();
                    else
                        c.skip_value();
                }
                auto safe = [](const std::string& p) {
                    return !p.empty() && p[0] != '/' && p.find("..") == std::string::npos;
                };
                if (!safe(e.path) || !safe(e.stored) || (!e.base.empty() && !safe(e.base)))
                    throw CliError{dir + ": manifest names a path outside the directory"};
                entries.push_back(e);
            }
        }
        c.finish();
    } catch (const z4ai::Error& e) {
        throw CliError{dir + "/" + kManifest + ": " + e.message()};
    }
    std::string out = o.output;
    if (out.empty()) {
        std::string d = ends_with(dir, "/") ? strip(dir, "/") : dir;
        if (!ends_with(d, ".z4ai")) throw CliError{dir + ": use -o to name the output directory"};
        out = strip(d, ".z4ai");
    }
    refuse_existing(o, out);
    if (is_dir(out)) throw CliError{out + ": directory exists; remove it first"};
    std::string tmp = out + ".z4ai-partial";
    remove_tree(tmp);
    make_dirs(tmp);
    PartialDir partial{tmp};
    uint64_t raw = 0, packed = 0;
    // Bases first: a model-delta shard refers to an earlier, plain shard.
    for (int pass = 0; pass < 2; ++pass)
        for (const DirEntry& e : entries) {
            if ((e.kind == "model_delta") != (pass == 1)) continue;
            std::string in = dir + "/" + e.stored, dst = tmp + "/" + e.path;
            size_t slash = e.path.rfind('/');
            if (slash != std::string::npos) make_dirs(tmp + "/" + e.path.substr(0, slash));
            if (e.kind == "frame")
                unpack_plain(o, in, dst);
            else if (e.kind == "container")
                unpack_file(o, o.threads, in, dst, "");
            else if (e.kind == "model_delta")
                unpack_file(o, o.threads, in, dst, tmp + "/" + e.base);
            else
                throw CliError{dir + ": unknown entry kind '" + e.kind + "'"};
            raw += file_size(dst);
            packed += file_size(in);
        }
    if (rename(tmp.c_str(), out.c_str()) != 0) throw CliError{out + ": cannot rename into place"};
    partial.keep = true;
    summary(o, dir, out, raw, packed);
    return 0;
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

// Opens FILE (and its base for a model delta) for ls/extract/info/test, from a path
// or from memory (a container that came through a pipe).
struct Opened {
    ReaderPtr reader, base;
    int32_t kind = 0;
    std::string memory;  // the input, when it was not a file
};
void open_for_reading(const Options& o, const std::string& path, Opened& x,
                      const std::string* memory = nullptr) {
    check(z4ai_reader_set_param(x.reader.r, Z4AI_D_THREADS, o.threads), x.reader.r);
    check(z4ai_reader_set_param(x.reader.r, Z4AI_D_VERIFY_CHECKSUM, o.checksum ? 1 : 0), x.reader.r);
    if (memory) {
        x.memory = *memory;
        check(z4ai_reader_open_memory(x.reader.r, x.memory.data(), x.memory.size()), x.reader.r, path);
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
    (void)o;
    ListRow row;
    row.kind = "archive";
    std::vector<std::string> files;
    walk_files(dir, files, true);
    size_t n = 0;
    for (const std::string& f : files) {
        row.stored += file_size(f);
        if (ends_with(f, std::string("/") + kManifest)) continue;
        ++n;
        int32_t kind = sniff(f);
        if (kind == Z4AI_KIND_FRAME) {
            char head[4096];
            std::ifstream in(f, std::ios::binary);
            in.read(head, sizeof head);
            uint64_t size = 0;
            if (z4ai_frame_content_size(head, static_cast<size_t>(in.gcount()), &size) == Z4AI_OK &&
                size != Z4AI_CONTENT_SIZE_UNKNOWN)
                row.original += size;
        } else if (kind == Z4AI_KIND_CONTAINER || kind == Z4AI_KIND_MODEL_DELTA) {
            ReaderPtr r;
            uint64_t size = 0;
            if (z4ai_reader_open_file(r.r, f.c_str()) == Z4AI_OK &&
                z4ai_reader_file_size(r.r, &size) == Z4AI_OK)
                row.original += size;
        }
    }
    row.parts = std::to_string(n) + (n == 1 ? " file" : " files");
    row.check = "on";
    return row;
}

int run_ls(const Options& o) {
    if (o.inputs.size() != 1) throw CliError{"usage: z4ai ls FILE (one file; see z4ai ls --help)"};
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
    int32_t kind = sniff(path);
    if (kind != Z4AI_KIND_CONTAINER && kind != Z4AI_KIND_MODEL_DELTA && kind != Z4AI_KIND_SAFETENSORS)
        return false;
    Opened x;
    open_for_reading(o, path, x);
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
    uint64_t stored = file_size(path);
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
