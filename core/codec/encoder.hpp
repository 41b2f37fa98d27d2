// encoder.hpp - frame encoder behind a compression context: one-shot and
// streaming share the same batch path (T chunks encoded in parallel, written in
// order), so both produce identical bytes for any thread count.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "codec/chunk_planner.hpp"
#include "codec/config.hpp"
#include "util/thread_pool.hpp"

namespace z4ai {

enum class EndOp { cont = 0, flush = 1, end = 2 };

struct OutSpan {
    uint8_t* dst;
    size_t size;
    size_t pos;
};
struct InSpan {
    const uint8_t* src;
    size_t size;
    size_t pos;
};

class Encoder {
   public:
    Encoder();
    ~Encoder();

    EncodeConfig config;

    static size_t bound(uint64_t src_size) noexcept;

    // One-shot: returns the frame size. Throws dst_too_small without writing past cap.
    size_t compress(uint8_t* dst, size_t capacity, Bytes src);

    // Streaming: returns bytes still to be written out (0 after END = frame done).
    size_t stream(OutSpan& out, InSpan& in, EndOp op);
    void set_pledged_size(uint64_t size);
    void reset_session() noexcept;
    bool in_frame() const noexcept { return started_; }
    size_t recommended_input_size() const noexcept;

   private:
    void prepare(uint64_t content_size, bool size_known);
    unsigned thread_count() const noexcept;
    void ensure_workers(unsigned threads);
    // Encodes chunks of data (consecutive, starting at content offset `offset`)
    // writing their blocks in order where `emit(n)` says (n bytes per call, one
    // call per batch) and footer entries to entries_.
    // With `starts` (every block's content offset in the frame), blocks follow
    // it instead of the chunk grid; `data` must then end on a block start.
    using BlockSink = std::function<uint8_t*(size_t)>;
    void encode_chunks(Bytes data, uint64_t offset, const std::vector<int64_t>* dup_of,
                       const std::vector<uint8_t>* keep, size_t first_block, const BlockSink& emit,
                       const std::vector<uint64_t>* starts = nullptr);
    void validate_shape(uint64_t content_size) const;

    EncodePolicy policy_;
    FrameHeader header_;
    std::unique_ptr<ThreadPool> pool_;
    std::vector<std::unique_ptr<ChunkWorkspace>> workspaces_;
    std::vector<Buffer> slots_;     // one encoded block per chunk of a batch
    std::vector<size_t> block_at_;  // each slot's offset in the batch's output
    std::vector<FooterEntry> entries_;

    // streaming state
    bool started_ = false;
    bool ending_ = false;
    uint64_t pledged_ = UINT64_MAX;
    uint64_t consumed_ = 0;
    Buffer staged_;
    Buffer pending_;
    size_t pending_pos_ = 0;
};

}  // namespace z4ai
