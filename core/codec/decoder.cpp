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

void Decoder::ensure_workers(unsigned threads) {
    if (threads > 1 && (!pool_ || pool_->size() != threads)) pool_ = std::make_unique<ThreadPool>(threads);
    if (threads <= 1) pool_.reset();
    while (workspaces_.size() < threads) workspaces_.push_back(std::make_unique<DecodeWorkspace>());
}

void Decoder::run(size_t count, const std::function<void(size_t, unsigned)>& fn) {
    if (pool_ && count > 1)
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
    if (!reference_digest_valid_) {
        reference_digest_ = digest128(config.reference, config.reference_size);
        reference_digest_valid_ = true;
    }
    if (reference_digest_ != h.reference_digest)
        fail(Code::reference_mismatch, "reference digest does not match the frame's");
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

void Decoder::decode_mapped_block(const FrameMap& map, Bytes src, size_t index, DecodeWorkspace& ws,
                                  uint8_t* dst) {
    const BlockRef& own = map.blocks[index];
    const BlockRef* r = &own;
    if (r->header.type == BlockType::dup) r = &map.blocks[r->dup_target];
    BlockDecodeContext ctx = block_context(map.header, r->content_offset, r->header.decoded_size);
    Bytes payload(src.data() + r->payload_offset, r->header.payload_size);
    if (r->header.type == BlockType::ref_copy) {
        std::memcpy(dst, config.reference + r->content_offset, r->header.decoded_size);
    } else {
        decode_verified_block(payload, r->payload_offset, r->header, ctx, ws, dst, r->offset);
    }
    if (r->header.type == BlockType::ref_copy) verify_block_checksum(r->header, payload, dst, ctx, r->offset);
    if (r != &own) verify_dup(map, src, own, dst);
}

void Decoder::verify_dup(const FrameMap& map, Bytes src, const BlockRef& dup, const uint8_t* data) const {
    BlockDecodeContext ctx = block_context(map.header, dup.content_offset, dup.header.decoded_size);
    verify_block_checksum(dup.header, Bytes(src.data() + dup.payload_offset, 4), data, ctx, dup.offset);
}

size_t Decoder::decompress(uint8_t* dst, size_t capacity, Bytes src) {
    FrameMap map = map_frame(src);
    if (map.frame_size != src.size())
        fail(Code::corrupt,
             std::to_string(src.size() - map.frame_size) + " bytes follow the end of the frame");
    if (map.content_size > capacity)
        fail(Code::dst_too_small, "content is " + std::to_string(map.content_size) +
                                      " bytes; output buffer holds " + std::to_string(capacity));
    check_reference(map.header);
    ensure_workers(resolve_thread_count(config.threads));
    run(map.blocks.size(), [&](size_t i, unsigned w) {
        const BlockRef& r = map.blocks[i];
        if (r.header.type == BlockType::dup) return;  // copied once its target exists
        decode_mapped_block(map, src, i, *workspaces_[w], dst + r.content_offset);
    });
    for (const BlockRef& r : map.blocks)
        if (r.header.type == BlockType::dup) {
            std::memcpy(dst + r.content_offset, dst + map.blocks[r.dup_target].content_offset,
                        r.header.decoded_size);
            verify_dup(map, src, r, dst + r.content_offset);
        }
    return map.content_size;
}

size_t Decoder::decompress_range(uint8_t* dst, size_t capacity, Bytes src, uint64_t offset, uint64_t length) {
    FrameMap map = map_frame(src);
    if (offset > map.content_size)
        fail(Code::param_out_of_bounds, "range starts after the end of the content");
    length = std::min<uint64_t>(length, map.content_size - offset);
    if (length > capacity) fail(Code::dst_too_small, "output buffer smaller than the range");
    if (length == 0) return 0;
    check_reference(map.header);
    ensure_workers(resolve_thread_count(config.threads));
    size_t first = find_block(map, offset);
    size_t last = find_block(map, offset + length - 1);
    run(last - first + 1, [&](size_t i, unsigned w) {
        size_t index = first + i;
        const BlockRef& r = map.blocks[index];
        uint64_t begin = std::max(offset, r.content_offset);
        uint64_t end = std::min(offset + length, r.content_offset + r.header.decoded_size);
        uint8_t* out = dst + (begin - offset);
        DecodeWorkspace& ws = *workspaces_[w];
        if (begin == r.content_offset && end == r.content_offset + r.header.decoded_size) {
            decode_mapped_block(map, src, index, ws, out);
        } else {
            // The block is decoded whole into scratch first: that scratch plus the
            // layout's own (about the block size again) must fit the memory limit,
            // checked before allocating (hostile frames declare 256 MiB blocks cheaply).
            if (uint64_t(r.header.decoded_size) * 2 > config.max_memory)
                fail(Code::memory_limit, "range needs a " + std::to_string(r.header.decoded_size) +
                                             "-byte block decoded whole, above the decoder memory limit");
            ws.block.resize(r.header.decoded_size);
            decode_mapped_block(map, src, index, ws, ws.block.data());
            std::memcpy(out, ws.block.data() + (begin - r.content_offset), end - begin);
        }
    });
    return static_cast<size_t>(length);
}

// ---- streaming ----

void Decoder::reset_session() noexcept {
    state_ = State::header;
    acc_.clear();
    batch_.clear();
    batch_used_ = 0;
    seen_.clear();
    kept_.clear();
    kept_bytes_ = 0;
    content_ = 0;
    frame_pos_ = 0;
    pending_.clear();
    pending_pos_ = 0;
}

size_t Decoder::recommended_output_size() const noexcept { return size_t(1) << 20; }

void Decoder::stream_accept_block_header() {
    const FrameHeader& h = sh_;
    const size_t bh = block_header_size(h.checksum);
    uint64_t at = frame_pos_ - bh;
    BlockHeader b = parse_block_header(acc_.data(), h.checksum, at);
    if (b.type == BlockType::end) {
        if (b.decoded_size != 0 || b.flags != 0 || b.checksum != 0)
            fail_corrupt("END block fields must be zero", at);
        if (b.payload_size != footer_size(seen_.size()))
            fail_corrupt("footer size does not match the number of blocks", at);
    } else {
        if (b.decoded_size == 0 || b.decoded_size > h.chunk_size())
            fail_corrupt("block decoded size is zero or above the chunk size", at + 4);
        if (seen_.size() >= 0xFFFFFFFFu) fail_corrupt("too many blocks", at);
        switch (b.type) {
            case BlockType::data:
                if (b.payload_size > uint64_t(b.decoded_size) + payload_header_size(kMaxStreams))
                    fail_corrupt("block payload larger than its content allows", at);
                break;
            case BlockType::dup:
                if (b.payload_size != 4 || b.flags) fail_corrupt("malformed DUP block", at);
                break;
            case BlockType::ref_copy:
                if (b.payload_size != 0 || !h.has_reference || content_ + b.decoded_size > h.reference_size)
                    fail_corrupt("malformed REF_COPY block", at);
                break;
            case BlockType::end: break;
        }
        content_ += b.decoded_size;
        if (content_ > kMaxContentSize) fail_corrupt("content too large", at);
        if (h.content_size_known && content_ > h.content_size)
            fail_corrupt("blocks exceed the header's content size", at);
        seen_.push_back({static_cast<uint32_t>(bh + b.payload_size), b.decoded_size});
    }
    current_ = b;
}

void Decoder::stream_decode_batch() {
    if (batch_used_ == 0) return;
    const FrameHeader& h = sh_;
    size_t total = 0;
    std::vector<size_t> at(batch_used_);
    for (size_t i = 0; i < batch_used_; ++i) {
        at[i] = total;
        total += batch_[i].header.decoded_size;
    }
    pending_.resize(total);
    pending_pos_ = 0;
    run(batch_used_, [&](size_t i, unsigned w) {
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
                sh_ = parse_header(acc_.span(), &used);
                check_reference(sh_);
                unsigned threads = resolve_thread_count(config.threads);
                uint64_t per_block = uint64_t(sh_.chunk_size()) * 3;
                if (per_block > config.max_memory)
                    fail(Code::memory_limit,
                         "frame chunk size needs more working memory than the decoder limit");
                batch_limit_ = static_cast<size_t>(
                    std::max<uint64_t>(1, std::min<uint64_t>(threads, config.max_memory / per_block)));
                ensure_workers(static_cast<unsigned>(std::min<size_t>(threads, batch_limit_)));
                if (batch_.size() < batch_limit_) batch_.resize(batch_limit_);
                acc_.clear();
                state_ = State::block_header;
                continue;
            }
            case State::block_header: {
                if (!gather(block_header_size(sh_.checksum))) {
                    // Out of input: hand over what is decoded so far.
                    if (batch_used_) {
                        stream_decode_batch();
                        continue;
                    }
                    return block_header_size(sh_.checksum) - acc_.size();
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
                    uint64_t at = frame_pos_ - current_.payload_size;
                    Footer f = parse_footer(acc_.span(), at);
                    if (f.content_size != content_ || f.block_count != seen_.size())
                        fail_corrupt("footer does not match the blocks", at);
                    for (size_t i = 0; i < seen_.size(); ++i)
                        if (load_u32(f.entries + 8 * i) != seen_[i].block_size ||
                            load_u32(f.entries + 8 * i + 4) != seen_[i].decoded_size)
                            fail_corrupt("footer index does not match block", at);
                    if (load_u32(acc_.data() + current_.payload_size - 8) !=
                        block_header_size(sh_.checksum) + current_.payload_size)
                        fail_corrupt("trailer size does not match the END block", at);
                    if (sh_.content_size_known && sh_.content_size != content_)
                        fail_corrupt("blocks do not add up to the header's content size", at);
                    if (sh_.ndim) {
                        unsigned __int128 e = 1;
                        for (unsigned i = 0; i < sh_.ndim; ++i) {
                            e *= sh_.dims[i];
                            if (e > kMaxContentSize) fail_corrupt("shape too large", 20);
                        }
                        if (e * dtype_info(sh_.dtype)->width != content_)
                            fail_corrupt("shape does not match content size", 20);
                    }
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
                p.index = static_cast<uint32_t>(seen_.size() - 1);
                p.content_offset = content_ - current_.decoded_size;
                p.frame_offset = frame_pos_ - need;
                p.dup_target = 0;
                if (current_.type == BlockType::dup) {
                    p.dup_target = load_u32(p.payload.data());
                    if (p.dup_target >= p.index) fail_corrupt("DUP refers forward", p.frame_offset);
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
