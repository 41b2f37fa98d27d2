// archive_writer.cpp - a model directory (or hub snapshot) -> a directory archive.
//
// Member policy (docs/FORMAT.md, "Directory archive"):
//  - .safetensors files (by content) keep their name and hold a .zstn container, or a
//    .z4dm model delta against an earlier shard when they share tensors with it
//    (cross-shard dedup: tensors keyed by size + XXH3-128);
//  - files that loaders open by name (config, tokenizer, index JSON, text, ...) and files
//    that a frame does not shrink by at least 1/16 (and 256 bytes) stay plain, so the
//    archive loads with from_pretrained;
//  - every other file becomes one raw-dtype frame stored as NAME.z4ai (made unique).
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "codec/encoder.hpp"
#include "container/archive.hpp"
#include "util/hash.hpp"
#include "util/status.hpp"

namespace z4ai::archive {
namespace {

constexpr size_t kPiece = size_t(1) << 20;

struct Entry {
    Member m;
    std::string source;  // absolute path of the bytes to read (symlinks resolved)
    bool safetensors = false;
};

std::string real_path(const std::string& p) {
    char* r = ::realpath(p.c_str(), nullptr);
    if (!r) fail(Code::io, p + ": " + std::strerror(errno));
    std::string s(r);
    ::free(r);
    return s;
}

bool inside(const std::string& path, const std::string& root) {
    return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                            (root == "/" || path[root.size()] == '/'));
}

bool is_dir_path(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The directory symlinks may point into: the input itself, or for a hub snapshot
// (…/models--X/snapshots/REV, blobs in …/models--X/blobs) the repository directory.
std::string symlink_root(const std::string& src) {
    std::string parent = fs::parent_of(src);
    if (fs::base_name_of(parent) == "snapshots") {
        std::string repo = fs::parent_of(parent);
        if (is_dir_path(repo + "/blobs")) return repo;
    }
    return src;
}

void walk(const std::string& src, const std::string& root, const std::string& rel, int depth,
          std::vector<Entry>& files, std::vector<Member>& dirs) {
    if (depth > 64) fail(Code::io, src + "/" + rel + ": directories nested deeper than 64");
    std::string dir = rel.empty() ? src : src + "/" + rel;
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) fail(Code::io, dir + ": " + std::strerror(errno));
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        fail(Code::io, dir + ": cannot list");
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
        std::string r = rel.empty() ? n : rel + "/" + n;
        std::string full = src + "/" + r;
        fs::validate_relative_path(r, static_cast<int32_t>(Code::io), "input file");
        struct stat st;
        if (::lstat(full.c_str(), &st) != 0) fail(Code::io, full + ": " + std::strerror(errno));
        Entry e;
        e.m.path = r;
        if (S_ISDIR(st.st_mode)) {
            Member dm;
            dm.path = r;
            dm.kind = MemberKind::directory;
            dm.mode = static_cast<uint32_t>(st.st_mode & 0777);
            dirs.push_back(dm);
            walk(src, root, r, depth + 1, files, dirs);
            continue;
        }
        if (S_ISLNK(st.st_mode)) {
            char* t = ::realpath(full.c_str(), nullptr);
            if (!t) fail(Code::io, full + ": dangling symlink");
            std::string target(t);
            ::free(t);
            if (!inside(target, root))
                fail(Code::io,
                     full + ": symlink to " + target + " points outside " + root +
                         "; only symlinks inside the input directory (or a hub snapshot's repository) "
                         "are followed");
            if (::stat(target.c_str(), &st) != 0) fail(Code::io, target + ": " + std::strerror(errno));
            if (!S_ISREG(st.st_mode))
                fail(Code::io, full + ": symlink to something that is not a regular file (" + target + ")");
            e.source = target;
        } else if (S_ISREG(st.st_mode)) {
            e.source = full;
        } else {
            fail(Code::io, full + ": not a regular file, directory or symlink (a FIFO, device or socket)");
        }
        e.m.mode = static_cast<uint32_t>(st.st_mode & 0777);
        e.m.size = static_cast<uint64_t>(st.st_size);
        files.push_back(std::move(e));
    }
}

// Files that loaders (transformers, tokenizers, sentencepiece) open by name stay plain.
bool loader_file(const std::string& path) {
    std::string name = fs::base_name_of(path);
    auto ends = [&](const char* s) {
        size_t n = std::strlen(s);
        return name.size() >= n && name.compare(name.size() - n, n, s) == 0;
    };
    for (const char* s :
         {".json", ".txt", ".model", ".py", ".md", ".jinja", ".tiktoken", ".yaml", ".yml", ".vocab"})
        if (ends(s)) return true;
    for (const char* s : {"tokenizer", "vocab", "merges", "special_tokens", "LICENSE", "README", ".git"})
        if (name.rfind(s, 0) == 0) return true;
    return false;
}

// Tensor digests of a .safetensors file (name-free): "size:xxh3-128".
std::set<std::string> tensor_keys(const std::string& path, const DecodeConfig& cfg) {
    std::set<std::string> out;
    ContainerReader r(file_source(path), cfg);
    Buffer buf;
    for (size_t i = 0; i < r.tensor_count(); ++i) {
        uint64_t n = r.layout().tensors[i].size();
        if (!n) continue;
        Digest128 d;
        for (uint64_t at = 0; at < n; at += uint64_t(64) << 20) {
            uint64_t k = std::min<uint64_t>(uint64_t(64) << 20, n - at);
            buf.resize(static_cast<size_t>(k));
            r.read_bytes(i, at, k, buf.data());
            d.update(buf.data(), buf.size());
        }
        auto dg = d.finish();
        out.insert(std::to_string(n) + ":" + std::string(dg.begin(), dg.end()));
    }
    return out;
}

fs::Fd open_source(const Entry& e, uint64_t* size) {
    int fd = ::open(e.source.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) fail(Code::io, e.source + ": " + std::strerror(errno));
    fs::Fd f(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) fail(Code::io, e.source + ": not a regular file");
    *size = static_cast<uint64_t>(st.st_size);
    return f;
}

// Plain copy; returns its digest.
std::array<uint8_t, 16> copy_plain(const Entry& e, int out, const std::string& shown, uint64_t* size) {
    fs::Fd in = open_source(e, size);
    Digest128 d;
    Buffer buf(kPiece);
    for (uint64_t at = 0; at < *size;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, *size - at));
        fs::pread_exact(in.get(), at, buf.data(), n, e.source);
        d.update(buf.data(), n);
        fs::write_all(out, buf.data(), n, shown);
        at += n;
    }
    return d.finish();
}

// One streamed raw frame; returns its digest (of the input) and the frame size.
std::array<uint8_t, 16> write_frame(const Entry& e, const EncodeConfig& cfg, int out,
                                    const std::string& shown, uint64_t* size, uint64_t* frame_size) {
    fs::Fd in = open_source(e, size);
    Encoder enc;
    enc.config = cfg;
    enc.config.dtype = 0;
    enc.config.ndim = 0;
    enc.config.has_reference = false;
    enc.config.reference = nullptr;
    enc.set_pledged_size(*size);
    Digest128 d;
    Buffer ibuf(kPiece), obuf(std::max<size_t>(kPiece, Encoder::bound(kPiece)));
    uint64_t at = 0;
    *frame_size = 0;
    for (;;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, *size - at));
        fs::pread_exact(in.get(), at, ibuf.data(), n, e.source);
        d.update(ibuf.data(), n);
        at += n;
        InSpan is{ibuf.data(), n, 0};
        EndOp op = at >= *size ? EndOp::end : EndOp::cont;
        for (;;) {
            OutSpan os{obuf.data(), obuf.size(), 0};
            size_t remaining = enc.stream(os, is, op);
            fs::write_all(out, obuf.data(), os.pos, shown);
            *frame_size += os.pos;
            if (op == EndOp::end ? remaining == 0 : is.pos == is.size) break;
        }
        if (op == EndOp::end) break;
    }
    return d.finish();
}

std::string unique_name(const std::string& want, const std::set<std::string>& taken) {
    if (!taken.count(want)) return want;
    for (int k = 1;; ++k) {
        std::string s = want + "." + std::to_string(k);
        if (!taken.count(s)) return s;
    }
}

}  // namespace

WriteStats write_archive(const std::string& src_in, const std::string& dst, const WriteOptions& o) {
    if (!is_dir_path(src_in)) fail(Code::io, src_in + ": not a directory");
    std::string src = real_path(src_in);
    std::string root = symlink_root(src);
    std::string dst_parent = real_path(fs::parent_of(dst));
    std::string dst_real =
        dst_parent == "/" ? "/" + fs::base_name_of(dst) : dst_parent + "/" + fs::base_name_of(dst);
    if (inside(dst_real, src))
        fail(Code::io, dst + ": the output would be inside the input directory " + src_in);
    if (inside(src, dst_real)) fail(Code::io, dst + ": the input directory is inside the output");
    struct stat st;
    bool exists = ::lstat(dst.c_str(), &st) == 0;
    if (exists) {
        if (!o.replace) fail(Code::io, dst + ": already exists (replace it with -f / Z4AI_ARCHIVE_REPLACE)");
        struct stat ms;
        if (!S_ISDIR(st.st_mode) || ::lstat((dst + "/" + kManifestName).c_str(), &ms) != 0 ||
            !S_ISREG(ms.st_mode))
            fail(Code::io, dst + ": exists and is not a z4ai directory archive; not replacing it");
    }
    std::vector<Entry> files;
    std::vector<Member> dirs;
    walk(src, root, "", 0, files, dirs);

    // Kinds and stored names: shards and plain files keep their path; frames get NAME.z4ai.
    DecodeConfig dcfg;
    std::set<std::string> taken;
    for (const Entry& e : files) taken.insert(e.m.path);
    for (const Member& d : dirs) taken.insert(d.path);
    taken.insert(kManifestName);
    for (Entry& e : files) {
        uint8_t prefix[64] = {};
        uint64_t size = 0;
        fs::Fd in = open_source(e, &size);
        size_t n = static_cast<size_t>(std::min<uint64_t>(size, sizeof prefix));
        fs::pread_exact(in.get(), 0, prefix, n, e.source);
        e.safetensors = detect_input_kind(Bytes(prefix, n), size) == InputKind::safetensors;
        if (e.safetensors) {
            try {
                ContainerReader probe(file_source(e.source), dcfg);  // validates the header
            } catch (const Error& err) {
                if (err.code() != Code::safetensors_invalid) throw;
                e.safetensors = false;
            }
        }
        e.m.kind = e.safetensors ? MemberKind::container : MemberKind::plain;
        e.m.stored = e.m.path;
    }
    for (Entry& e : files) {
        if (e.m.path == kManifestName || (!e.safetensors && !loader_file(e.m.path))) {
            e.m.kind = MemberKind::frame;  // tentative; may fall back to plain
            e.m.stored = unique_name(e.m.path + ".z4ai", taken);
            taken.insert(e.m.stored);
        }
    }
    // Cross-shard dedup: a shard sharing tensors with an earlier container shard becomes a
    // model delta against the one it shares most with.
    std::map<size_t, std::set<std::string>> keys;
    for (size_t i = 0; i < files.size(); ++i)
        if (files[i].safetensors) keys[i] = tensor_keys(files[i].source, dcfg);
    for (size_t i = 0; i < files.size(); ++i) {
        if (!files[i].safetensors) continue;
        size_t best = 0;
        for (size_t j = 0; j < i; ++j) {
            if (!files[j].safetensors || files[j].m.kind != MemberKind::container) continue;
            size_t shared = 0;
            for (const std::string& k : keys[i]) shared += keys[j].count(k);
            if (shared > best) {
                best = shared;
                files[i].m.kind = MemberKind::model_delta;
                files[i].m.base = files[j].m.path;
                files[i].m.base_index = static_cast<int64_t>(j);
            }
        }
    }

    uint64_t total = 0, done = 0;
    for (const Entry& e : files) total += e.m.size;
    fs::TempDir tmp(dst);
    for (const Member& d : dirs) fs::make_dirs_beneath(tmp.fd(), d.path, 0777 & ~0022, dst + "/" + d.path);
    WriteStats stats;
    for (size_t i = 0; i < files.size(); ++i) {
        Entry& e = files[i];
        std::string shown = dst + "/" + e.m.stored;
        size_t slash = e.m.stored.rfind('/');
        if (slash != std::string::npos)
            fs::make_dirs_beneath(tmp.fd(), e.m.stored.substr(0, slash), 0755, shown);
        auto create = [&] {
            return fs::open_beneath(tmp.fd(), e.m.stored, O_WRONLY | O_CREAT | O_EXCL, 0600, shown);
        };
        fs::Fd out = create();
        uint64_t size = 0, stored = 0;
        switch (e.m.kind) {
            case MemberKind::plain:
                e.m.digest = copy_plain(e, out.get(), shown, &size);
                stored = size;
                break;
            case MemberKind::frame: {
                e.m.digest = write_frame(e, o.container.encode, out.get(), shown, &size, &stored);
                uint64_t saving = std::max<uint64_t>(size / 16, 256);
                if (e.m.path != kManifestName && (stored + saving > size)) {
                    // Not worth it: store the file plain under its own name.
                    out = fs::Fd();
                    if (::unlinkat(tmp.fd(), e.m.stored.c_str(), 0) != 0)
                        fail(Code::io, shown + ": cannot remove");
                    e.m.kind = MemberKind::plain;
                    e.m.stored = e.m.path;
                    shown = dst + "/" + e.m.stored;
                    out = create();
                    e.m.digest = copy_plain(e, out.get(), shown, &size);
                    stored = size;
                }
                break;
            }
            case MemberKind::container:
            case MemberKind::model_delta: {
                fs::LoadedFile in(e.source);
                size = in.bytes().size();
                e.m.digest = digest128(in.bytes().data(), in.bytes().size());
                FdSink sink(out.get(), shown);
                if (e.m.kind == MemberKind::container) {
                    write_container(in.bytes(), o.container, sink);
                } else {
                    fs::LoadedFile base(files[static_cast<size_t>(e.m.base_index)].source);
                    ContainerOptions co = o.container;
                    co.match_by_content = false;  // shards of one model: pair by name/digest
                    write_model_delta(in.bytes(), base.bytes(), co, sink);
                }
                stored = sink.written;
                break;
            }
            case MemberKind::directory: break;
        }
        if (size != e.m.size) fail(Code::io, e.source + ": changed size while being archived");
        e.m.has_digest = true;
        if (::fchmod(out.get(), 0644) != 0) fail(Code::io, shown + ": chmod failed");
        done += size;
        stats.input_bytes += size;
        stats.stored_bytes += stored;
        ++stats.files;
        if (o.progress) o.progress(i + 1, files.size(), done, total);
    }
    Manifest m;
    m.version = kVersion;
    for (Entry& e : files) {
        e.m.base_index = -1;
        m.members.push_back(e.m);
    }
    for (const Member& d : dirs) m.members.push_back(d);
    std::string text = serialize_manifest(m);
    parse_manifest(text);  // what we write, we read
    {
        fs::Fd mf = fs::open_beneath(tmp.fd(), kManifestName, O_WRONLY | O_CREAT | O_EXCL, 0644,
                                     dst + "/" + kManifestName);
        fs::write_all(mf.get(), reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                      dst + "/" + kManifestName);
        if (::fchmod(mf.get(), 0644) != 0) fail(Code::io, dst + "/" + kManifestName + ": chmod failed");
    }
    stats.stored_bytes += text.size();
    tmp.commit(exists);
    return stats;
}

}  // namespace z4ai::archive
