#include "codec/decoder.hpp"

#include <algorithm>
#include <cstring>

#include "dtype/dtype.hpp"
#include "util/hash.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {

Decoder::Decoder() = default;
Decoder::~Decoder() = default;

void Decoder::set_reference(const uint8_t* ref, size_t size, bool present) {
    config.reference = ref;
    config.reference_size = size;
    config.has_reference = present;
    reference_digest_valid_ = false;
}

const uint8_t* StoredFrame::block(const IndexedBlock& r, Buffer& scratch) const {
    if (in_memory_) return whole.data() + r.offset;
    if (r.offset >= window_at_ && r.offset + r.stored_size <= window_at_ + window_.size())
        return window_.data() + (r.offset - window_at_);
    scratch.resize(r.stored_size);
    source->read_at(base + r.offset, scratch.data(), r.stored_size);
    return scratch.data();
}

void StoredFrame::load_window(const FrameIndex& index, size_t first, size_t last) {
    if (in_memory_) return;
    window_at_ = index.blocks[first].offset;
    const uint64_t n = index.blocks[last].offset + index.blocks[last].stored_size - window_at_;
    window_ = source->view(base + window_at_, static_cast<size_t>(n), window_buf_);
}

void Decoder::ensure_workers(unsigned threads) {
    if (threads > 1 && (!pool_ || pool_->size() != threads)) pool_ = std::make_unique<ThreadPool>(threads);
    if (threads <= 1) pool_.reset();
    while (workspaces_.size() < std::max(1u, threads))
        workspaces_.push_back(std::make_unique<DecodeWorkspace>());
}

void Decoder::run(size_t count, bool parallel, const std::function<void(size_t, unsigned)>& fn) {
    if (parallel && pool_ && count > 1)
        pool_->parallel_for(count, fn);
    else
        for (size_t i = 0; i < count; ++i) fn(i, 0);
}

void Decoder::check_reference(const FrameHeader& h) {
    if (!h.has_reference) return;
    if (!config.has_reference)
        fail(Code::reference_missing, "this is a delta frame: attach its reference to decode it");
    if (config.reference_size != h.reference_size)
        fail(Code::reference_mismatch, "reference is " + std::to_string(config.reference_size) +
                                           " bytes; the frame was made against " +
                                           std::to_string(h.reference_size));
    // Hashed once per attached reference, not once per read.
    if (!reference_digest_valid_) {
        reference_digest_ = digest128(config.reference, config.reference_size);
        reference_digest_valid_ = true;
    }
    if (reference_digest_ != h.reference_digest)
        fail(Code::reference_mismatch, "reference digest does not match the frame's");
}

void Decoder::check_block_memory(uint32_t decoded_size) const {
    // 3x: the block itself when it cannot go straight to the caller (a range's edge
    // block, streaming), its decoded streams and a layout's scratch (sparse merges
    // planes beside its bitmap). Checked before anything is allocated: a hostile
    // frame declares 256 MiB blocks for a few bytes.
    if (uint64_t(decoded_size) * 3 > config.max_memory)
        fail(Code::memory_limit, "a " + std::to_string(decoded_size) + "-byte block needs " +
                                     std::to_string(uint64_t(decoded_size) * 3) +
                                     " bytes of working memory, above the decoder limit of " +
                                     std::to_string(config.max_memory));
}

BlockDecodeContext Decoder::block_context(const FrameHeader& h, uint64_t content_offset, size_t size) const {
    BlockDecodeContext c;
    c.dtype_width = dtype_info(h.dtype)->width;
    c.checksum_present = h.checksum;
    c.verify_checksum = config.verify_checksum;
    c.max_memory = config.max_memory;
    if (h.has_reference && content_offset + size <= config.reference_size)
        c.reference = Bytes(config.reference + content_offset, size);
    return c;
}

void Decoder::decode_block(const FrameIndex& index, const StoredFrame& frame, size_t i, const uint8_t* stored,
                           DecodeWorkspace& ws, uint8_t* dst) {
    const IndexedBlock& r = index.blocks[i];
    const BlockHeader b = index.stored_header(i, stored, frame.base);
    const size_t bh = index.block_header_bytes();
    const uint64_t at = frame.base + r.offset;
    BlockDecodeContext ctx = block_context(index.header, r.content_offset, r.decoded_size);
    switch (b.type) {
        case BlockType::data:
            check_block_memory(b.decoded_size);
            decode_verified_block(Bytes(stored + bh, b.payload_size), at + bh, b, ctx, ws, dst, at);
            return;
        case BlockType::ref_copy:
            std::memcpy(dst, config.reference + r.content_offset, r.decoded_size);
            verify_block_checksum(b, Bytes(stored + bh, 0), dst, ctx, at);
            return;
        case BlockType::dup: {
            uint8_t payload[4];  // `stored` may live in ws.stored, reused for the target
            std::memcpy(payload, stored + bh, 4);
            const uint32_t t = index.dup_target(i, stored, frame.base);
            const uint8_t* target = frame.block(index.blocks[t], ws.stored);
            index.check_dup_target(i, t, target, frame.base);
            decode_block(index, frame, t, target, ws, dst);
            verify_block_checksum(b, Bytes(payload, 4), dst, ctx, at);
            return;
        }
        case BlockType::end: break;
    }
    fail_corrupt("END block inside the frame", at);
}

void Decoder::decode_indexed(const FrameIndex& index, StoredFrame& frame, uint64_t offset, uint64_t length,
                             uint8_t* dst) {
    check_reference(index.header);
    if (length == 0) return;
    const uint64_t end = offset + length;
    const size_t first = index.block_at(offset), last = index.block_at(end - 1);
    frame.load_window(index, first, last);
    auto whole_in_range = [&](const IndexedBlock& r) {
        return r.content_offset >= offset && r.content_offset + r.decoded_size <= end;
    };
    // A DUP block whose target is decoded whole by this call is copied from it
    // afterwards instead of decoding the target twice.
    auto copied_later = [&](const IndexedBlock& r) {
        return r.header_known && r.header.type == BlockType::dup && r.dup_target >= first &&
               whole_in_range(r) && whole_in_range(index.blocks[r.dup_target]);
    };
    const bool parallel = frame.source == nullptr;  // a Source may not take concurrent reads
    ensure_workers(parallel ? resolve_thread_count(config.threads) : 1);
    run(last - first + 1, parallel, [&](size_t k, unsigned w) {
        const size_t i = first + k;
        const IndexedBlock& r = index.blocks[i];
        if (copied_later(r)) return;
        DecodeWorkspace& ws = *workspaces_[w];
        const uint8_t* stored = frame.block(r, ws.stored);
        const uint64_t begin = std::max(offset, r.content_offset);
        const uint64_t stop = std::min(end, r.content_offset + r.decoded_size);
        uint8_t* out = dst + (begin - offset);
        if (whole_in_range(r)) return decode_block(index, frame, i, stored, ws, out);
        // An edge block is decoded whole into scratch first.
        check_block_memory(r.decoded_size);
        ws.block.resize(r.decoded_size);
        decode_block(index, frame, i, stored, ws, ws.block.data());
        std::memcpy(out, ws.block.data() + (begin - r.content_offset), stop - begin);
    });
    for (size_t i = first; i <= last; ++i) {
        const IndexedBlock& r = index.blocks[i];
        if (!copied_later(r)) continue;
        uint8_t* out = dst + (r.content_offset - offset);
        std::memcpy(out, dst + (index.blocks[r.dup_target].content_offset - offset), r.decoded_size);
        verify_block_checksum(
            r.header, Bytes(frame.block(r, workspaces_[0]->stored) + index.block_header_bytes(), 4), out,
            block_context(index.header, r.content_offset, r.decoded_size), frame.base + r.offset);
    }
}

size_t Decoder::decompress(uint8_t* dst, size_t capacity, Bytes src) {
    FrameIndex index = FrameIndex::from_buffer(src);
    if (index.frame_size != src.size())
        fail(Code::corrupt,
             std::to_string(src.size() - index.frame_size) + " bytes follow the end of the frame");
    if (index.content_size > capacity)
        fail(Code::dst_too_small, "content is " + std::to_string(index.content_size) +
                                      " bytes; output buffer holds " + std::to_string(capacity));
    StoredFrame frame = StoredFrame::in_memory(src);
    decode_indexed(index, frame, 0, index.content_size, dst);
    return static_cast<size_t>(index.content_size);
}

size_t Decoder::decompress_range(uint8_t* dst, size_t capacity, Bytes src, uint64_t offset, uint64_t length) {
    FrameIndex index = FrameIndex::from_buffer(src);
    length = index.clamp_range(offset, length);
    if (length > capacity) fail(Code::dst_too_small, "output buffer smaller than the range");
    StoredFrame frame = StoredFrame::in_memory(src);
    decode_indexed(index, frame, offset, length, dst);
    return static_cast<size_t>(length);
}

// ---- streaming ----

void Decoder::reset_session() noexcept {
    state_ = State::header;
    acc_.clear();
    batch_.clear();
    batch_used_ = 0;
    stream_index_ = FrameIndex();
    kept_.clear();
    kept_bytes_ = 0;
    frame_pos_ = 0;
    pending_.clear();
    pending_pos_ = 0;
}

size_t Decoder::recommended_output_size() const noexcept { return size_t(1) << 20; }

void Decoder::stream_accept_block_header() {
    const uint64_t at = frame_pos_ - stream_index_.block_header_bytes();
    BlockHeader b = parse_block_header(acc_.data(), stream_index_.header.checksum, at);
    if (b.type == BlockType::end) {
        stream_index_.check_end_header(b, at);
    } else {
        stream_index_.add_block(b, at);
        check_block_memory(b.decoded_size);  // before its payload is gathered
    }
    current_ = b;
}

void Decoder::stream_decode_batch() {
    if (batch_used_ == 0) return;
    const FrameHeader& h = stream_index_.header;
    size_t total = 0;
    std::vector<size_t> at(batch_used_);
    for (size_t i = 0; i < batch_used_; ++i) {
        at[i] = total;
        total += batch_[i].header.decoded_size;
    }
    pending_.resize(total);
    pending_pos_ = 0;
    run(batch_used_, true, [&](size_t i, unsigned w) {
        Pending& p = batch_[i];
        if (p.header.type == BlockType::dup) return;
        BlockDecodeContext ctx = block_context(h, p.content_offset, p.header.decoded_size);
        uint8_t* out = pending_.data() + at[i];
        if (p.header.type == BlockType::ref_copy) {
            std::memcpy(out, config.reference + p.content_offset, p.header.decoded_size);
            verify_block_checksum(p.header, p.payload.span(), out, ctx, p.frame_offset);
        } else {
            decode_verified_block(p.payload.span(), p.frame_offset, p.header, ctx, *workspaces_[w], out,
                                  p.frame_offset);
        }
    });
    for (size_t i = 0; i < batch_used_; ++i) {
        Pending& p = batch_[i];
        uint8_t* out = pending_.data() + at[i];
        if (p.header.type == BlockType::dup) {
            auto it = kept_.find(p.dup_target);
            if (it == kept_.end() || it->second.size() != p.header.decoded_size)
                fail_corrupt("DUP target is not a matching kept DATA block", p.frame_offset);
            std::memcpy(out, it->second.data(), p.header.decoded_size);
            verify_block_checksum(p.header, p.payload.span(), out,
                                  block_context(h, p.content_offset, p.header.decoded_size), p.frame_offset);
        }
        if (p.header.flags & block_flag::keep) {
            kept_bytes_ += p.header.decoded_size;
            if (kept_bytes_ > config.max_memory)
                fail(Code::memory_limit, "chunks kept for later DUP blocks exceed the memory limit");
            Buffer copy;
            copy.append(out, p.header.decoded_size);
            kept_[p.index] = std::move(copy);
        }
    }
    batch_used_ = 0;
}

size_t Decoder::stream(OutSpan& out, InSpan& in) {
    auto drain = [&] {
        size_t n = std::min(pending_.size() - pending_pos_, out.size - out.pos);
        if (n) std::memcpy(out.dst + out.pos, pending_.data() + pending_pos_, n);
        out.pos += n;
        pending_pos_ += n;
    };
    // Moves up to `need - acc_.size()` input bytes into acc_; true when complete.
    auto gather = [&](size_t need) {
        size_t take = std::min(need - acc_.size(), in.size - in.pos);
        acc_.append(in.src + in.pos, take);
        in.pos += take;
        frame_pos_ += take;
        return acc_.size() == need;
    };

    for (;;) {
        drain();
        if (pending_pos_ < pending_.size()) return pending_.size() - pending_pos_;
        pending_.clear();
        pending_pos_ = 0;

        switch (state_) {
            case State::done: reset_session(); return 0;
            case State::finishing: state_ = State::done; continue;
            case State::header: {
                size_t need = acc_.size() < 8 ? 8 : header_size_from_prefix(acc_.span());
                bool complete = gather(need);
                if (acc_.size() >= 1) {
                    size_t m = std::min<size_t>(acc_.size(), 4);
                    if (std::memcmp(acc_.data(), kFrameMagic, m) != 0)
                        fail(Code::unknown_format, "not a z4ai frame (bad magic number)");
                }
                if (!complete) return need - acc_.size();
                if (acc_.size() == 8) continue;  // now the full header size is known
                size_t used = 0;
                stream_index_.begin(parse_header(acc_.span(), &used), used);
                check_reference(stream_index_.header);
                unsigned threads = resolve_thread_count(config.threads);
                // Blocks decoded at once: as many as threads, as far as the memory
                // limit holds them (each block is checked on its own as it arrives).
                const uint64_t per_block = uint64_t(stream_index_.header.chunk_size()) * 3;
                batch_limit_ = static_cast<size_t>(
                    std::max<uint64_t>(1, std::min<uint64_t>(threads, config.max_memory / per_block)));
                ensure_workers(static_cast<unsigned>(std::min<size_t>(threads, batch_limit_)));
                if (batch_.size() < batch_limit_) batch_.resize(batch_limit_);
                acc_.clear();
                state_ = State::block_header;
                continue;
            }
            case State::block_header: {
                if (!gather(stream_index_.block_header_bytes())) {
                    // Out of input: hand over what is decoded so far.
                    if (batch_used_) {
                        stream_decode_batch();
                        continue;
                    }
                    return stream_index_.block_header_bytes() - acc_.size();
                }
                stream_accept_block_header();
                acc_.clear();
                if (current_.type != BlockType::end) batch_[batch_used_].payload.clear();
                state_ = State::payload;
                continue;
            }
            case State::payload: {
                if (current_.type == BlockType::end) {
                    if (!gather(current_.payload_size)) return current_.payload_size - acc_.size();
                    stream_index_.finish(acc_.span(), frame_pos_ - current_.payload_size);
                    acc_.clear();
                    stream_decode_batch();
                    state_ = State::finishing;
                    continue;
                }
                Pending& p = batch_[batch_used_];
                // Gather the payload straight into the batch slot.
                size_t need = current_.payload_size;
                size_t have = p.payload.size();
                size_t take = std::min(need - have, in.size - in.pos);
                p.payload.append(in.src + in.pos, take);
                in.pos += take;
                frame_pos_ += take;
                if (p.payload.size() < need) {
                    if (batch_used_) {
                        // Decode what is complete so the caller sees progress.
                        Pending partial = std::move(p);
                        stream_decode_batch();
                        batch_[0] = std::move(partial);
                        continue;
                    }
                    return need - p.payload.size();
                }
                p.header = current_;
                p.index = static_cast<uint32_t>(stream_index_.blocks.size() - 1);
                p.content_offset = stream_index_.blocks.back().content_offset;
                p.frame_offset = frame_pos_ - need;
                p.dup_target = 0;
                if (current_.type == BlockType::dup) {
                    stream_index_.set_dup_target(p.index, load_u32(p.payload.data()), p.frame_offset);
                    p.dup_target = stream_index_.blocks.back().dup_target;
                }
                ++batch_used_;
                state_ = State::block_header;
                if (batch_used_ == batch_limit_) stream_decode_batch();
                continue;
            }
        }
    }
}

}  // namespace z4ai
