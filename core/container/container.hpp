// container.hpp - .safetensors <-> .zstn container and .z4dm model delta:
// writing (per-tensor frames, tied-tensor dedup, tensor-aware deltas against a
// base) and reading (listing, one tensor, an element range, whole-file restore)
// from any Source.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "codec/config.hpp"
#include "container/container_format.hpp"
#include "container/safetensors.hpp"
#include "util/source.hpp"

namespace z4ai {

class Decoder;

enum class InputKind : int32_t { unknown = 0, frame = 1, container = 2, model_delta = 3, safetensors = 4 };
// Classifies the first bytes of an input of total_size bytes (needs >= 16 bytes).
InputKind detect_input_kind(Bytes prefix, uint64_t total_size);

// Where a writer puts its bytes, sequentially.
class Sink {
   public:
    virtual ~Sink() = default;
    virtual void write(const uint8_t* data, size_t n) = 0;
    uint64_t written = 0;
};
class MemorySink final : public Sink {
   public:
    MemorySink(uint8_t* dst, size_t capacity) : dst_(dst), capacity_(capacity) {}
    void write(const uint8_t* data, size_t n) override;

   private:
    uint8_t* dst_;
    size_t capacity_;
};
class BufferSink final : public Sink {
   public:
    void write(const uint8_t* data, size_t n) override {
        buffer.append(data, n);
        written += n;
    }
    Buffer buffer;
};

namespace fs {
class OutputFile;
}
// Writes a file atomically: a unique temporary file next to `path`, renamed into place
// by commit(); removed if destroyed before that (or on SIGINT/SIGTERM). An existing
// non-regular target (/dev/null, a FIFO) is written in place (util/safe_fs.hpp).
class AtomicFileSink final : public Sink {
   public:
    explicit AtomicFileSink(const std::string& path, unsigned mode = 0666, bool respect_umask = true);
    ~AtomicFileSink() override;
    void write(const uint8_t* data, size_t n) override;
    void commit();

   private:
    std::unique_ptr<fs::OutputFile> out_;
};

struct ContainerOptions {
    EncodeConfig encode;           // effort, level, chunk size, checksum, threads (dtype/shape per tensor)
    bool tensor_dedup = true;      // identical tensors stored once
    bool match_by_content = true;  // model delta: pair renamed tensors by content similarity
};

// Upper bound of the container size for this safetensors file (header parsed).
uint64_t container_bound(Bytes file);
// .safetensors -> .zstn. Returns the number of bytes written.
uint64_t write_container(Bytes file, const ContainerOptions& options, Sink& out);
// fine-tune .safetensors + base .safetensors -> .z4dm.
uint64_t write_model_delta(Bytes file, Bytes base, const ContainerOptions& options, Sink& out);

struct ReaderStats {
    uint64_t calls = 0, bytes = 0;
};

class ContainerReader {
   public:
    // Opens a .zstn, a .z4dm or a plain .safetensors.
    explicit ContainerReader(std::unique_ptr<Source> source, const DecodeConfig& config = {});
    ~ContainerReader();

    DecodeConfig config;  // threads, memory limit, checksum verification
    bool verify_base = true;

    InputKind kind() const { return kind_; }
    bool ready() const { return ready_; }  // false: a model delta waiting for its base
    size_t tensor_count() const { return index_.tensor_count; }
    const SafetensorsLayout& layout() const;
    Bytes header_bytes() const;  // the original 8 + N header bytes
    const TensorEntry& entry(size_t i) const;
    uint64_t file_size() const {
        return kind_ == InputKind::safetensors ? source_->size() : index_.file_size;
    }
    size_t find(std::string_view name) const;  // SIZE_MAX if absent

    // Model delta: the base it was made against (verified by size + digest).
    // Memory is not copied; a base reader must outlive this reader.
    void attach_base(Bytes base);
    void attach_base(ContainerReader* base);
    uint64_t base_file_size() const { return index_.base_file_size; }

    void read_tensor(size_t i, uint8_t* dst);
    // Bytes [offset, offset + length) of tensor i.
    void read_bytes(size_t i, uint64_t offset, uint64_t length, uint8_t* dst);
    // Restores the whole original .safetensors file.
    void restore(Sink& out);
    // Sum of frame sizes that a tensor owns (0 for empty/same/base_copy).
    uint64_t stored_size(size_t i) const;
    // The input bytes [offset, offset + size) that reading tensor i touches (a SAME
    // tensor: its target's frame; raw: its data; empty and base copies: size 0), so a
    // client can fetch them itself, coalesced with its neighbours.
    struct Extent {
        uint64_t offset = 0, size = 0;
    };
    Extent extent(size_t i) const;
    // read_tensor from bytes the caller fetched: `stored` holds input bytes
    // [stored_offset, stored_offset + stored.size()), which must cover extent(i).
    // The source is not read.
    void read_tensor_from(size_t i, Bytes stored, uint64_t stored_offset, uint8_t* dst);

    Source& source() { return *source_; }

   private:
    void check_ready() const;
    void finish_open();
    Bytes base_tensor(size_t j, Buffer& scratch);
    void decode_frame(const TensorEntry& e, Bytes reference, uint64_t offset, uint64_t length,
                      uint64_t content, uint8_t* dst);

    std::unique_ptr<Source> source_;
    InputKind kind_ = InputKind::unknown;
    bool ready_ = false;
    ContainerIndex index_;
    SafetensorsLayout layout_;
    std::vector<size_t> sorted_;  // tensor indices sorted by name
    // model delta base
    Bytes base_bytes_;
    ContainerReader* base_reader_ = nullptr;
    SafetensorsLayout base_layout_;
    Buffer base_header_;
    Buffer scratch_;
    std::unique_ptr<Decoder> decoder_;
};

}  // namespace z4ai
