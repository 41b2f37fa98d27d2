// archive.hpp - directory archives (docs/FORMAT.md, "Directory archive"): a model
// directory or hub snapshot as a directory DIR.z4ai/ that is itself a model directory
// (shards keep their names and hold .zstn containers or .z4dm deltas against another
// shard; config/tokenizer files stay plain) plus z4ai-manifest.json. Written, listed, read
// member by member and restored here, for the C ABI (z4ai_archive_*) and so every binding.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/config.hpp"
#include "container/container.hpp"
#include "util/safe_fs.hpp"

namespace z4ai::archive {

constexpr const char* kManifestName = "z4ai-manifest.json";
constexpr uint32_t kVersion = 2;  // written; 1 and 2 are read
// A manifest larger than this is refused before it is read (a 10k-file repository's
// manifest is ~2 MB).
constexpr uint64_t kMaxManifestSize = uint64_t(64) << 20;

enum class MemberKind : int32_t { plain = 0, frame = 1, container = 2, model_delta = 3, directory = 4 };
const char* kind_name(MemberKind k);

struct Member {
    std::string path;    // relative path in the original directory
    std::string stored;  // relative path of its file inside the archive ("" for a directory)
    std::string base;    // model_delta: path of the member it is stored against
    MemberKind kind = MemberKind::plain;
    uint64_t size = 0;        // restored bytes
    uint32_t mode = 0;        // permission bits (0: not recorded, umask default)
    bool has_digest = false;  // XXH3-128 of the restored bytes (version 2)
    std::array<uint8_t, 16> digest{};
    int64_t base_index = -1;
};

struct Manifest {
    uint32_t version = kVersion;
    std::vector<Member> members;  // files (in manifest order), then directories
};

// Parses and validates (paths, duplicates, bases). Errors: Code::corrupt,
// Code::version_unsupported.
Manifest parse_manifest(std::string_view json);
std::string serialize_manifest(const Manifest& m);

// Writes to an open file descriptor (members of archives and restores).
class FdSink final : public Sink {
   public:
    FdSink(int fd, std::string shown) : fd_(fd), shown_(std::move(shown)) {}
    void write(const uint8_t* data, size_t n) override {
        fs::write_all(fd_, data, n, shown_);
        written += n;
    }

   private:
    int fd_;
    std::string shown_;
};

// files_done, files_total, bytes_done, bytes_total (bytes of the original files).
using Progress = std::function<void(uint64_t, uint64_t, uint64_t, uint64_t)>;

struct WriteOptions {
    ContainerOptions container;
    bool replace = false;  // replace an existing archive at the destination
    Progress progress;
};
struct WriteStats {
    uint64_t files = 0, input_bytes = 0, stored_bytes = 0;
};
// Archives directory src into the new directory dst (a unique temporary beside dst,
// renamed into place). Symlinks are followed when they resolve inside the input directory
// or, for a hub snapshot (…/models--X/snapshots/REV), inside models--X; any other symlink,
// and any FIFO, device or socket, is refused.
WriteStats write_archive(const std::string& src, const std::string& dst, const WriteOptions& options);

class Archive {
   public:
    Archive(const std::string& dir, const DecodeConfig& config);
    DecodeConfig config;

    const Manifest& manifest() const { return manifest_; }
    const std::string& path() const { return path_; }
    size_t find(std::string_view path) const;  // SIZE_MAX if absent
    uint64_t stored_size(size_t i);            // size of the member's stored file
    // A reader over a container / model-delta member, bases opened from the archive and
    // attached (appended to `bases`, which must outlive the reader).
    std::unique_ptr<ContainerReader> open_container(size_t i,
                                                    std::vector<std::unique_ptr<ContainerReader>>& bases,
                                                    int depth = 0);
    // Decodes member i into out (checked against its size and digest).
    void extract(size_t i, Sink& out, const Progress& progress = {}, uint64_t done_before = 0,
                 uint64_t files_done = 0, uint64_t total = 0);
    // Restores every member under the new directory out (temporary beside it, renamed).
    void restore(const std::string& out, const Progress& progress);
    std::string describe();

   private:
    fs::Fd open_stored(size_t i, uint64_t* size);
    std::string path_;
    fs::Fd dir_;
    Manifest manifest_;
};

}  // namespace z4ai::archive
