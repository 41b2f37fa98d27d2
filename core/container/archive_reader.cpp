// archive_reader.cpp - opening a directory archive, reading one member, restoring all.
// Every stored file is opened beneath the archive directory without following symlinks
// and must be a regular file; members are decoded in bounded pieces (frames streamed,
// containers tensor by tensor under DecodeConfig::max_memory) and checked against the
// manifest's size (and digest, version 2) while they are written.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "codec/decoder.hpp"
#include "container/archive.hpp"
#include "container/json.hpp"
#include "util/hash.hpp"
#include "util/status.hpp"

namespace z4ai::archive {
namespace {

constexpr size_t kPiece = size_t(1) << 20;

// Counts, bounds, hashes and reports what a member writes.
class CheckedSink final : public Sink {
   public:
    CheckedSink(Sink& out, const Member& m, const Progress& progress, uint64_t done_before,
                uint64_t files_done, uint64_t files_total, uint64_t bytes_total)
        : out_(out),
          m_(m),
          progress_(progress),
          before_(done_before),
          files_done_(files_done),
          files_total_(files_total),
          total_(bytes_total) {}
    void write(const uint8_t* data, size_t n) override {
        if (n > m_.size - written)
            fail(Code::corrupt, m_.path + ": decodes to more than the " + std::to_string(m_.size) +
                                    " bytes the manifest records");
        out_.write(data, n);
        if (m_.has_digest) digest_.update(data, n);
        written += n;
        if (progress_ && written - reported_ >= (uint64_t(8) << 20)) {
            reported_ = written;
            progress_(files_done_, files_total_, before_ + written, total_);
        }
    }
    void finish() {
        if (written != m_.size)
            fail(Code::corrupt, m_.path + ": decodes to " + std::to_string(written) +
                                    " bytes, the manifest records " + std::to_string(m_.size));
        if (m_.has_digest && digest_.finish() != m_.digest)
            fail(Code::checksum, m_.path + ": restored bytes do not match the manifest's XXH3-128 digest");
    }

   private:
    Sink& out_;
    const Member& m_;
    const Progress& progress_;
    uint64_t before_, files_done_, files_total_, total_, reported_ = 0;
    Digest128 digest_;
};

mode_t umask_default(mode_t bits) {
    mode_t mask = ::umask(022);
    ::umask(mask);
    return bits & ~mask;
}

}  // namespace

Archive::Archive(const std::string& dir, const DecodeConfig& cfg) : config(cfg), path_(dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail(Code::io, dir + ": " + std::strerror(errno));
    dir_ = fs::Fd(fd);
    uint64_t size = 0;
    fs::Fd m = fs::open_regular_beneath(dir_.get(), kManifestName, &size, dir + "/" + kManifestName);
    if (size > kMaxManifestSize) fail(Code::corrupt, dir + "/" + kManifestName + ": larger than 64 MiB");
    std::string text(static_cast<size_t>(size), '\0');
    fs::pread_exact(m.get(), 0, reinterpret_cast<uint8_t*>(text.data()), text.size(),
                    dir + "/" + kManifestName);
    manifest_ = parse_manifest(text);
}

size_t Archive::find(std::string_view p) const {
    for (size_t i = 0; i < manifest_.members.size(); ++i)
        if (manifest_.members[i].path == p) return i;
    return SIZE_MAX;
}

fs::Fd Archive::open_stored(size_t i, uint64_t* size) {
    const Member& m = manifest_.members.at(i);
    if (m.kind == MemberKind::directory) fail(Code::wrong_kind, m.path + ": a directory, not a file");
    return fs::open_regular_beneath(dir_.get(), m.stored, size, path_ + "/" + m.stored);
}

uint64_t Archive::stored_size(size_t i) {
    if (manifest_.members.at(i).kind == MemberKind::directory) return 0;
    uint64_t size = 0;
    open_stored(i, &size);
    return size;
}

std::unique_ptr<ContainerReader> Archive::open_container(size_t i,
                                                         std::vector<std::unique_ptr<ContainerReader>>& bases,
                                                         int depth) {
    const Member& m = manifest_.members.at(i);
    if (m.kind != MemberKind::container && m.kind != MemberKind::model_delta)
        fail(Code::wrong_kind, m.path + ": stored as a " + kind_name(m.kind) + ", not a container");
    if (depth > 16) fail(Code::corrupt, m.path + ": chain of bases too deep");
    uint64_t size = 0;
    fs::Fd fd = open_stored(i, &size);
    std::string shown = path_ + "/" + m.stored;
    auto r = std::make_unique<ContainerReader>(fd_source(fd.release(), shown, size), config);
    InputKind want = m.kind == MemberKind::container ? InputKind::container : InputKind::model_delta;
    if (r->kind() != want)
        fail(Code::corrupt,
             shown + ": does not hold the " + std::string(kind_name(m.kind)) + " the manifest records");
    if (m.kind == MemberKind::model_delta) {
        auto base = open_container(static_cast<size_t>(m.base_index), bases, depth + 1);
        r->attach_base(base.get());
        bases.push_back(std::move(base));
    }
    if (r->file_size() != m.size)
        fail(Code::corrupt, shown + ": restores to " + std::to_string(r->file_size()) +
                                " bytes, the manifest records " + std::to_string(m.size));
    return r;
}

void Archive::extract(size_t i, Sink& out, const Progress& progress, uint64_t done_before,
                      uint64_t files_done, uint64_t total) {
    const Member& m = manifest_.members.at(i);
    CheckedSink sink(out, m, progress, done_before, files_done, manifest_.members.size(), total);
    switch (m.kind) {
        case MemberKind::directory: fail(Code::wrong_kind, m.path + ": a directory, not a file");
        case MemberKind::plain: {
            uint64_t size = 0;
            fs::Fd fd = open_stored(i, &size);
            if (size != m.size)
                fail(Code::corrupt, m.path + ": stored file is " + std::to_string(size) +
                                        " bytes, the manifest records " + std::to_string(m.size));
            Buffer buf(kPiece);
            for (uint64_t at = 0; at < size;) {
                size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, size - at));
                fs::pread_exact(fd.get(), at, buf.data(), n, path_ + "/" + m.stored);
                sink.write(buf.data(), n);
                at += n;
            }
            break;
        }
        case MemberKind::frame: {
            uint64_t size = 0;
            fs::Fd fd = open_stored(i, &size);
            Decoder d;
            d.config = config;
            Buffer in(kPiece), outbuf(std::max<size_t>(kPiece, d.recommended_output_size()));
            uint64_t at = 0;
            bool done = false;
            while (!done) {
                size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, size - at));
                fs::pread_exact(fd.get(), at, in.data(), n, path_ + "/" + m.stored);
                InSpan is{in.data(), n, 0};
                for (;;) {
                    OutSpan os{outbuf.data(), outbuf.size(), 0};
                    size_t before = is.pos;
                    size_t remaining = d.stream(os, is);
                    if (os.pos) sink.write(outbuf.data(), os.pos);
                    if (remaining == 0) {
                        done = true;
                        break;
                    }
                    if (os.pos == 0 && is.pos == before) break;  // needs more input
                }
                at += is.pos;
                if (!done && (at >= size || is.pos == 0))
                    fail(Code::truncated, path_ + "/" + m.stored + ": frame ends early");
            }
            if (at != size) fail(Code::corrupt, path_ + "/" + m.stored + ": bytes after the frame");
            break;
        }
        case MemberKind::container:
        case MemberKind::model_delta: {
            std::vector<std::unique_ptr<ContainerReader>> bases;
            auto r = open_container(i, bases);
            r->restore(sink);
            break;
        }
    }
    sink.finish();
}

void Archive::restore(const std::string& out, const Progress& progress) {
    struct stat st;
    if (::lstat(out.c_str(), &st) == 0) fail(Code::io, out + ": already exists; not replacing it");
    fs::TempDir tmp(out);
    uint64_t total = 0, done = 0, files = 0;
    for (const Member& m : manifest_.members) total += m.kind == MemberKind::directory ? 0 : m.size;
    for (const Member& m : manifest_.members)
        if (m.kind == MemberKind::directory)
            fs::make_dirs_beneath(tmp.fd(), m.path, 0700, out + "/" + m.path);
    for (size_t i = 0; i < manifest_.members.size(); ++i) {
        const Member& m = manifest_.members[i];
        if (m.kind == MemberKind::directory) continue;
        size_t slash = m.path.rfind('/');
        if (slash != std::string::npos)
            fs::make_dirs_beneath(tmp.fd(), m.path.substr(0, slash), 0700, out + "/" + m.path);
        fs::Fd fd = fs::open_beneath(tmp.fd(), m.path, O_WRONLY | O_CREAT | O_EXCL, 0600, out + "/" + m.path);
        FdSink sink(fd.get(), out + "/" + m.path);
        extract(i, sink, progress, done, files, total);
        mode_t mode = m.mode ? static_cast<mode_t>(m.mode) : umask_default(0666);
        if (::fchmod(fd.get(), mode) != 0) fail(Code::io, out + "/" + m.path + ": chmod failed");
        done += m.size;
        ++files;
        if (progress) progress(files, manifest_.members.size(), done, total);
    }
    // Directory modes last, deepest first (a read-only directory would refuse its files).
    std::vector<std::string> dirs;
    for (const Member& m : manifest_.members) {
        for (size_t at = m.path.find('/'); at != std::string::npos; at = m.path.find('/', at + 1))
            dirs.push_back(m.path.substr(0, at));
        if (m.kind == MemberKind::directory) dirs.push_back(m.path);
    }
    std::sort(dirs.begin(), dirs.end());
    dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
    std::sort(dirs.begin(), dirs.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& d : dirs) {
        size_t k = find(d);
        mode_t mode = k != SIZE_MAX && manifest_.members[k].mode
                          ? static_cast<mode_t>(manifest_.members[k].mode)
                          : umask_default(0777);
        fs::Fd fd = fs::open_beneath(tmp.fd(), d, O_RDONLY | O_DIRECTORY, 0, out + "/" + d);
        if (::fchmod(fd.get(), mode | 0700) != 0) fail(Code::io, out + "/" + d + ": chmod failed");
    }
    if (progress) progress(files, manifest_.members.size(), done, total);
    tmp.commit(false);
    // Modes without owner write (rare) are applied after the rename: until then the
    // temporary tree must stay removable.
    for (const std::string& d : dirs) {
        size_t k = find(d);
        if (k == SIZE_MAX || !manifest_.members[k].mode || (manifest_.members[k].mode & 0700) == 0700)
            continue;
        fs::Fd root(::open(out.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!root) continue;
        fs::Fd fd = fs::open_beneath(root.get(), d, O_RDONLY | O_DIRECTORY, 0, out + "/" + d);
        ::fchmod(fd.get(), static_cast<mode_t>(manifest_.members[k].mode));
    }
}

std::string Archive::describe() {
    std::string j =
        "{\"format\":\"z4ai-directory\",\"version\":" + std::to_string(manifest_.version) + ",\"members\":[";
    for (size_t i = 0; i < manifest_.members.size(); ++i) {
        const Member& m = manifest_.members[i];
        if (i) j += ',';
        j += "{\"path\":";
        json::append_quoted(j, m.path);
        j += ",\"kind\":\"";
        j += kind_name(m.kind);
        j += "\"";
        if (m.kind != MemberKind::directory) {
            j += ",\"stored\":";
            json::append_quoted(j, m.stored);
            j += ",\"size\":" + std::to_string(m.size) + ",\"stored_size\":" + std::to_string(stored_size(i));
        }
        if (!m.base.empty()) {
            j += ",\"base\":";
            json::append_quoted(j, m.base);
        }
        if (m.mode) j += ",\"mode\":" + std::to_string(m.mode);
        j += "}";
    }
    j += "]}";
    return j;
}

}  // namespace z4ai::archive
