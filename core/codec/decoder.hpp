// decoder.hpp - frame decoder behind a decompression context: one-shot, range (from
// memory or from a Source) and streaming, all over one FrameIndex. Decoding never
// allocates by what a header claims, only by what each block actually needs, capped
// by DecodeConfig::max_memory.
#pragma once
#include <map>
#include <memory>
#include <vector>

#include "codec/chunk_codec.hpp"
#include "codec/config.hpp"
#include "codec/encoder.hpp"
#include "frame/frame_index.hpp"
#include "util/source.hpp"
#include "util/thread_pool.hpp"

namespace z4ai {

// Where a frame's stored bytes come from while it is decoded: the complete frame in
// memory, or a Source read in one window over the blocks a range overlaps (plus any
// DUP target before that window, read on its own).
struct StoredFrame {
    static StoredFrame in_memory(Bytes frame) {
        StoredFrame f;
        f.whole = frame;
        f.in_memory_ = true;
        return f;
    }
    static StoredFrame in_source(Source& src, uint64_t frame_offset) {
        StoredFrame f;
        f.source = &src;
        f.base = frame_offset;
        return f;
    }
    // The stored bytes (header + payload) of block r; `scratch` holds them when they
    // had to be read.
    const uint8_t* block(const IndexedBlock& r, Buffer& scratch) const;
    // Reads the blocks [first, last] of a source-backed frame in one request.
    void load_window(const FrameIndex& index, size_t first, size_t last);

    Bytes whole;
    Source* source = nullptr;
    uint64_t base = 0;  // offset of the frame in its input (error offsets)

   private:
    bool in_memory_ = false;
    Bytes window_;
    uint64_t window_at_ = 0;
    Buffer window_buf_;
};

class Decoder {
   public:
    Decoder();
    ~Decoder();

    DecodeConfig config;
    void set_reference(const uint8_t* ref, size_t size, bool present);

    // Exactly one complete frame.
    size_t decompress(uint8_t* dst, size_t capacity, Bytes src);
    // Content [offset, offset + length) of the frame at the start of src, clamped to
    // the content (FrameIndex::clamp_range). Returns the clamped length.
    size_t decompress_range(uint8_t* dst, size_t capacity, Bytes src, uint64_t offset, uint64_t length);
    // Content [offset, offset + length) of an indexed frame; the range must lie inside
    // the content. Every read path ends here.
    void decode_indexed(const FrameIndex& index, StoredFrame& frame, uint64_t offset, uint64_t length,
                        uint8_t* dst);

    // Streaming: returns 0 once a whole frame has been decoded and written out.
    size_t stream(OutSpan& out, InSpan& in);
    void reset_session() noexcept;
    size_t recommended_output_size() const noexcept;

   private:
    enum class State { header, block_header, payload, finishing, done };
    struct Pending {
        BlockHeader header;
        uint64_t content_offset;
        uint64_t frame_offset;
        uint32_t dup_target;
        uint32_t index;  // block number within the frame
        Buffer payload;
    };

    void ensure_workers(unsigned threads);
    void check_reference(const FrameHeader& h);
    // The one memory rule of every read path (docs/FORMAT.md, "Memory"): decoding a
    // block may take up to 3 x its decoded size of working memory.
    void check_block_memory(uint32_t decoded_size) const;
    BlockDecodeContext block_context(const FrameHeader& h, uint64_t content_offset, size_t size) const;
    // Decodes block i of an indexed frame into dst (its decoded_size bytes); a DUP
    // block decodes its target.
    void decode_block(const FrameIndex& index, const StoredFrame& frame, size_t i, const uint8_t* stored,
                      DecodeWorkspace& ws, uint8_t* dst);
    void run(size_t count, bool parallel, const std::function<void(size_t, unsigned)>& fn);
    void stream_decode_batch();
    void stream_accept_block_header();

    std::unique_ptr<ThreadPool> pool_;
    std::vector<std::unique_ptr<DecodeWorkspace>> workspaces_;
    std::array<uint8_t, 16> reference_digest_{};
    bool reference_digest_valid_ = false;

    // streaming state
    State state_ = State::header;
    Buffer acc_;
    FrameIndex stream_index_;  // built block by block as the frame arrives
    size_t batch_limit_ = 1;
    std::vector<Pending> batch_;
    size_t batch_used_ = 0;
    std::map<uint32_t, Buffer> kept_;
    uint64_t kept_bytes_ = 0;
    uint64_t frame_pos_ = 0;
    BlockHeader current_{};
    Buffer pending_;
    size_t pending_pos_ = 0;
};

}  // namespace z4ai
