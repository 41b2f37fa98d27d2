// decoder.hpp - frame decoder behind a decompression context: one-shot, range and
// streaming. Decoding never allocates by what a header claims, only by what each
// block actually needs, capped by DecodeConfig::max_memory.
#pragma once
#include <map>
#include <memory>
#include <vector>

#include "codec/chunk_codec.hpp"
#include "codec/config.hpp"
#include "codec/encoder.hpp"
#include "codec/frame_map.hpp"
#include "util/thread_pool.hpp"

namespace z4ai {

class Decoder {
   public:
    Decoder();
    ~Decoder();

    DecodeConfig config;
    void set_reference(const uint8_t* ref, size_t size, bool present);

    size_t decompress(uint8_t* dst, size_t capacity, Bytes src);
    size_t decompress_range(uint8_t* dst, size_t capacity, Bytes src, uint64_t offset, uint64_t length);

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
    BlockDecodeContext block_context(const FrameHeader& h, uint64_t content_offset, size_t size) const;
    // Decodes one block of a mapped frame into dst (decoded_size bytes).
    void decode_mapped_block(const FrameMap& map, Bytes src, size_t index, DecodeWorkspace& ws, uint8_t* dst);
    void verify_dup(const FrameMap& map, Bytes src, const BlockRef& dup, const uint8_t* data) const;
    void run(size_t count, const std::function<void(size_t, unsigned)>& fn);
    void stream_decode_batch();
    void stream_accept_block_header();

    std::unique_ptr<ThreadPool> pool_;
    std::vector<std::unique_ptr<DecodeWorkspace>> workspaces_;
    std::array<uint8_t, 16> reference_digest_{};
    bool reference_digest_valid_ = false;

    // streaming state
    State state_ = State::header;
    Buffer acc_;
    FrameHeader sh_;
    size_t batch_limit_ = 1;
    std::vector<Pending> batch_;
    size_t batch_used_ = 0;
    std::vector<FooterEntry> seen_;
    std::map<uint32_t, Buffer> kept_;
    uint64_t kept_bytes_ = 0;
    uint64_t content_ = 0;
    uint64_t frame_pos_ = 0;
    BlockHeader current_{};
    Buffer pending_;
    size_t pending_pos_ = 0;
};

}  // namespace z4ai
